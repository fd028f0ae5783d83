"""Lucky guesses, reviewed by a person: which correct answers came with a valid chain of thought.

The paper (§3.1, App. D.2; PAPER.md §2 "Validity checks") read by hand every correct chain of thought
of the problems a model solves only rarely (0 < accuracy < 5 %), because a large-k pass@k there may
come from guesses: on GSM8K the base model answered 25 such problems and 24 had at least one valid
chain. This module does the bookkeeping of that check:

1. ``select_chains``: per run, the problems with 0 < c/n < ``max_accuracy`` (exact rational
   comparison, as ``passk.analysis.guess_filter``) and their correct samples, with each chain's
   text and its sha256;
2. the review page (``passk.figures.review_page``) shows them; a reviewer marks each chain
   ``valid``, ``invalid`` or ``unsure`` and exports the marks (a JSON file, ``read_marks``);
3. ``review_summary`` reads the marks back: per problem, whether at least one chain is valid, and
   per run the table of the paper's check; ``cot_valid_counts`` gives the counts of the CoT-valid
   pass@k (Wen et al., arXiv 2506.14245): on a reviewed problem only chains marked valid count as
   correct; problems outside the selection keep their counts (the review covers the rarely solved
   problems only, as the paper's did).

A mark names its chain by (model, benchmark, setting, problem id, sample index) and carries the
chain's sha256: a mark whose chain's text has changed since (the samples were drawn again) is
*stale* and counts as unmarked, and so does a mark for a chain no longer selected; both are
counted in the table, never silently used. Unsure and unmarked chains do not count as valid, so
the CoT-valid curve is a lower bound until every chain is marked.

An optional judge model pre-marks chains (``judge_problems`` builds its prompts, sampled like any
run; ``judge_suggestions`` reads its answers). Its marks are suggestions shown beside the
reviewer's, and the table counts how often the two agree; they never stand in for a mark.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from passk.analysis.tables import read_problems_csv
from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl, read_json, write_jsonl
from passk.records.problems import load_problems
from passk.records.samples import read_samples
from passk.records.verdicts import read_verdicts
from passk.schema import figure_option_defaults

MARKS: tuple[str, ...] = ("valid", "invalid", "unsure")
MARKS_FORMAT = "passk-cot-review"
ChainKey = tuple[str, str, str, str, int]  # model, benchmark, setting, problem id, sample index


def text_sha256(text: str) -> str:
    """The sha256 of a chain's text (UTF-8): what a mark is pinned to."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_key(chain: dict[str, Any]) -> ChainKey:
    """The key a chain and its mark share."""
    return (str(chain["model"]), str(chain["benchmark"]), str(chain["setting"]), str(chain["problem_id"]), int(chain["sample_index"]))


def chain_id(key: ChainKey) -> str:
    """A chain's key as one string (the judge's problem id, the page's element data)."""
    return "|".join(str(part) for part in key)


def _threshold(max_accuracy: float) -> Fraction:
    if isinstance(max_accuracy, bool) or not isinstance(max_accuracy, (int, float)):
        raise ConfigError(f"review: max_accuracy must be a number, got {max_accuracy!r}")
    value = Fraction(str(max_accuracy))
    if not 0 < value <= 1:
        raise ConfigError(f"review: max_accuracy must be in (0, 1], got {max_accuracy!r}")
    return value


def rare_problems(problems_csv: str, max_accuracy: float) -> list[dict[str, Any]]:
    """Rows of a per-problem table with 0 < c/n < ``max_accuracy``, in index order."""
    limit = _threshold(max_accuracy)
    return [row for row in read_problems_csv(problems_csv) if row["n"] > 0 and 0 < Fraction(row["c"], row["n"]) < limit]


