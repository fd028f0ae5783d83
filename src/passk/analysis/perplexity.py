"""Perplexity of sampled responses (paper §4, Fig 6): which responses are scored, with which
prompt, and the table of scores.

The scoring itself (a model run, on either backend) is ``passk.sampling.scoring``; this module
picks the responses (``select_responses``), gives each the prompt it was sampled with
(``with_prompts``) and writes and reads the byte-deterministic table (``perplexity_table``).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from passk.analysis.tables import format_float
from passk.errors import ConfigError, DataError
from passk.io import csv_text, write_text
from passk.prompts import render_prompt
from passk.records.problems import load_problems
from passk.records.samples import read_samples

PERPLEXITY_COLUMNS: tuple[str, ...] = ("problem_id", "source", "scorer", "sample_index", "num_tokens", "mean_logprob", "ppl")


def _selection_key(seed: int, problem_id: str, sample_index: int) -> str:
    """A per-sample random-looking rank that depends only on (seed, problem, sample index)."""
    return hashlib.sha256(f"{int(seed)}\x00{problem_id}\x00{int(sample_index)}".encode()).hexdigest()


def select_responses(
    sample_paths: Iterable[str | os.PathLike[str]],
    problem_ids: Sequence[str],
    per_problem: int = 16,
    seed: int = 0,
    *,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """A deterministic subset of ``per_problem`` sampled completions for each problem.

    Each completion is ranked by ``sha256(seed, problem_id, sample_index)`` and the lowest
    ``per_problem`` are kept: the choice depends only on which samples exist, never on the order
    of the shards or of rows, and another ``seed`` draws another subset. (Completions are i.i.d.
    draws, so any fixed subset is a fair sample; hashing just avoids always taking shard 0.)
    Empty texts are skipped: their perplexity is undefined. Returns dicts ``{"problem_id",
    "sample_index", "response", "source", "template", "finish_reason"}`` in ``problem_ids`` order,
    then ``sample_index``; ``source`` defaults to the rows' ``model`` name. Raises DataError for
    a problem with fewer than ``per_problem`` usable completions, an unknown problem id, or a
    duplicate ``(problem_id, sample_index)`` across shards.
    """
    if int(per_problem) < 1:
        raise ConfigError(f"select_responses: per_problem must be >= 1, got {per_problem!r}")
    wanted = [str(p) for p in problem_ids]
    if len(set(wanted)) != len(wanted):
        raise ConfigError(f"select_responses: duplicate problem ids in {wanted}")
    pool: dict[str, dict[int, dict[str, Any]]] = {p: {} for p in wanted}
    where: dict[tuple[str, int], str] = {}
    paths = [str(p) for p in sample_paths]
    if not paths:
        raise DataError("select_responses: no sample files given")
    for path in paths:
        for row in read_samples(path):
            pid, idx = row["problem_id"], int(row["sample_index"])
            key = (pid, idx)
            if key in where:
                raise DataError(f"{path}: duplicate sample for problem {pid!r} sample_index {idx} (also in {where[key]})")
            where[key] = path
            if pid in pool and row["text"]:
                pool[pid][idx] = row
    out = []
    for pid in wanted:
        rows = pool[pid]
        if len(rows) < per_problem:
            raise DataError(f"[{', '.join(paths)}]: problem {pid!r} has {len(rows)} non-empty completions, need {per_problem}")
        chosen = sorted(sorted(rows, key=lambda i: _selection_key(seed, pid, i))[:per_problem])
        for idx in chosen:
            row = rows[idx]
            out.append(
                {
                    "problem_id": pid,
                    "sample_index": idx,
                    "response": row["text"],
                    "source": source if source is not None else str(row["model"]),
                    "template": row["template"],
                    "finish_reason": row["finish_reason"],
                }
            )
    return out


def with_prompts(
    items: Iterable[dict[str, Any]],
    problems_path: str,
    *,
    template: str,
    prompt: str = "model",
    chat: str = "chatml",
    tokenizer: Any = None,
) -> list[dict[str, Any]]:
    """Add each item's ``prompt``: its problem rendered with the *scoring* model's template.

    Uses :func:`passk.prompts.render_prompt`, the function the sampling stage renders prompts with,
    so x is byte-for-byte the prompt the model saw. An item whose ``template`` (recorded at sampling
    time) differs from ``template`` is a ConfigError: scoring a response under a prompt it was not
    sampled with measures the template change, not the model (items without a ``template``, e.g.
    reference solutions, are not checked).
    """
    problems = load_problems(problems_path)
    label = template if prompt == "model" else f"{prompt}:{chat}"
    out = []
    for item in items:
        pid = str(item["problem_id"])
        if pid not in problems:
            raise DataError(f"{problems_path}: no problem {pid!r}")
        recorded = item.get("template")
        if recorded is not None and recorded != label:
            raise ConfigError(f"problem {pid!r} ({item.get('source')}): response was sampled with template {recorded!r}, scoring prompt uses {label!r}")
        text = render_prompt(problems[pid], template=template, prompt=prompt, chat=chat, tokenizer=tokenizer)
        out.append({**item, "prompt": text})
    return out


def perplexity_table(rows: Iterable[dict[str, Any]], out_csv: str) -> None:
    """Write scored responses as one CSV, atomically and byte-deterministically.

    Columns ``problem_id,source,scorer,sample_index,num_tokens,mean_logprob,ppl``: one row per
    scored response, i.e. per (problem, source, scorer, response); a (problem, source, scorer)
    group holds that scorer's perplexities of that source's responses (one box of Fig 6). Rows are
    sorted by (problem_id, scorer, source, sample_index) so input order never changes the bytes;
    floats in :func:`passk.analysis.tables.format_float` (``%.10f``, ``nan``). ``sample_index`` is
    required (number reference solutions 0..m-1 yourself) so that every row has a unique key; a
    duplicate key is a DataError, because it would mean a response was scored twice.
    """
    out = []
    seen: set[tuple[str, str, str, int]] = set()
    for i, row in enumerate(rows):
        missing = [k for k in PERPLEXITY_COLUMNS if k not in row]
        if missing:
            raise DataError(f"perplexity row {i}: missing keys {missing}")
        key = (str(row["problem_id"]), str(row["source"]), str(row["scorer"]), int(row["sample_index"]))
        if key in seen:
            raise DataError(f"perplexity rows: duplicate (problem_id, source, scorer, sample_index) {key}")
        seen.add(key)
        out.append([*key, int(row["num_tokens"]), format_float(row["mean_logprob"]), format_float(row["ppl"])])
    if not out:
        raise DataError("perplexity_table: no rows")
    out.sort(key=lambda r: (r[0], r[2], r[1], r[3]))
    write_text(out_csv, csv_text(PERPLEXITY_COLUMNS, out))


def read_perplexity_table(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rows of a CSV written by :func:`perplexity_table` (ints and floats parsed)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != PERPLEXITY_COLUMNS:
            raise DataError(f"{p}: not a perplexity table (columns {reader.fieldnames}, expected {list(PERPLEXITY_COLUMNS)})")
        rows = []
        for lineno, row in enumerate(reader, start=2):
            try:
                rows.append(
                    {
                        "problem_id": row["problem_id"],
                        "source": row["source"],
                        "scorer": row["scorer"],
                        "sample_index": int(row["sample_index"]),
                        "num_tokens": int(row["num_tokens"]),
                        "mean_logprob": float(row["mean_logprob"]),
                        "ppl": float(row["ppl"]),
                    }
                )
            except (TypeError, ValueError):
                raise DataError(f"{p}:{lineno}: malformed number") from None
    return rows
