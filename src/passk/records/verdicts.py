"""Verdict shards and the one status vocabulary every benchmark family writes.

A verdict's ``status`` comes from the verifier's own evidence, never from what a program printed:

- ``correct``: the math answer is equivalent to the gold, or the program passed every test;
- ``wrong``: the answer is not equivalent, or the program gave a wrong output;
- ``no_answer``: nothing could be extracted (no final answer, no program);
- ``timeout``: the program (or the answer checker) hit its time limit;
- ``runtime_error``: the program raised, failed to compile, or ended before its tests were done;
- ``memory``: the program hit its memory limit.

A fault of the verifier itself (a sandbox that cannot start, a crash) is not a status: it fails
the job. Files written by older code said ``pass``/``fail`` for code; they are read with today's
names (``migrate_status``), and one that recorded a ``sandbox_error`` is refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from passk.errors import DataError
from passk.records.parquet import read_table, write_table

STATUSES: tuple[str, ...] = ("correct", "wrong", "no_answer", "timeout", "runtime_error", "memory")

VERDICT_SCHEMA = pa.schema(
    [
        ("problem_id", pa.string()),
        ("sample_index", pa.int64()),
        ("correct", pa.bool_()),
        ("status", pa.string()),
        ("extracted", pa.string()),
        ("detail", pa.string()),
        ("base_passed", pa.bool_()),  # code: all of the benchmark's base tests passed (HumanEval vs HumanEval+); null: not known
        ("tests", pa.string()),  # code: which tests decided it ("base+plus", "full", "public"); null for math
    ]
)

# Columns every verdict file has; base_passed and tests came later and read as null when absent.
_REQUIRED = pa.schema([VERDICT_SCHEMA.field(name) for name in ("problem_id", "sample_index", "correct", "status", "extracted", "detail")])

# Old code's names for code verdicts; a "fail" with nothing extracted is today's "no_answer".
_OLD_NAMES = {"pass": "correct", "fail": "wrong"}
_OLD_NO_PROGRAM = ("no code could be extracted", "no code extracted")


def migrate_status(status: str, detail: str | None = None, *, where: str = "verdict") -> str:
    """``status`` in today's vocabulary; DataError (naming ``where``) for an unknown one or an old
    ``sandbox_error``, which recorded a fault of the verifier as if it were the program's."""
    if status in STATUSES:
        return status
    if status == "fail" and (detail or "").startswith(_OLD_NO_PROGRAM):
        return "no_answer"
    if status in _OLD_NAMES:
        return _OLD_NAMES[status]
    if status == "sandbox_error":
        raise DataError(f"{where}: status 'sandbox_error' was written by older code, which recorded a sandbox fault "
                        "as a verdict; delete this verdict file and verify the samples again")
    raise DataError(f"{where}: unknown status {status!r} (expected one of {', '.join(STATUSES)})")


def verdict_row(sample: dict[str, Any], status: str, *, extracted: str | None, detail: str,
                base_passed: bool | None = None, tests: str | None = None) -> dict[str, Any]:
    """The verdict row of one sample: ``correct`` follows from the status, nothing else.

    Code verdicts also say whether the benchmark's base tests all passed (``base_passed``: the
    false-positive rate of the weaker test set is measured from it) and which tests decided them.
    """
    if status not in STATUSES:
        raise ValueError(f"not a verdict status: {status!r}")
    return {
        "problem_id": sample["problem_id"],
        "sample_index": int(sample["sample_index"]),
        "correct": status == "correct",
        "status": status,
        "extracted": extracted,
        "detail": detail,
        "base_passed": base_passed,
        "tests": tests,
    }


def write_verdicts(path: str | os.PathLike[str], rows: Iterable[dict[str, Any]]) -> None:
    """Write one shard of verdicts."""
    write_table(path, rows, VERDICT_SCHEMA)


def read_verdicts(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read one shard of verdicts, statuses in today's vocabulary (see ``migrate_status``)."""
    rows = read_table(path, _REQUIRED)
    for row in rows:
        row.setdefault("base_passed", None)  # files written before these columns existed
        row.setdefault("tests", None)
        if row["status"] not in STATUSES:
            where = f"{path}: problem {row['problem_id']!r} sample_index {row['sample_index']}"
            row["status"] = migrate_status(str(row["status"]), row.get("detail"), where=where)
    return rows
