"""The verifier panel on the project's own math test pairs: where the three checkers disagree, and how fast each is.

Collects every (gold, answer) pair that the math tests use:

- the hand-written pairs of tests/unit/test_math_verify.py, test_math_answers.py (expected
  extraction as gold), test_math_cli.py, test_verify_resume.py and test_bad_inputs.py;
- the real-data sets of test_math_realdata.py (needs $PASSK_DATA_DIR): each benchmark's reference
  solutions against its gold, every gold against itself, MATH500's ``answer`` field against the
  boxed gold, and the perturbed integer golds (gold+1, gold.5);

then scores each with Math-Verify, the paper's grader and the strict checker
(``passk.benchmarks.math.panel``), each in its own killable worker process (``--timeout`` per pair), and
prints every pair on which Math-Verify and the paper disagree, the other disagreement counts, and
in-process checks/s per checker on the same prepared pairs. ``--out`` writes one JSON line per pair.

Usage::

    PASSK_DATA_DIR=../shared/data .venv/bin/python benchmarks/checker_panel.py [--out panel.jsonl]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing as mp
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from passk.benchmarks.math import panel, speedups
from passk.benchmarks.math.checker import MathCheckPool
from passk.benchmarks.math.gold import gold_from_record, reference_solution
from passk.benchmarks.math.panel import CHECKERS, checker

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
POWER_TOWER = "\\boxed{5^{5^{5^{5^5}}}}"


@dataclass(frozen=True)
class Case:
    """One pair: ``text`` is a completion (kind "text") or an already extracted raw answer (kind "answer")."""

    source: str
    dataset: str
    gold: str
    text: str
    kind: str = "text"
    template: str | None = None


def _unit_test_cases() -> list[Case]:
    """The hand-written pairs of the unit tests, each tagged with its test."""
    tricky = [
        ("27.0", "They meet after \\boxed{27} miles."), ("27", "\\boxed{27.0}"), ("025", "The answer is 25."),
        ("25", "\\boxed{025}"), ("(1,2)", "\\boxed{(1,2)}"), ("(1,2)", "\\boxed{[1,2]}"), ("(1,2]", "\\boxed{[1,2)}"),
        ("[1,2]", "\\boxed{\\left[1, 2\\right]}"), ("\\frac{1}{2}", "\\boxed{\\dfrac{1}{2}}"),
        ("\\frac{1}{2}", "\\boxed{1/2}"),
        ("\\dfrac12", "\\boxed{0.5}"), ("\\frac{1}{2}", "\\boxed{\\frac{1}{3}}"), ("10", "\\boxed{10 \\text{ cm}}"),
        ("10", "The length is \\boxed{10 cm}."), ("\\pm 2", "\\boxed{\\pm 2}"), ("\\pm 2", "\\boxed{2}"),
        ("\\pm 2", "\\boxed{-2, 2}"), ("50", "\\boxed{50\\%}"), ("0.5", "\\boxed{50\\%}"), ("50", "\\boxed{0.5}"),
        ("3", "first \\boxed{5}, then corrected: \\boxed{3}"), ("5", "first \\boxed{3}, then \\boxed{5}"),
        ("3", "first \\boxed{3}, then \\boxed{5}"), ("5", "so the result is $\\boxed 5$."), ("x=5", "\\boxed{5}"),
        ("\\frac{\\sqrt{3}}{2}", "\\boxed{\\sqrt3/2}"), ("3", "\\boxed{3.0003}"),
        ("\\left( 3, \\frac{\\pi}{2} \\right)", "\\boxed{(3,\\frac{\\pi}{2})}"), ("7", "we get 7 or maybe 12"),
    ]
    cases = [Case("test_math_verify::test_tricky_pairs", "math500", g, t) for g, t in tricky]
    cases += [
        Case("test_math_verify::test_no_answer_status", "math500", "5", "I give up."),
        Case("test_math_verify::test_abel_quirk", "aime24", "9", "3 + 4 = 7\nAnswer: 9"),
        Case("test_math_verify::test_abel_quirk", "aime24", "9", "3 + 4 = 7\nAnswer: 9", template="abel"),
        Case("test_math_verify::test_power_tower", "", "1", "1.0", kind="answer"),
        Case("test_math_verify::test_power_tower", "", "5", "5^{5^{5^{5^5}}}", kind="answer"),
        Case("test_math_verify::test_power_tower", "", "\\frac{1}{2}", "0.5", kind="answer"),
    ]
    cases += [Case("test_math_verify::test_shard_rows", "math500", "\\frac{1}{2}", t)
              for t in ("\\boxed{0.5}", "\\boxed{1/2}", "nothing", POWER_TOWER)]
    cases += [Case("test_math_verify::test_shard_rows", "amc23", "27", t) for t in ("\\boxed{27.0}", "\\boxed{28}")]
    cases += [Case("test_math_verify::test_dedup", "", "2", a, kind="answer") for a in ("\\frac{4}{2}", "3", "2")]
    extraction = [  # test_math_answers::test_extract_answer and friends: (text, expected answer)
        ("so \\boxed{1} and then \\boxed{3}.", "3"), ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{1}{\\sqrt{2}}"),
        ("thus $\\boxed 5$.", "5"), ("\\boxed{(1,2]}", "(1,2]"),
        ("The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}"),
        ("So the answer is 42.\n\nI hope this helps, 7", "42"), ("Hence the final answer is 12", "12"),
        ("所以答案是 9", "9"), ("we get 7 or maybe 12", "12"), ("total 1,234 apples", "1234"), ("\\boxed{27.0}", "27"),
        ("\\boxed{025}", "25"), ("\\boxed{\\dfrac{1}{2}}", "\\frac{1}{2}"), ("\\boxed{10 \\text{ cm}}", "10"),
        ("\\boxed{10 cm}", "10"), ("\\boxed{\\$18.00}", "18"), ("\\boxed{90^\\circ}", "90"),
        ("\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}", "(3,\\frac{\\pi}{2})"), ("\\boxed{\\pi r^2}", "\\pi r^2"),
        ("\\boxed{\\text{Evelyn}}", "Evelyn"),
        ("\\boxed{1} Final answer: The final answer is $2$. I hope it is correct.", "2"),
        ("The answer is 4. \\boxed{5} 6", "5"), ("The answer is 4, not 6", "4, not 6"),
        ("We compute 3*4 = 12, and 12 - 5 = 7.\nAnswer: 9", "9"),
    ]
    cases += [Case("test_math_answers::test_extract_answer", "", gold, text) for text, gold in extraction]
    cases.append(Case("test_math_answers::test_abel_quirk", "", "7", "We compute 3*4 = 12, and 12 - 5 = 7.\nAnswer: 9",
                      template="abel"))
    cli = [("27.0", "\\boxed{27}"), ("\\frac{1}{2}", "so \\boxed{0.5}"), ("(1,2)", "\\boxed{[1,2]}"), ("5", "no idea")]
    cases += [Case("test_math_cli::test_custom_gold_round_trip", "", g, t) for g, t in cli]
    cases.append(Case("test_math_cli::test_benchmark_ids", "", "2", "\\boxed{2}"))
    for i in range(6):  # test_verify_resume: right, wrong, no answer, \frac{4i}{2}
        texts = (f"\\boxed{{{2 * i}}}", f"\\boxed{{{2 * i + 1}}}", "I do not know",
                 f"\\boxed{{\\frac{{{4 * i}}}{{2}}}}")
        cases += [Case("test_verify_resume", "", str(2 * i), text) for text in texts]
    cases += [Case("test_bad_inputs", "", "2", "The answer is \\boxed{2}."),
              Case("test_bad_inputs", "", "4", "\\boxed{4}"), Case("test_bad_inputs", "", "4", "")]
    return cases


def _records(dataset: str) -> list[dict]:
    path = DATA_DIR / "math" / dataset / "test.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _realdata_cases() -> list[Case]:
    """The pairs of test_math_realdata.py (and the two MATH500 ids of test_math_cli::test_benchmark_ids)."""
    cases: list[Case] = []
    golds = {ds: [gold_from_record(ds, r, f"{ds}:{i + 1}") for i, r in enumerate(_records(ds))]
             for ds in ("gsm8k", "math500", "minerva_math", "olympiadbench", "aime24", "amc23", "omni_math_rule",
                        "aime25")}
    for ds in ("gsm8k", "math500", "minerva_math", "aime24", "olympiadbench"):
        for i, rec in enumerate(_records(ds)):
            sol = reference_solution(ds, rec)
            if sol is not None:
                cases.append(Case(f"realdata::reference_solution::{ds}:{i + 1}", ds, golds[ds][i], sol))
    for ds, gs in golds.items():
        cases += [Case(f"realdata::gold_itself::{ds}:{i + 1}", ds, g, g, kind="answer") for i, g in enumerate(gs)]
    for i, rec in enumerate(_records("math500")):
        cases.append(Case(f"realdata::math500_answer_field:{i + 1}", "math500", golds["math500"][i], rec["answer"],
                          kind="answer"))
    mv = checker("math_verify")
    for ds in ("gsm8k", "math500", "aime24", "amc23", "olympiadbench", "omni_math_rule"):
        for i, g in enumerate(golds[ds][:400]):
            norm = mv.prepare_gold(g, ds)
            if norm.lstrip("-").isdigit():
                for wrong in (str(int(norm) + 1), f"{norm}.5"):
                    cases.append(Case(f"realdata::perturbed::{ds}:{i + 1}", ds, g, wrong, kind="answer"))
    cases.append(Case("test_math_cli::test_benchmark_ids", "math500", golds["math500"][0],
                      "\\boxed{(3, \\frac{\\pi}{2})}"))
    cases.append(Case("test_math_cli::test_benchmark_ids", "math500", golds["math500"][1], "The answer is 7"))
    return cases


def prepared(name: str, case: Case) -> tuple[str, str | None]:
    """(gold, answer) as checker ``name`` compares them; answer None means no answer."""
    mod = CHECKERS[name]
    gold = mod.prepare_gold(case.gold, case.dataset)
    if case.kind == "text":
        return gold, mod.extract(case.text, case.dataset, case.template)
    if name == "paper":
        return gold, mod.normalize(case.text, case.dataset)  # the paper compares "" too
    if name == "strict":
        return gold, mod.normalize(case.text) or None
    return gold, mod.prepare_gold(case.text, case.dataset) or None  # math-verify: the project's normalisation


def score(cases: list[Case], timeout: float) -> list[dict]:
    """One row per case: per checker the prepared pair, status and detail (distinct pairs checked once)."""
    rows = [{"case": asdict(c)} for c in cases]
    for name in CHECKERS:
        prepared_pairs = [prepared(name, case) for case in cases]
        distinct = list(dict.fromkeys(p for p in prepared_pairs if p[1] is not None))
        with MathCheckPool(workers=1, timeout=timeout, module=panel, args=(name,)) as pool:
            seen = dict(zip(distinct, panel.check_pairs(name, distinct, pool=pool)))
        for row, (gold, answer) in zip(rows, prepared_pairs):
            if answer is None:
                status, detail = "no_answer", "no answer found"
            else:
                status, detail = seen[(gold, answer)].status, seen[(gold, answer)].detail
            row[name] = {"gold": gold, "answer": answer, "status": status, "detail": detail}
    return rows


def _fresh_checker(name: str):
    """Checker ``name`` set up as in its worker (Math-Verify's speedups installed)."""
    logging.disable(logging.WARNING)  # Math-Verify warns once that its own timeouts are off
    if name == "math_verify":
        speedups.install()
    return CHECKERS[name]


def _check_timed(mod, gold: str, answer: str) -> None:
    """One check whose own time budget may run out on a loaded machine (the time still counts)."""
    try:
        mod.check(gold, answer)
    except TimeoutError:
        pass


def _time_checks(name: str, pairs: list[tuple[str, str]]) -> float:
    """Seconds for ``check`` on every pair, in this (fresh) process after one warm-up call."""
    mod = _fresh_checker(name)
    mod.check("1", "2")  # imports and parser start-up are not timed
    start = time.perf_counter()
    for gold, answer in pairs:
        _check_timed(mod, gold, answer)
    return time.perf_counter() - start


def _time_pipeline(name: str, cases: list[Case]) -> float:
    """Seconds for ``prepare_gold`` + ``extract`` + ``check`` on every case (no deduplication)."""
    mod = _fresh_checker(name)
    mod.check("1", "2")
    start = time.perf_counter()
    for case in cases:
        gold, answer = prepared(name, case)
        if answer is not None:
            _check_timed(mod, gold, answer)
    return time.perf_counter() - start


def rates(rows: list[dict], cases: list[Case]) -> dict[str, tuple[int, float, int, float]]:
    """In-process speed per checker on one core, pairs that timed out excluded.

    Each measurement runs in a fresh process, so no checker profits from caches filled by an
    earlier one (Math-Verify caches parses). Returns (distinct prepared pairs, their ``check``
    calls per second, cases, whole-pipeline cases per second).
    """
    ctx = mp.get_context("spawn")
    out = {}
    for name in CHECKERS:
        kept = [(r, c) for r, c in zip(rows, cases) if r[name]["status"] != "timeout"]
        pairs = sorted({(r[name]["gold"], r[name]["answer"]) for r, _ in kept if r[name]["answer"] is not None})
        with ctx.Pool(1) as pool:
            t_check = pool.apply(_time_checks, (name, pairs))
        with ctx.Pool(1) as pool:
            t_pipe = pool.apply(_time_pipeline, (name, [c for _, c in kept]))
        out[name] = (len(pairs), len(pairs) / t_check, len(kept), len(kept) / t_pipe)
    return out


def _ok(cell: dict) -> bool:
    return cell["status"] == "correct"


def report(rows: list[dict]) -> None:
    """Print the disagreement list and counts."""
    names = list(CHECKERS)
    print(f"{len(rows)} pairs")
    for name in names:
        counts = sorted(Counter(r[name]["status"] for r in rows).items())
        print(f"  {name:12s} " + ", ".join(f"{k} {v}" for k, v in counts))
    for a, b in (("math_verify", "paper"), ("math_verify", "strict"), ("paper", "strict")):
        diff = [r for r in rows if _ok(r[a]) != _ok(r[b])]
        print(f"{a} vs {b}: {len(diff)} disagreements "
              f"({sum(_ok(r[a]) for r in diff)} only {a}, {sum(_ok(r[b]) for r in diff)} only {b})")
    print("\nMath-Verify vs paper, every disagreement:")
    for r in rows:
        if _ok(r["math_verify"]) != _ok(r["paper"]):
            c = r["case"]
            print(f"- {c['source']} [{c['dataset'] or '-'}] gold={c['gold']!r} {c['kind']}={c['text'][-160:]!r}")
            for name in names:
                cell = r[name]
                print(f"    {name:12s} {cell['status']:9s} gold={cell['gold']!r} answer={cell['answer']!r} "
                      f"({cell['detail']})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="write one JSON line per pair here")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per pair before the worker is killed")
    ap.add_argument("--no-realdata", action="store_true", help="only the hand-written unit-test pairs")
    args = ap.parse_args()
    cases = _unit_test_cases()
    if not args.no_realdata:
        if not (DATA_DIR / "math").is_dir():
            raise SystemExit(f"{DATA_DIR}/math not found; set PASSK_DATA_DIR or pass --no-realdata")
        cases += _realdata_cases()
    start = time.perf_counter()
    rows = score(cases, args.timeout)
    print(f"scored in {time.perf_counter() - start:.0f}s (killable workers, one per checker, in turn)")
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report(rows)
    print("\nin-process speed, one core, pairs that timed out excluded:")
    for name, (n, rate, n_cases, pipeline_rate) in rates(rows, cases).items():
        print(f"  {name:12s} check(): {n:6d} distinct pairs {rate:10.1f}/s   "
              f"prepare+extract+check: {n_cases:6d} cases {pipeline_rate:9.1f}/s")


if __name__ == "__main__":
    main()
