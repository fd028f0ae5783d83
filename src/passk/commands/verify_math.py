"""``passk verify-math``: check a JSONL file of completions against math gold answers.

Each input line needs a completion text (``text``, ``completion`` or ``response``) and either a
``gold`` answer of its own or a problem id (``problem_id``, ``id`` or ``idx``) of the benchmark
given with ``--benchmark``; with ``--benchmark custom`` every line must carry ``gold``. The output
repeats every input line with ``correct``, ``status`` and ``extracted`` added (and ``detail``), and
is written atomically, so a crash never leaves a half-written verdict file.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from passk.benchmarks.math.answers import extract_answer
from passk.benchmarks.math.checker import DEFAULT_TIMEOUT, verify_pairs
from passk.benchmarks.math.latex import normalize_answer
from passk.benchmarks.math.prepare import SOURCES, prepare
from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl, write_jsonl
from passk.records.problems import load_problems

TEXT_KEYS = ("text", "completion", "response")
ID_KEYS = ("problem_id", "id", "idx")


def register(subparsers: Any) -> None:
    """Add the ``verify-math`` subcommand."""
    p = subparsers.add_parser("verify-math", help="check math completions against gold answers",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--benchmark", required=True,
                   help="math dataset of the problem ids (gsm8k, math500, …) or 'custom' when lines carry 'gold'")
    p.add_argument("--samples", required=True, help="input JSONL (one completion per line)")
    p.add_argument("--out", required=True, help="output JSONL (input lines plus correct/status/extracted)")
    p.add_argument("--data-dir", default=None, help="data root with math/{dataset}/test.jsonl (default: download)")
    p.add_argument("--workers", type=int, default=1, help="checker processes (default 1)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="CPU seconds per distinct check (default 5)")
    p.add_argument("--template", default=None, help="prompt template of the completions (e.g. abel) for its quirks")
    p.set_defaults(func=run)


def _load_golds(benchmark: str, data_dir: str | None) -> dict[str, str]:
    """Problem id → gold, accepting the canonical id ("math500/3") and the bare index ("3")."""
    if benchmark not in SOURCES:
        raise ConfigError(f"--benchmark: unknown math benchmark {benchmark!r}; known: {', '.join(SOURCES)} or custom")
    with tempfile.TemporaryDirectory(prefix="passk-verify-math-") as tmp:
        out = Path(tmp) / "problems.jsonl"
        prepare(benchmark, {"family": "math", "dataset": benchmark}, data_dir, out)
        problems = load_problems(out).values()
    golds: dict[str, str] = {}
    for prob in problems:
        golds[prob["id"]] = prob["answer"]
        golds[str(prob["index"])] = prob["answer"]
        sid = (prob.get("metadata") or {}).get("source_id")
        if sid is not None:
            golds.setdefault(f"source:{sid}", prob["answer"])
    return golds


def _field(record: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if key in record and record[key] is not None:
            return key, record[key]
    return None, None


def run(args: argparse.Namespace) -> int:
    """Verify every line of ``--samples`` and write ``--out``."""
    if args.workers < 1:
        raise ConfigError(f"--workers: must be at least 1, got {args.workers}")
    if not args.timeout > 0:
        raise ConfigError(f"--timeout: must be positive, got {args.timeout}")
    samples_path = Path(args.samples)
    dataset = "" if args.benchmark == "custom" else args.benchmark
    golds: dict[str, str] | None = None
    lines: list[dict[str, Any]] = []
    items: list[tuple[str, str | None]] = []
    for lineno, rec in iter_jsonl(samples_path):
        where = f"{samples_path}:{lineno}"
        tkey, text = _field(rec, TEXT_KEYS)
        if tkey is None:
            raise DataError(f"{where}: missing completion text (one of {', '.join(TEXT_KEYS)})")
        if not isinstance(text, str):
            raise DataError(f"{where}: {tkey} must be a string")
        if rec.get("gold") is not None:
            gold = str(rec["gold"])
        else:
            if args.benchmark == "custom":
                raise DataError(f"{where}: missing 'gold' (required with --benchmark custom)")
            ikey, pid = _field(rec, ID_KEYS)
            if ikey is None:
                raise DataError(f"{where}: missing problem id (one of {', '.join(ID_KEYS)}) or 'gold'")
            if golds is None:
                golds = _load_golds(args.benchmark, args.data_dir)
            key = str(pid)
            if key not in golds and ikey == "id" and f"source:{key}" in golds:
                key = f"source:{key}"
            if key not in golds:
                raise DataError(f"{where}: unknown problem id {pid!r} for benchmark {args.benchmark}")
            gold = golds[key]
        extracted = extract_answer(text, dataset, rec.get("template") or args.template)
        items.append((normalize_answer(gold, dataset), extracted))
        lines.append(rec)
    verdicts, unique = verify_pairs(items, workers=args.workers, timeout=args.timeout)
    out_rows = []
    for rec, v in zip(lines, verdicts):
        row = dict(rec)
        row.update(correct=v.correct, status=v.status, extracted=v.extracted, detail=v.detail)
        out_rows.append(row)
    write_jsonl(args.out, out_rows)
    n_ok = sum(v.correct for v in verdicts)
    print(f"verify-math: {n_ok}/{len(verdicts)} correct ({unique} distinct pairs checked) -> {args.out}")
    return 0
