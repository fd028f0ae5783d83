"""The verifier panel's table: the problems whose pass@k_max changes between math checkers.

Why: the panel's curves (``passk.figures.kinds``, kind ``verifier_panel``) show *how much* the
checkers disagree; this table shows *where*, so a reader can judge which checker is right. At
k_max = n, a problem's pass@k is 1 if any of its n samples is correct and 0 otherwise, so the
problems listed are those one checker counts as solved and another does not. For each, the table
gives the samples on which the checkers' verdicts differ, grouped by what each checker extracted
and decided (one row per group, with its number of samples).

Input: per run (a model on a benchmark) the problems (with their gold answers) and, per checker,
its verdict rows (``passk.records.verdicts``), which must cover the same samples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from passk.errors import DataError
from passk.io import csv_text, write_text

HEAD_COLUMNS: tuple[str, ...] = ("model", "benchmark", "problem_id", "index", "gold", "n")


@dataclass(frozen=True)
class PanelRun:
    """One run's problems and each checker's verdict rows (labels as the figure shows them)."""

    model: str
    benchmark: str
    problems: Mapping[str, dict[str, Any]]  # problem id -> record with "index" and "answer"
    verdicts: Mapping[str, Sequence[dict[str, Any]]]  # checker name -> verdict rows


@dataclass(frozen=True)
class Disagreement:
    """A group of samples of one problem on which the checkers' verdicts differ."""

    model: str
    benchmark: str
    problem_id: str
    index: int
    gold: str
    n: int
    solved: dict[str, bool]  # checker -> pass@k_max is 1
    correct: dict[str, int]  # checker -> correct samples of the problem
    samples: int  # samples in the group
    answers: dict[str, str | None]  # checker -> what it extracted
    statuses: dict[str, str]  # checker -> its status


def table_columns(checkers: Sequence[str]) -> list[str]:
    """CSV header: the head columns, per checker solved (0/1) and c, samples, per checker answer and status."""
    cols = list(HEAD_COLUMNS)
    cols += [f"{kind}_{c}" for c in checkers for kind in ("solved", "c")]
    cols.append("samples")
    cols += [f"{kind}_{c}" for c in checkers for kind in ("answer", "status")]
    return cols


def _by_sample(run: PanelRun, checker: str) -> dict[tuple[str, int], dict[str, Any]]:
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row in run.verdicts[checker]:
        key = (str(row["problem_id"]), int(row["sample_index"]))
        if key in out:
            raise DataError(f"{run.model} on {run.benchmark}: checker {checker} has two verdicts for {key}")
        if key[0] not in run.problems:
            raise DataError(f"{run.model} on {run.benchmark}: checker {checker} judged unknown problem {key[0]!r}")
        out[key] = row
    return out


def disagreements(run: PanelRun, checkers: Sequence[str]) -> list[Disagreement]:
    """The disagreement groups of the problems of ``run`` whose pass@k_max differs between checkers."""
    if len(checkers) < 2:
        raise DataError("a verifier panel needs at least two checkers")
    rows = {c: _by_sample(run, c) for c in checkers}
    keys = set(rows[checkers[0]])
    for c in checkers[1:]:
        if set(rows[c]) != keys:
            missing = sorted(keys ^ set(rows[c]))[:3]
            raise DataError(f"{run.model} on {run.benchmark}: checkers {checkers[0]} and {c} judged different samples "
                            f"(e.g. {missing})")
    n: Counter[str] = Counter(pid for pid, _ in keys)
    correct = {c: Counter(pid for (pid, _), r in rows[c].items() if r["correct"]) for c in checkers}
    out = []
    for pid in sorted(n, key=lambda p: (int(run.problems[p].get("index", 0)), p)):
        solved = {c: correct[c][pid] > 0 for c in checkers}
        if len(set(solved.values())) == 1:
            continue
        groups: Counter[tuple[tuple[str | None, str], ...]] = Counter()
        for key in sorted(k for k in keys if k[0] == pid):
            verdicts = [rows[c][key] for c in checkers]
            if len({bool(v["correct"]) for v in verdicts}) > 1:
                groups[tuple((v.get("extracted"), str(v["status"])) for v in verdicts)] += 1
        problem = run.problems[pid]
        for group, count in sorted(groups.items(), key=lambda item: (-item[1], repr(item[0]))):
            out.append(Disagreement(
                model=run.model, benchmark=run.benchmark, problem_id=pid, index=int(problem.get("index", 0)),
                gold=str(problem.get("answer")), n=n[pid], solved=solved, correct={c: correct[c][pid] for c in checkers},
                samples=count, answers={c: a for c, (a, _) in zip(checkers, group)},
                statuses={c: s for c, (_, s) in zip(checkers, group)}))
    return out


def table_rows(found: Sequence[Disagreement], checkers: Sequence[str]) -> list[list[Any]]:
    """Rows of the CSV (``table_columns``)."""
    rows = []
    for d in found:
        row: list[Any] = [d.model, d.benchmark, d.problem_id, d.index, d.gold, d.n]
        for c in checkers:
            row += [int(d.solved[c]), d.correct[c]]
        row.append(d.samples)
        for c in checkers:
            row += ["" if d.answers[c] is None else d.answers[c], d.statuses[c]]
        rows.append(row)
    return rows


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(found: Sequence[Disagreement], checkers: Sequence[str], labels: Mapping[str, str], title: str) -> str:
    """The table for a reader: one line per disagreement group, answers as each checker read them."""
    names = [labels.get(c, c) for c in checkers]
    lines = [f"# {title}", ""]
    if not found:
        lines.append(f"No problem's pass@k_max changes between {', '.join(names)}.")
        return "\n".join(lines) + "\n"
    problems = {(d.model, d.benchmark, d.problem_id) for d in found}
    lines.append(f"{len(problems)} problem(s) whose pass@k_max changes between {', '.join(names)}; "
                 "per problem, the samples on which the checkers' verdicts differ, grouped by answer.")
    lines.append("")
    header = ["Model", "Benchmark", "Problem", "Gold", "pass@k_max (" + " / ".join(names) + ")",
              "c (" + " / ".join(names) + ")", "Samples", *[f"{name}: answer (verdict)" for name in names]]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for d in found:
        cells = [d.model, d.benchmark, f"{d.problem_id} (#{d.index})", f"`{_md(d.gold)}`",
                 " / ".join(str(int(d.solved[c])) for c in checkers), " / ".join(str(d.correct[c]) for c in checkers),
                 str(d.samples)]
        for c in checkers:
            answer = "none" if d.answers[c] is None else f"`{_md(d.answers[c])}`"
            cells.append(f"{answer} ({d.statuses[c]})")
        lines.append("| " + " | ".join(_md(x) if not x.startswith("`") else x for x in cells) + " |")
    return "\n".join(lines) + "\n"


def write_panel_table(runs: Sequence[PanelRun], checkers: Sequence[str], labels: Mapping[str, str], *,
                      out_md: str, out_csv: str, title: str) -> list[Disagreement]:
    """Write the disagreement table of ``runs`` as Markdown and CSV; returns its rows."""
    found = [d for run in runs for d in disagreements(run, checkers)]
    write_text(out_csv, csv_text(table_columns(checkers), table_rows(found, checkers)))
    write_text(out_md, markdown(found, checkers, labels, title))
    return found