def select_chains(run: dict[str, str], problems_csv: str, verdict_paths: Sequence[str], sample_paths: Sequence[str],
                  max_accuracy: float) -> list[dict[str, Any]]:
    """The correct chains of a run's rarely solved problems, in (problem index, sample index) order.

    ``run``: ``{"model", "benchmark", "setting", "label"}``. Each chain: the run's keys, ``problem_id``,
    ``index``, ``n``, ``c``, ``sample_index``, ``text``, ``extracted``, ``sha256``. A verdict that says
    correct for a sample missing from the sample shards is a DataError (the two disagree).
    """
    rows = {row["problem_id"]: row for row in rare_problems(problems_csv, max_accuracy)}
    if not rows:
        return []
    correct: dict[tuple[str, int], str | None] = {}
    for path in verdict_paths:
        for v in read_verdicts(path):
            if v["problem_id"] in rows and v["correct"]:
                correct[(v["problem_id"], int(v["sample_index"]))] = v["extracted"]
    texts: dict[tuple[str, int], str] = {}
    for path in sample_paths:
        for s in read_samples(path):
            key = (s["problem_id"], int(s["sample_index"]))
            if key in correct:
                texts[key] = s["text"]
    missing = sorted(set(correct) - set(texts))
    if missing:
        raise DataError(f"[{', '.join(sample_paths)}]: no sample text for correct verdicts {missing[:5]}")
    chains = []
    for (pid, sidx) in sorted(correct, key=lambda k: (rows[k[0]]["index"], k[0], k[1])):
        row = rows[pid]
        text = texts[(pid, sidx)]
        chains.append({"model": run["model"], "benchmark": run["benchmark"], "setting": run["setting"], "label": run.get("label", run["model"]),
                       "problem_id": pid, "index": row["index"], "n": row["n"], "c": row["c"], "sample_index": sidx,
                       "text": text, "extracted": correct[(pid, sidx)], "sha256": text_sha256(text)})
    return chains


def write_chains(chains: Iterable[dict[str, Any]], out_jsonl: str) -> None:
    """Write the selection (one chain per line, in the order given)."""
    write_jsonl(out_jsonl, list(chains))


def read_chains(path: str) -> list[dict[str, Any]]:
    """The selection written by ``write_chains``."""
    return [record for _, record in iter_jsonl(path)]


@dataclass(frozen=True)
class Marks:
    """The reviewer's marks by chain key, with each mark's chain sha256."""

    marks: dict[ChainKey, tuple[str, str]]
    source: str | None = None


def read_marks(path: str | None) -> Marks:
    """The marks file the review page exports (``None``: no marks yet). Refuses a file of another
    format, a mark outside valid/invalid/unsure, and a chain marked twice, naming the file."""
    if path is None:
        return Marks({}, None)
    data = read_json(path)
    if not isinstance(data, dict) or data.get("format") != MARKS_FORMAT or not isinstance(data.get("marks"), list):
        raise DataError(f"{path}: not a marks file of the review page (expected {{\"format\": \"{MARKS_FORMAT}\", \"marks\": [...]}})")
    out: dict[ChainKey, tuple[str, str]] = {}
    for i, entry in enumerate(data["marks"]):
        where = f"{path}: marks[{i}]"
        try:
            key = chain_key(entry)
            mark, sha = str(entry["mark"]), str(entry["sha256"])
        except (KeyError, TypeError, ValueError):
            raise DataError(f"{where}: needs model, benchmark, setting, problem_id, sample_index, mark and sha256") from None
        if mark not in MARKS:
            raise DataError(f"{where}: mark {mark!r} is not one of {', '.join(MARKS)}")
        if key in out:
            raise DataError(f"{where}: chain {chain_id(key)} is marked twice")
        out[key] = (mark, sha)
    return Marks(out, str(path))


def marks_document(figure: str, marks: Iterable[tuple[ChainKey, str, str]]) -> dict[str, Any]:
    """A marks file's content (what the page exports), from ``(key, mark, sha256)`` triples."""
    entries = [{"model": k[0], "benchmark": k[1], "setting": k[2], "problem_id": k[3], "sample_index": k[4], "mark": m, "sha256": sha}
               for k, m, sha in sorted(marks, key=lambda t: t[0])]
    return {"format": MARKS_FORMAT, "version": 1, "figure": figure, "marks": entries}


def effective_marks(chains: Sequence[dict[str, Any]], marks: Marks) -> tuple[dict[ChainKey, str], set[ChainKey], set[ChainKey]]:
    """The marks that apply to the selection: ``(mark by chain key, stale keys, unselected keys)``;
    a stale mark names a selected chain whose text has changed, an unselected one a chain not in
    the selection (another threshold, another run)."""
    by_key = {chain_key(c): c for c in chains}
    applied: dict[ChainKey, str] = {}
    stale: set[ChainKey] = set()
    unselected: set[ChainKey] = set()
    for key, (mark, sha) in marks.marks.items():
        chain = by_key.get(key)
        if chain is None:
            unselected.add(key)
        elif chain["sha256"] != sha:
            stale.add(key)
        else:
            applied[key] = mark
    return applied, stale, unselected


