"""Digests of a smoke run's outputs, to compare runs of different code (``smoke_checksums.json``).

``digest_results(results_dir)`` maps every output that must not change when the code is only
reorganised to a sha256: sample shards, pass@k curves, the (problem, index, n, c) columns of the
per-problem tables, figure CSVs, coverage tables, and verdict shards read row by row with their
statuses in today's vocabulary (``passk.records.verdicts.migrate_status``), so verdict files written
by older code under the old names compare equal.

Record anew (and say why in the commit) when a change alters outputs on purpose::

    python tests/workflow/smoke_digest.py RESULTS_DIR > tests/workflow/smoke_checksums.json
"""

from __future__ import annotations

import csv
import hashlib
import json
import platform
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from passk.records.verdicts import migrate_status


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verdict_digest(path: Path) -> str:
    rows = pq.read_table(path).to_pylist()
    lines = []
    for row in rows:
        keep = {k: row.get(k) for k in ("problem_id", "sample_index", "correct", "extracted", "detail")}
        keep["status"] = migrate_status(row["status"], row.get("detail"))
        lines.append(json.dumps(keep, sort_keys=True, ensure_ascii=False))
    return _sha("\n".join(lines).encode("utf-8"))


def _problems_digest(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [(r["problem_id"], r["index"], r["n"], r["c"]) for r in csv.DictReader(fh)]
    return _sha(json.dumps(rows).encode("utf-8"))


def digest_results(results: Path) -> dict[str, str]:
    """``{relative path: digest}`` of the outputs a reorganisation must leave unchanged."""
    out: dict[str, str] = {}
    for path in sorted(results.glob("samples/**/*.parquet")):
        out[str(path.relative_to(results))] = _sha(path.read_bytes())
    for path in sorted(results.glob("verdicts/**/*.parquet")):
        out[str(path.relative_to(results))] = _verdict_digest(path)
    for path in sorted(results.glob("passk/**/curve.csv")):
        out[str(path.relative_to(results))] = _sha(path.read_bytes())
    for path in sorted(results.glob("passk/**/problems.csv")):
        out[str(path.relative_to(results))] = _problems_digest(path)
    for pattern in ("figures/*.csv", "tables/*.md", "tables/*.csv"):
        for path in sorted(results.glob(pattern)):
            out[str(path.relative_to(results))] = _sha(path.read_bytes())
    return out


def machine() -> dict[str, Any]:
    """What the sampled bytes depend on besides the code: CPU and the numeric stack's versions."""
    import numpy
    import torch
    import transformers

    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = _sha(" ".join(sorted(line.split(":", 1)[1].split())).encode())[:16]
                break
    except OSError:
        pass
    return {"cpu_flags": flags, "machine": platform.machine(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__, "numpy": numpy.__version__}


if __name__ == "__main__":
    results_dir = Path(sys.argv[1])
    print(json.dumps({"machine": machine(), "digests": digest_results(results_dir)}, indent=1, sort_keys=True))
