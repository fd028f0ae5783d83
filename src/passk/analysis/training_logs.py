"""Training logs for Fig 18: reward, response length and entropy against the step.

RL frameworks export their metrics under their own names (VeRL: ``critic/score/mean``,
``response_length/mean``, ``actor/entropy``; OpenRLHF and TRL: others). A log is read from a CSV
file (header row) or a JSON-lines file (one object per step), and the config maps our four names
— ``step``, ``reward``, ``response_length``, ``entropy`` — to the file's columns. Our names are the
defaults, so a log already using them needs no mapping. A metric column that is mapped but absent
is an error naming the file and the columns it has; blank values (a metric logged every few
steps) are skipped, non-numeric ones are an error with the line.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import numpy as np

from passk.errors import DataError
from passk.io import iter_jsonl

TRAINING_METRICS = ("reward", "response_length", "entropy")
FIELDS = ("step", *TRAINING_METRICS)


def _rows(path: Path, fmt: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """The column names and ``(line number, row)`` pairs of a CSV or JSON-lines export."""
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            return list(reader.fieldnames or []), [(i, row) for i, row in enumerate(reader, start=2)]
    rows = list(iter_jsonl(path))  # the one JSON-lines reader: a bad line is a DataError naming file:line
    names: list[str] = []
    for _, obj in rows:
        names += [k for k in obj if k not in names]
    return names, rows


def read_training_log(path: str | os.PathLike[str], columns: dict[str, str] | None = None, fmt: str | None = None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{metric: (steps, values)}`` for reward, response_length and entropy, sorted by step.

    ``columns`` maps our names (step, reward, response_length, entropy) to the file's; ``fmt`` is
    ``csv`` or ``jsonl`` (default: from the suffix, ``.jsonl``/``.json`` → jsonl, else csv).
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: training log not found")
    unknown = sorted(set(columns or {}) - set(FIELDS))
    if unknown:
        raise DataError(f"{p}: column mapping names {unknown}; known: {list(FIELDS)}")
    mapping = {f: (columns or {}).get(f, f) for f in FIELDS}
    fmt = fmt or ("jsonl" if p.suffix in (".jsonl", ".json") else "csv")
    names, rows = _rows(p, fmt)
    missing = [f"{ours} -> {theirs!r}" for ours, theirs in mapping.items() if theirs not in names]
    if missing:
        raise DataError(f"{p}: mapped column(s) not in the log: {missing}; the log has {names}")
    out = {}
    for metric in TRAINING_METRICS:
        steps, values = [], []
        for line, row in rows:
            raw_step, raw = row.get(mapping["step"]), row.get(mapping[metric])
            if raw in (None, "") or raw_step in (None, ""):
                continue
            try:
                steps.append(int(float(raw_step)))
                values.append(float(raw))
            except (TypeError, ValueError):
                raise DataError(f"{p}:{line}: non-numeric {mapping['step']!r}={raw_step!r} or {mapping[metric]!r}={raw!r}") from None
        order = np.argsort(np.asarray(steps), kind="stable")
        out[metric] = (np.asarray(steps, dtype=np.int64)[order], np.asarray(values, dtype=np.float64)[order])
    return out