PROBLEM_VERDICTS: tuple[str, ...] = ("valid", "unsure", "invalid", "unreviewed")


def problem_verdict(chain_marks: Sequence[str | None]) -> str:
    """A problem's review outcome from its chains' marks: ``valid`` if any chain is valid, else
    ``unsure`` if any is unsure, else ``invalid`` if every chain is marked invalid, else
    ``unreviewed``."""
    if "valid" in chain_marks:
        return "valid"
    if "unsure" in chain_marks:
        return "unsure"
    if chain_marks and all(m == "invalid" for m in chain_marks):
        return "invalid"
    return "unreviewed"


SUMMARY_COLUMNS: tuple[str, ...] = (
    "label", "model", "benchmark", "setting", "max_accuracy", "problems", "rare", "rare_valid", "rare_unsure", "rare_invalid",
    "rare_unreviewed", "chains", "chains_valid", "chains_invalid", "chains_unsure", "chains_unmarked", "stale_marks",
    "judge_answered", "judge_suggested", "judge_agrees", "pass_at_n", "cot_valid_pass_at_n",
)


def cot_valid_counts(problems_csv: str, chains: Sequence[dict[str, Any]], applied: dict[ChainKey, str],
                     run: dict[str, str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(ns, cs, cs_valid)`` of a run in benchmark order: on a problem with selected chains, only
    the chains marked valid count as correct; elsewhere the counts are the run's."""
    rows = read_problems_csv(problems_csv)
    mine = [c for c in chains if (c["model"], c["benchmark"], c["setting"]) == (run["model"], run["benchmark"], run["setting"])]
    valid: dict[str, int] = {}
    reviewed = {c["problem_id"] for c in mine}
    for c in mine:
        if applied.get(chain_key(c)) == "valid":
            valid[c["problem_id"]] = valid.get(c["problem_id"], 0) + 1
    ns = np.array([r["n"] for r in rows], dtype=np.int64)
    cs = np.array([r["c"] for r in rows], dtype=np.int64)
    cs_valid = np.array([valid.get(r["problem_id"], 0) if r["problem_id"] in reviewed else r["c"] for r in rows], dtype=np.int64)
    return ns, cs, cs_valid


def review_summary(run: dict[str, str], problems_csv: str, chains: Sequence[dict[str, Any]], applied: dict[ChainKey, str],
                   stale: set[ChainKey], suggestions: dict[ChainKey, str], max_accuracy: float) -> dict[str, Any]:
    """One row of the check's table (``SUMMARY_COLUMNS``) for a run."""
    key3 = (run["model"], run["benchmark"], run["setting"])
    mine = [c for c in chains if (c["model"], c["benchmark"], c["setting"]) == key3]
    by_problem: dict[str, list[str | None]] = {}
    for c in mine:
        by_problem.setdefault(c["problem_id"], []).append(applied.get(chain_key(c)))
    outcomes = [problem_verdict(marks) for marks in by_problem.values()]
    chain_marks = [applied.get(chain_key(c)) for c in mine]
    judged = [(suggestions[chain_key(c)], applied.get(chain_key(c))) for c in mine if suggestions.get(chain_key(c), NO_JUDGE_MARK) != NO_JUDGE_MARK]
    ns, cs, cs_valid = cot_valid_counts(problems_csv, chains, applied, run)
    return {
        "label": run.get("label", run["model"]), "model": run["model"], "benchmark": run["benchmark"], "setting": run["setting"],
        "max_accuracy": max_accuracy, "problems": int(ns.size), "rare": len(by_problem),
        **{f"rare_{v}": outcomes.count(v) for v in PROBLEM_VERDICTS},
        "chains": len(mine), "chains_valid": chain_marks.count("valid"), "chains_invalid": chain_marks.count("invalid"),
        "chains_unsure": chain_marks.count("unsure"), "chains_unmarked": chain_marks.count(None),
        "stale_marks": sum(1 for key in stale if key[:3] == key3),
        "judge_answered": sum(1 for c in mine if chain_key(c) in suggestions), "judge_suggested": len(judged), "judge_agrees": sum(1 for s, m in judged if m is not None and s == m),
        "pass_at_n": float(np.mean(cs > 0)), "cot_valid_pass_at_n": float(np.mean(cs_valid > 0)),
    }


# --- the optional judge model

JUDGE_INSTRUCTION = (
    "Below are a math problem, its reference answer, and a candidate solution whose final answer equals the reference "
    "answer. Decide whether the candidate's reasoning is valid: each step follows from the previous ones and the answer "
    "is derived, not guessed. End your reply with exactly one of \\boxed{{valid}}, \\boxed{{invalid}} or \\boxed{{unsure}}."
    "\n\nProblem:\n{question}\n\nReference answer: {gold}\n\nCandidate solution:\n{chain}"
)
_JUDGE_VERDICT = re.compile(r"\\boxed\{\s*(valid|invalid|unsure)\s*\}", re.IGNORECASE)


def judge_problems(chains: Sequence[dict[str, Any]], problems: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Problem records for the judge model, one per chain (id: ``chain_id``); ``problems`` maps a
    benchmark to its problems by id. The judge is sampled from them like any run."""
    out = []
    for i, c in enumerate(chains):
        problem = problems[c["benchmark"]][c["problem_id"]]
        question = JUDGE_INSTRUCTION.format(question=problem["question"], gold=problem.get("answer", ""), chain=c["text"])
        out.append({"id": chain_id(chain_key(c)), "index": i, "benchmark": f"review:{c['benchmark']}", "question": question})
    return out


NO_JUDGE_MARK = "none"


def judge_suggestions(sample_paths: Sequence[str], chains: Sequence[dict[str, Any]]) -> dict[ChainKey, str]:
    """The judge's mark for each chain it answered: the last boxed valid/invalid/unsure of its
    answer, or ``NO_JUDGE_MARK`` when the answer holds none (shown as such, never counted)."""
    by_id = {chain_id(chain_key(c)): chain_key(c) for c in chains}
    out: dict[ChainKey, str] = {}
    for path in sample_paths:
        for s in sorted(read_samples(path), key=lambda r: (r["problem_id"], r["sample_index"])):
            key = by_id.get(s["problem_id"])
            if key is None or key in out:
                continue
            found = _JUDGE_VERDICT.findall(s["text"] or "")
            out[key] = found[-1].lower() if found else NO_JUDGE_MARK
    return out


# --- a review figure's runs (its spec: ``passk.config.figures.figure_spec``), for the workflow's rules


def review_runs(spec: dict[str, Any]) -> list[dict[str, str]]:
    """The runs of a review figure in display order (group by group, benchmark by benchmark), with
    each curve's label and role and the benchmark's label."""
    return [{"model": entry["model"], "benchmark": bench["name"], "setting": entry["settings"][bench["name"]], "label": entry["label"],
             "role": entry["role"], "bench_label": bench["label"]}
            for group in spec["groups"] for bench in spec["benchmarks"] for entry in group]


def select_review(spec: dict[str, Any], *, problems: Sequence[str], verdicts: Sequence[Sequence[str]], samples: Sequence[Sequence[str]],
                  out_jsonl: str) -> None:
    """Write the chains to review of every run of a review figure (``select_chains``); ``problems``,
    ``verdicts`` and ``samples`` are per run, in the order of ``spec["runs"]``."""
    max_accuracy = float({**figure_option_defaults("review"), **(spec.get("review") or {})}["max_accuracy"])
    by_run = {tuple(r): (p, v, s) for r, p, v, s in zip(spec["runs"], problems, verdicts, samples)}
    chains = []
    for run in review_runs(spec):
        p, v, s = by_run[(run["model"], run["benchmark"], run["setting"])]
        chains += select_chains(run, p, v, s, max_accuracy)
    write_chains(chains, out_jsonl)


def write_judge_problems(chains_jsonl: str, problem_files: dict[str, str], out_jsonl: str) -> None:
    """The judge model's prompts as a problem file, one per chain (``judge_problems``)."""
    chains = read_chains(chains_jsonl)
    problems = {bench: load_problems(path) for bench, path in problem_files.items()}
    records = judge_problems(chains, problems)
    if not records:  # nothing to judge; one harmless record keeps the sampling stage's file valid
        records = [{"id": "none", "index": 0, "benchmark": "review:none", "question": "There is nothing to review. Reply \\boxed{unsure}."}]
    write_jsonl(out_jsonl, records)
