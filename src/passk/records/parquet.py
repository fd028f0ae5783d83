"""Parquet tables with a fixed schema, written atomically and byte-deterministically.

The same rows give the same bytes (fixed schema, no statistics, no timestamps), so runs can be
compared with ``cmp`` and a killed writer never leaves a file that looks complete.
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
