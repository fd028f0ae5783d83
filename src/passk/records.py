"""The record types that flow between stages, and their on-disk form.

- Problem (``results/problems/{bench}.jsonl``): ``id``, ``benchmark``, ``index`` (0-based position
  in the source file), ``question`` (the text the prompt template wraps), ``answer`` (math gold, a
  string) or ``tests`` (code), and ``metadata``.
- Sample (``results/samples/{model}/{bench}/shard-{i}.parquet``): one row per completion.
- Verdict (``results/verdicts/{model}/{bench}/shard-{i}.parquet``): one row per sample.

Parquet tables are written through ``write_table`` (atomic, fixed schema, no timestamps) so the
same rows give the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from passk.errors import DataError
from passk.io import atomic_path

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
    ]
)

VERDICT_STATUSES = (
    "correct",  # math answer equivalent to gold
    "wrong",  # math answer not equivalent
    "no_answer",  # nothing could be extracted
    "timeout",  # checker or program hit its time limit
    "pass",  # code passed every test
    "fail",  # code gave a wrong output
    "runtime_error",
    "memory",
    "sandbox_error",
)

VERDICT_SCHEMA = pa.schema(
    [
        ("problem_id", pa.string()),
        ("sample_index", pa.int64()),
        ("correct", pa.bool_()),
        ("status", pa.string()),
        ("extracted", pa.string()),
        ("detail", pa.string()),
    ]
)


def write_table(path: str | os.PathLike[str], rows: Sequence[dict[str, Any]] | Iterable[dict[str, Any]], schema: pa.Schema) -> None:
    """Atomically write ``rows`` as a parquet file with ``schema`` (missing keys become null)."""
    rows = list(rows)
    columns = {name: [row.get(name) for row in rows] for name in schema.names}
    table = pa.table(columns, schema=schema)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=False)


def read_table(path: str | os.PathLike[str], schema: pa.Schema | None = None) -> list[dict[str, Any]]:
    """Rows of a parquet file as dicts; a missing or unreadable file raises DataError naming it."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    try:
        table = pq.read_table(p)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{p}: not a readable parquet file ({exc})") from None
    if schema is not None:
        missing = [name for name in schema.names if name not in table.column_names]
        if missing:
            raise DataError(f"{p}: missing columns {missing}")
    return table.to_pylist()


def write_samples(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write one shard of samples."""
    write_table(path, rows, SAMPLE_SCHEMA)


def read_samples(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read one shard of samples."""
    return read_table(path, SAMPLE_SCHEMA)


def write_verdicts(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write one shard of verdicts."""
    write_table(path, rows, VERDICT_SCHEMA)


def read_verdicts(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read one shard of verdicts."""
    return read_table(path, VERDICT_SCHEMA)
