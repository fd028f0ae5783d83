"""Problem files: the one loader every stage reads them with.

A problem file is ``results/problems/{bench}.jsonl`` (or a user's own): one canonical record per
line. ``load_problems`` refuses a record without the canonical keys, with the wrong family payload
or with a duplicate id, naming ``file:line``, so a problem file of the wrong benchmark is caught
before any sample is verified or counted against it.
"""

from __future__ import annotations

import os
from typing import Any

from passk.errors import DataError
from passk.io import iter_jsonl

PROBLEM_KEYS: dict[str, type | tuple[type, ...]] = {"id": str, "index": int, "question": str}


def load_problems(path: str | os.PathLike[str], payload: tuple[str, type | tuple[type, ...]] | None = None,
                  *, family: str | None = None) -> dict[str, dict[str, Any]]:
    """Problems by id, in file order.

    ``payload`` (a benchmark family's ``(key, type)``, e.g. ``("answer", str)`` for math) adds the
    check that every record carries the family's payload; ``family`` only names it in the message.
    """
    problems: dict[str, dict[str, Any]] = {}
    line_of: dict[str, int] = {}
    for lineno, record in iter_jsonl(path):
        where = f"{path}:{lineno}"
        for key, kind in PROBLEM_KEYS.items():
            value = record.get(key)
            if value is None:
                raise DataError(f"{where}: problem record has no {key!r}")
            if not isinstance(value, kind) or isinstance(value, bool):
                raise DataError(f"{where}: problem key {key!r} should be {_kind_name(kind)}, got {type(value).__name__}")
        pid = record["id"]
        if not pid:
            raise DataError(f"{where}: problem key 'id' is empty")
        if payload is not None:
            key, kind = payload
            if not isinstance(record.get(key), kind):
                raise DataError(f"{where}: problem {pid!r} has no {key!r} of type {_kind_name(kind)} "
                                f"(a {family or 'benchmark of this family'} needs one; is this the right problem file?)")
        if pid in problems:
            raise DataError(f"{where}: duplicate problem id {pid!r} (first on line {line_of[pid]})")
        problems[pid] = record
        line_of[pid] = lineno
    if not problems:
        raise DataError(f"{path}: no problems (empty file)")
    return problems


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", dict: "an object", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
