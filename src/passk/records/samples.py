"""Sample shards: one row per completion, and the checks every reader of a sample file applies.

An *empty* completion is legal — a model can emit end-of-sequence first, and that sample is
simply wrong (``no_answer``); a *missing* (null) text is an error, because it means the file
lost data.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa

from passk.errors import DataError
from passk.records.parquet import read_table, write_table

SAMPLE_SCHEMA = pa.schema(
    [
        ("problem_id", pa.string()),
        ("sample_index", pa.int64()),
        ("seed", pa.int64()),
        ("text", pa.string()),
        ("finish_reason", pa.string()),  # "stop" | "length"
        ("num_tokens", pa.int64()),
        ("prompt_tokens", pa.int64()),
        ("backend", pa.string()),
        ("model", pa.string()),
        ("model_revision", pa.string()),
        ("template", pa.string()),
        ("max_tokens", pa.int64()),  # the new-token limit the sample was drawn with (``fit`` resolved)
    ]
)
SAMPLE_REQUIRED: tuple[str, ...] = ("problem_id", "sample_index", "text")
# Columns every sample file has; max_tokens came later and reads as null when absent.
_READ_SCHEMA = pa.schema([field for field in SAMPLE_SCHEMA if field.name != "max_tokens"])


def write_samples(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write one shard of samples."""
    write_table(path, rows, SAMPLE_SCHEMA)


def read_samples(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read one shard of samples (files written before the ``max_tokens`` column read it as null)."""
    rows = read_table(path, _READ_SCHEMA)
    for row in rows:
        row.setdefault("max_tokens", None)
    return rows


def check_samples(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str], problems: dict[str, Any], *,
                  problems_path: str | os.PathLike[str] | None = None, row_name: str = "row") -> None:
    """Refuse samples with a missing field, an unknown problem id or a repeated (problem, index).

    ``row_name`` is how a position is named in the message (``row`` for parquet, counted from 0;
    ``line`` for JSONL, counted from 1). An empty string ``text`` is accepted; a null one is not.
    """
    if not rows:
        raise DataError(f"{path}: no samples (empty file)")
    seen: dict[tuple[str, int], int] = {}
    base = 1 if row_name == "line" else 0
    for pos, row in enumerate(rows, start=base):
        where = f"{path}: {row_name} {pos}"
        for key in SAMPLE_REQUIRED:
            if row.get(key) is None:
                raise DataError(f"{where}: missing {key!r}" + (" (an empty completion is \"\", not null)" if key == "text" else ""))
        if not isinstance(row["text"], str):
            raise DataError(f"{where}: 'text' should be a string, got {type(row['text']).__name__}")
        pid = row["problem_id"]
        if pid not in problems:
            src = f" in {problems_path}" if problems_path else ""
            raise DataError(f"{where}: problem id {pid!r} is not a problem{src}")
        index = row["sample_index"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise DataError(f"{where}: 'sample_index' should be a non-negative integer, got {index!r}")
        key = (str(pid), int(index))
        if key in seen:
            raise DataError(f"{where}: duplicate sample {pid!r} #{index} (first at {row_name} {seen[key]})")
        seen[key] = pos
