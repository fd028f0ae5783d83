"""Answer diversity per problem, and which problems only one of two models solves, at every k.

Two questions the paper's coverage sets (Tables 4, 5) answer only at k_max:

- **How varied are a model's answers?** RL is said to narrow the answers a model gives ("Invisible
  Leash", arXiv 2507.14843). Per problem, from the verdicts' extracted answers: the number of
  distinct answers, the number of distinct *correct* answers, and the answer-level entropy.
  Entropy is taken over answer *classes*: every correct answer is one class (each is equivalent
  to the gold), and every other answer is a class by its normalised string (the verifier's
  ``extracted``, after the paper's normalisation; two equivalent wrong answers written
  differently count twice). Samples with no answer are left out of the distribution and counted
  on their own. Entropy is in bits: 0 when all answers agree, log2(m) for m equally frequent ones.
- **Who solves what, at each k?** With per-problem pass@k b_i(k) for the base model and r_i(k)
  for the RL model (each the unbiased estimate of "at least one of k samples is correct"), and
  the two models' samples independent, the expected number of problems that only the base
  model solves with k samples is Σ b_i (1 − r_i); only RL: Σ (1 − b_i) r_i; neither:
  Σ (1 − b_i)(1 − r_i); both: Σ b_i r_i. The four sum to the number of problems at every k, and
  at k = n (both runs with the same n) they are the sizes of the paper's sets exactly, because
  pass@n is 1 for a problem with c ≥ 1 and 0 otherwise.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from passk.analysis.aggregate import scan_run
from passk.analysis.metrics import per_problem_pass_at_k
from passk.analysis.tables import ANSWER_COLUMNS, format_float
from passk.io import csv_text, write_text

TOP_ANSWER_CHARS = 80


@dataclass(frozen=True)
class AnswerStats:
    """Diversity of one problem's answers (see the module docstring for the definitions)."""

    n: int
    c: int
    no_answer: int
    distinct_answers: int
    distinct_correct: int
    answer_classes: int
    entropy_bits: float
    top_answer: str
    top_share: float


def entropy_bits(counts: Sequence[int]) -> float:
    """Shannon entropy, in bits, of the distribution the counts describe (0 for no counts)."""
    total = sum(counts)
    if total == 0:
        return 0.0
    h = -sum((c / total) * math.log2(c / total) for c in counts if c > 0)
    return max(0.0, h)  # -0.0 for a single class


def answer_stats(answers: Sequence[tuple[str | None, bool]]) -> AnswerStats:
    """Diversity of one problem's ``(extracted answer or None, correct)`` pairs."""
    n = len(answers)
    given = [(a, ok) for a, ok in answers if a is not None and a != ""]
    c = sum(1 for _, ok in answers if ok)
    strings = Counter(a for a, _ in given)
    classes = Counter("\0correct" if ok else a for a, ok in given)
    top, top_count = (max(strings.items(), key=lambda kv: (kv[1], kv[0])) if strings else ("", 0))
    shown = top if len(top) <= TOP_ANSWER_CHARS else top[: TOP_ANSWER_CHARS - 1] + "…"
    return AnswerStats(
        n=n,
        c=c,
        no_answer=n - len(given),
        distinct_answers=len(strings),
        distinct_correct=len({a for a, ok in given if ok}),
        answer_classes=len(classes),
        entropy_bits=entropy_bits(list(classes.values())),
        top_answer=shown,
        top_share=top_count / n if n else 0.0,
    )


def answer_table(verdict_paths: Sequence[str], problems_path: str, out_csv: str, *, n_expected: int | None = None) -> None:
    """Write a run's per-problem answer diversity (``passk.analysis.tables.ANSWER_COLUMNS``).

    The verdicts are read through ``scan_run``, with the pass@k table's checks; answers are taken
    in ``sample_index`` order, so ties for the most frequent answer break the same way every run.
    """
    answers: dict[str, list[tuple[int, str | None, bool]]] = {}

    def visit(row: dict[str, Any]) -> None:
        answers.setdefault(row["problem_id"], []).append((int(row["sample_index"]), row["extracted"], bool(row["correct"])))

    run = scan_run(verdict_paths, problems_path, n_expected=n_expected, visit=visit)
    rows = []
    for pid in run.order:
        stats = answer_stats([(a, ok) for _, a, ok in sorted(answers[pid], key=lambda t: t[0])])
        rows.append([pid, run.index_of[pid], stats.n, stats.c, stats.no_answer, stats.distinct_answers, stats.distinct_correct,
                     stats.answer_classes, format_float(stats.entropy_bits), stats.top_answer, format_float(stats.top_share)])
    write_text(out_csv, csv_text(ANSWER_COLUMNS, rows))


SUPPORT_PARTS: tuple[str, ...] = ("only_base", "only_rl", "both", "neither")


def expected_support(ns_base: Sequence[int] | np.ndarray, cs_base: Sequence[int] | np.ndarray,
                     ns_rl: Sequence[int] | np.ndarray, cs_rl: Sequence[int] | np.ndarray,
                     ks: Sequence[int] | None = None) -> dict[str, np.ndarray]:
    """Expected numbers of problems only the base model, only the RL model, both or neither solve
    with k samples each, for every k (default 1..the smallest n of either run).

    Both runs must list the same problems in the same order. Returns ``{"k": ks, "only_base": …,
    "only_rl": …, "both": …, "neither": …}``, each an array aligned with ``ks``.
    """
    nb, cb = np.asarray(ns_base), np.asarray(cs_base)
    nr, cr = np.asarray(ns_rl), np.asarray(cs_rl)
    if nb.shape != nr.shape:
        raise ValueError(f"the two runs must have the same problems: {nb.shape[0]} vs {nr.shape[0]}")
    k_arr = np.arange(1, int(min(nb.min(), nr.min())) + 1) if ks is None else np.asarray(list(ks), dtype=np.int64)
    b = per_problem_pass_at_k(nb, cb, k_arr)
    r = per_problem_pass_at_k(nr, cr, k_arr)
    return {
        "k": k_arr,
        "only_base": (b * (1.0 - r)).sum(axis=0),
        "only_rl": ((1.0 - b) * r).sum(axis=0),
        "both": (b * r).sum(axis=0),
        "neither": ((1.0 - b) * (1.0 - r)).sum(axis=0),
    }
