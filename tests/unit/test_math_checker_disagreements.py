"""Every pair of the project's math tests on which Math-Verify and the paper's grader disagree.

Source: ``benchmarks/checker_panel.py`` run on all (gold, answer) pairs of tests/unit/test_math_*.py
(and the other math tests) plus the real-data sets of test_math_realdata.py (11,402 pairs,
$PASSK_DATA_DIR=../shared/data). It found 184 disagreements: 10 where only Math-Verify accepts and
174 where only the paper accepts. Each is pinned here with its verdict under all three checkers
and ``truth``: whether the answer really is right, judged by hand. "Right" in the comments means
the checker whose verdict equals the truth.

Tally: 164 of the 184 answers are wrong and 20 right. Math-Verify is right on 174 (all 164 wrong
ones and 10 right ones), the paper on 10 (all right answers; 6 of them only because one
comma-deleting rule hits both sides). The strict checker is right on 166: it rejects every wrong
answer, and accepts only 2 of the 20 right ones (the others are unboxed or written differently).

The pairs are run exactly as the panel runs them: ``prepare_gold`` on the gold, ``extract`` on a
completion (kind "text") or the checker's own normalisation on an already extracted answer (kind
"answer", as the real-data tests pass them), then ``check`` in a killable worker process.
Completions from the benchmarks' reference solutions are shortened to their last sentences, which
give the same extraction as the full text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from passk.benchmarks.math import panel
from passk.benchmarks.math.checker import MathCheckPool
from passk.benchmarks.math.checkers import paper as paper_grader
from passk.benchmarks.math.checkers import strict as strict_checker
from passk.benchmarks.math.panel import CHECKERS


@dataclass(frozen=True)
class Disagreement:
    """One pair, its verdicts (True = correct) under each checker, and the truth."""

    gold: str
    text: str
    dataset: str
    math_verify: bool
    paper: bool
    strict: bool
    truth: bool
    kind: str = "text"


def _prepared(name: str, case: Disagreement) -> tuple[str, str | None]:
    mod = CHECKERS[name]
    gold = mod.prepare_gold(case.gold, case.dataset)
    if case.kind == "text":
        return gold, mod.extract(case.text, case.dataset)
    if mod is paper_grader:
        return gold, paper_grader.normalize(case.text, case.dataset)
    if mod is strict_checker:
        return gold, strict_checker.normalize(case.text) or None
    return gold, mod.prepare_gold(case.text, case.dataset) or None


@pytest.fixture(scope="module")
def workers() -> Iterator[dict[str, MathCheckPool]]:
    """One killable worker per checker that needs one (the panel's own pools)."""
    pools = {name: MathCheckPool(workers=1, timeout=10.0, module=panel, args=(name,)) for name in ("math_verify", "paper")}
    yield pools
    for pool in pools.values():
        pool.close()


def _verdict(name: str, case: Disagreement, workers: dict[str, MathCheckPool]) -> bool:
    gold, answer = _prepared(name, case)
    if answer is None:
        return False  # no answer
    [res] = panel.check_pairs(name, [(gold, answer)], pool=workers.get(name))
    return res.status == "correct"


def _assert_verdicts(case: Disagreement, workers: dict[str, MathCheckPool]) -> None:
    got = {name: _verdict(name, case, workers) for name in ("math_verify", "paper", "strict")}
    assert got == {"math_verify": case.math_verify, "paper": case.paper, "strict": case.strict}
    assert case.math_verify != case.paper  # a disagreement, by selection


D = Disagreement
# --- pairs written in the unit tests (test_math_verify, test_math_answers, test_math_cli) ---------
UNIT_TEST_PAIRS = [
    # test_math_verify::test_tricky_pairs and test_math_cli::test_custom_gold_round_trip. Math-Verify
    # right: an open interval (or a point) is not the closed interval. The paper compares tuples
    # element by element and ignores the bracket types.
    D("(1,2)", "\\boxed{[1,2]}", "math500", False, True, False, False),
    D("(1,2)", "\\boxed{[1,2]}", "", False, True, False, False),
    D("(1,2]", "\\boxed{[1,2)}", "math500", False, True, False, False),
    # Math-Verify right: "\pm 2" is the pair of roots. The paper's unit list contains "pm"
    # (post meridiem), so its strip_string turns the gold into "\2", which matches nothing useful.
    D("\\pm 2", "\\boxed{-2, 2}", "math500", True, False, False, True),
    # Math-Verify right: the paper's percent rule accepts gold/100 and gold*100 for every number,
    # so 0.5 passes for 50 (MATH's "what percent" golds are bare numbers).
    D("50", "\\boxed{0.5}", "math500", False, True, False, False),
    # Math-Verify right: the paper's isclose(rel_tol=1e-4) accepts 3.0003 for 3.
    D("3", "\\boxed{3.0003}", "math500", False, True, False, False),
    # test_math_answers::test_extract_answer. Math-Verify right: the paper keeps everything after
    # "the answer is" and joins the lines ("42Ihopethishelps,7"); the project keeps the first line.
    # Strict: no box, no answer.
    D("42", "So the answer is 42.\n\nI hope this helps, 7", "", True, False, False, True),
]

# --- the benchmarks' reference solutions and golds (test_math_realdata) ---------------------------
REFERENCE_PAIRS = [
    # minerva_math 140 (solution, and the gold against itself). Math-Verify and strict right: the
    # paper strips a prediction twice; the second strip_string's "trailing \text{...}" rule
    # matches from "\text{red}" to the final "}" and leaves "\lambda_{", while the Minerva gold is
    # stripped once. A model that writes exactly the gold is marked wrong by the paper.
    D("\\lambda_{\\text {red}} / \\sqrt{2}",
      "Using the doppler shift formula, $\\lambda^{\\prime}= \\boxed{\\lambda_{\\text {red}} / \\sqrt{2}}$.",
      "minerva_math", True, False, True, True),
    D("\\lambda_{\\text {red}} / \\sqrt{2}", "\\lambda_{\\text {red}} / \\sqrt{2}", "minerva_math",
      True, False, True, True, kind="answer"),
    # aime24 16. Math-Verify right: the box holds "\textbf{(073)}", i.e. 73. The paper does not
    # unwrap \textbf; strict neither (by design).
    D("073", "so $d = \\boxed{\\textbf{(073)}}.$\n\n-Benedict T (countmath1)", "aime24", True, False, False, True),
    # olympiadbench 92 (no box: both take the last number, "1"). Math-Verify right: the solution
    # is correct (f = 1) and Math-Verify matches "1" with the gold's right side; the paper only
    # drops a left side of at most two characters ("f(x)" is four).
    D("f(x)=1", "Finally, after substituting $f \\equiv C$ into $(*)$ we get $C=C^{3}$, whence $C=1$. "
      "So $f(x) \\equiv 1$ is the unique function satisfying $(*)$.", "olympiadbench", True, False, False, True),
    # olympiadbench 286 ("Determine a and b"; both extract the last number, "-2"). Math-Verify right
    # on this sample, which is a correct solution, but for a weak reason: it reads the gold "-2,-2"
    # as the set {-2}, so "-2" alone would pass for any completion.
    D("-2,-2", "If $x=0$, the equation becomes $-2(0+b(3))=2(6)$ or $-6 b=12$ and so $b=-2$.\n\n"
      "Therefore, $a=-2$ and $b=-2$.", "olympiadbench", True, False, False, True),
    # olympiadbench 320, 444, 488: "the answer is X=Y=Z". Math-Verify right: it compares the last
    # side of a chain of equalities. The paper's equation rule needs exactly one "=".
    D("\\frac{9}{25}", "As all triples are equally likely, the answer is "
      "$\\frac{25+25-5}{5^{3}}=\\frac{45}{125}=\\frac{\\mathbf{9}}{\\mathbf{2 5}}$.", "olympiadbench",
      True, False, False, True),
    D("16", "With $T=2069, K=17$, and the answer is $\\sqrt{324-68}=\\sqrt{256}=16$.", "olympiadbench",
      True, False, False, True),
    D("\\frac{1}{3}", "With $T=32$, the answer is $\\frac{8}{24}=\\frac{1}{3}$.", "olympiadbench",
      True, False, False, True),
    # olympiadbench 129, 164, 229, 308, 513, 514: lists without a box. Both extract the last number
    # after deleting commas ("-1,0,1" -> "-101"). Paper right, by accident: its number parser deletes
    # the gold's commas too, so "-1,0,1" == -101. The same rule accepts a boxed 12 for the gold
    # "1,2" (test_math_paper_grader). Math-Verify compares a list with a number: wrong.
    D("-1,0,1", "so $x^{2}<3$ or $-\\sqrt{3}<x<\\sqrt{3}$. Thus $x=-1,0,1$.", "olympiadbench",
      False, True, False, True),
    D("1,2,5,8,9", "Finally, the values of $k$ for which there are three points of intersection and for "
      "which the area of the resulting triangle is a positive integer are $k=1,2,5,8,9$.", "olympiadbench",
      False, True, False, True),
    D("1,3,9,11", "In summary, $\\triangle A B C$ is right-angled when $k$ equals one of $1,3,9,11$.",
      "olympiadbench", False, True, False, True),
    D("1,2,3", "since $a$ cannot be either larger than or smaller than 1 , so $(x, y, z)=(1,2,3)$.",
      "olympiadbench", False, True, False, True),
    D("41352,42351,51342", "$41352,42351,51342$", "olympiadbench", False, True, False, True),
    D("352146,362145,452136,562134", "$352146,362145,452136,562134$", "olympiadbench", False, True, False, True),
    # olympiadbench 486, 531, 583, 652: "\mathbf{2 6}" (digits in bold, split by a space). Paper
    # right: strip_string deletes \mathbf and the spaces, and its bracket rule ignores the braces
    # left behind. Math-Verify cannot read \mathbf{2 6} as 26.
    D("\\sqrt{26}", "With $T=15$, the answer is $\\sqrt{\\mathbf{2 6}}$.", "olympiadbench", False, True, False, True),
    D("\\frac{1}{9}", "With $T=9$, the answer is $\\frac{\\mathbf{1}}{\\mathbf{9}}$.", "olympiadbench",
      False, True, False, True),
    D("\\frac{9}{32}", "Therefore $3+3+12=18$ of the 64 colorings have no monochromatic vertex, and the answer "
      "is $\\frac{\\mathbf{9}}{\\mathbf{3 2}}$.", "olympiadbench", False, True, False, True),
    D("\\frac{15}{4}", "Thus the possible values of $x+y$ are $\\frac{15}{4}$ and 0 , so the answer is "
      "$\\frac{\\mathbf{1 5}}{\\mathbf{4}}$.", "olympiadbench", False, True, False, True),
]

# --- perturbed integer golds (test_math_realdata::test_perturbed_integer_golds_are_rejected) ---
# (dataset, gold, wrong answer). Math-Verify right, the paper wrong: isclose(rel_tol=1e-4) accepts
# gold+1 for every gold above 10,000 and gold+0.5 above 5,000. Strict rejects them all.
PERTURBED = [
    # gsm8k: 41
    ("gsm8k", "70000", "70001"), ("gsm8k", "70000", "70000.5"), ("gsm8k", "57500", "57501"),
    ("gsm8k", "57500", "57500.5"), ("gsm8k", "25000", "25001"), ("gsm8k", "25000", "25000.5"),
    ("gsm8k", "7425", "7425.5"), ("gsm8k", "9360", "9360.5"), ("gsm8k", "8000", "8000.5"),
    ("gsm8k", "95200", "95201"), ("gsm8k", "95200", "95200.5"), ("gsm8k", "10000", "10001"),
    ("gsm8k", "10000", "10000.5"), ("gsm8k", "18000", "18001"), ("gsm8k", "18000", "18000.5"),
    ("gsm8k", "6277", "6277.5"), ("gsm8k", "7500", "7500.5"), ("gsm8k", "114,200", "114201"),
    ("gsm8k", "114,200", "114200.5"), ("gsm8k", "20000", "20001"), ("gsm8k", "20000", "20000.5"),
    ("gsm8k", "276,000", "276001"), ("gsm8k", "276,000", "276000.5"), ("gsm8k", "27000", "27001"),
    ("gsm8k", "27000", "27000.5"), ("gsm8k", "5,600", "5600.5"), ("gsm8k", "5600", "5600.5"),
    ("gsm8k", "9500", "9500.5"), ("gsm8k", "118000", "118001"), ("gsm8k", "118000", "118000.5"),
    ("gsm8k", "31800", "31801"), ("gsm8k", "31800", "31800.5"), ("gsm8k", "120000", "120001"),
    ("gsm8k", "120000", "120000.5"), ("gsm8k", "224000", "224001"), ("gsm8k", "224000", "224000.5"),
    ("gsm8k", "8400", "8400.5"), ("gsm8k", "180000", "180001"), ("gsm8k", "180000", "180000.5"),
    ("gsm8k", "240000", "240001"), ("gsm8k", "240000", "240000.5"),
    # math500: 16
    ("math500", "13535", "13536"), ("math500", "13535", "13535.5"), ("math500", "9901", "9901.5"),
    ("math500", "8000", "8000.5"), ("math500", "28800", "28801"), ("math500", "28800", "28800.5"),
    ("math500", "10,\\!080", "10081"), ("math500", "10,\\!080", "10080.5"), ("math500", "\\$32,\\!348", "32349"),
    ("math500", "\\$32,\\!348", "32348.5"), ("math500", "26000", "26001"), ("math500", "26000", "26000.5"),
    ("math500", "58,500", "58501"), ("math500", "58,500", "58500.5"), ("math500", "10080", "10081"),
    ("math500", "10080", "10080.5"),
    # olympiadbench: 18
    ("olympiadbench", "3986729", "3986730"), ("olympiadbench", "3986729", "3986729.5"),
    ("olympiadbench", "6048", "6048.5"), ("olympiadbench", "2271380", "2271381"),
    ("olympiadbench", "2271380", "2271380.5"), ("olympiadbench", "996000", "996001"),
    ("olympiadbench", "996000", "996000.5"), ("olympiadbench", "180180", "180181"),
    ("olympiadbench", "180180", "180180.5"), ("olympiadbench", "1002001", "1002002"),
    ("olympiadbench", "1002001", "1002001.5"), ("olympiadbench", "6700", "6700.5"),
    ("olympiadbench", "19133", "19134"), ("olympiadbench", "19133", "19133.5"),
    ("olympiadbench", "10112369", "10112370"), ("olympiadbench", "10112369", "10112369.5"),
    ("olympiadbench", "5762", "5762.5"), ("olympiadbench", "8640", "8640.5"),
    # omni_math_rule: 84
    ("omni_math_rule", "115440", "115441"), ("omni_math_rule", "115440", "115440.5"),
    ("omni_math_rule", "127009", "127010"), ("omni_math_rule", "127009", "127009.5"),
    ("omni_math_rule", "2042222", "2042223"), ("omni_math_rule", "2042222", "2042222.5"),
    ("omni_math_rule", "42925", "42926"), ("omni_math_rule", "42925", "42925.5"),
    ("omni_math_rule", "999989991", "999989992"), ("omni_math_rule", "999989991", "999989991.5"),
    ("omni_math_rule", "49998", "49999"), ("omni_math_rule", "49998", "49998.5"),
    ("omni_math_rule", "499500", "499501"), ("omni_math_rule", "499500", "499500.5"),
    ("omni_math_rule", "2266067", "2266068"), ("omni_math_rule", "2266067", "2266067.5"),
    ("omni_math_rule", "761474", "761475"), ("omni_math_rule", "761474", "761474.5"),
    ("omni_math_rule", "5568", "5568.5"), ("omni_math_rule", "6097392", "6097393"),
    ("omni_math_rule", "6097392", "6097392.5"), ("omni_math_rule", "1200974", "1200975"),
    ("omni_math_rule", "1200974", "1200974.5"), ("omni_math_rule", "29093", "29094"),
    ("omni_math_rule", "29093", "29093.5"), ("omni_math_rule", "9496", "9496.5"),
    ("omni_math_rule", "5183", "5183.5"), ("omni_math_rule", "9000000", "9000001"),
    ("omni_math_rule", "9000000", "9000000.5"), ("omni_math_rule", "1010309", "1010310"),
    ("omni_math_rule", "1010309", "1010309.5"), ("omni_math_rule", "1831830", "1831831"),
    ("omni_math_rule", "1831830", "1831830.5"), ("omni_math_rule", "12108", "12109"),
    ("omni_math_rule", "12108", "12108.5"), ("omni_math_rule", "66071772829247409", "66071772829247410"),
    ("omni_math_rule", "66071772829247409", "66071772829247409.5"), ("omni_math_rule", "757575", "757576"),
    ("omni_math_rule", "757575", "757575.5"), ("omni_math_rule", "20738", "20739"),
    ("omni_math_rule", "20738", "20738.5"), ("omni_math_rule", "104552", "104553"),
    ("omni_math_rule", "104552", "104552.5"), ("omni_math_rule", "5530", "5530.5"),
    ("omni_math_rule", "1416528", "1416529"), ("omni_math_rule", "1416528", "1416528.5"),
    ("omni_math_rule", "7680", "7680.5"), ("omni_math_rule", "131069", "131070"),
    ("omni_math_rule", "131069", "131069.5"), ("omni_math_rule", "31486", "31487"),
    ("omni_math_rule", "31486", "31486.5"), ("omni_math_rule", "6014950", "6014951"),
    ("omni_math_rule", "6014950", "6014950.5"), ("omni_math_rule", "6098", "6098.5"),
    ("omni_math_rule", "8101", "8101.5"), ("omni_math_rule", "20736", "20737"),
    ("omni_math_rule", "20736", "20736.5"), ("omni_math_rule", "5184", "5184.5"),
    ("omni_math_rule", "99144", "99145"), ("omni_math_rule", "99144", "99144.5"),
    ("omni_math_rule", "18215", "18216"), ("omni_math_rule", "18215", "18215.5"),
    ("omni_math_rule", "292864", "292865"), ("omni_math_rule", "292864", "292864.5"),
    ("omni_math_rule", "184320", "184321"), ("omni_math_rule", "184320", "184320.5"),
    ("omni_math_rule", "49140", "49141"), ("omni_math_rule", "49140", "49140.5"),
    ("omni_math_rule", "6038", "6038.5"), ("omni_math_rule", "40968192", "40968193"),
    ("omni_math_rule", "40968192", "40968192.5"), ("omni_math_rule", "131922", "131923"),
    ("omni_math_rule", "131922", "131922.5"), ("omni_math_rule", "1149852", "1149853"),
    ("omni_math_rule", "1149852", "1149852.5"), ("omni_math_rule", "16352", "16353"),
    ("omni_math_rule", "16352", "16352.5"), ("omni_math_rule", "30212", "30213"),
    ("omni_math_rule", "30212", "30212.5"), ("omni_math_rule", "12679605", "12679606"),
    ("omni_math_rule", "12679605", "12679605.5"), ("omni_math_rule", "6710", "6710.5"),
    ("omni_math_rule", "25517", "25518"), ("omni_math_rule", "25517", "25517.5"),
]
PERTURBED_PAIRS = [D(gold, answer, ds, False, True, False, False, kind="answer") for ds, gold, answer in PERTURBED]


@pytest.mark.parametrize("case", UNIT_TEST_PAIRS, ids=lambda c: f"{c.gold}|{c.text[-30:]}")
def test_unit_test_pairs(case: Disagreement, workers: dict[str, MathCheckPool]) -> None:
    _assert_verdicts(case, workers)


@pytest.mark.parametrize("case", REFERENCE_PAIRS, ids=lambda c: f"{c.dataset}|{c.gold}")
def test_reference_solution_pairs(case: Disagreement, workers: dict[str, MathCheckPool]) -> None:
    _assert_verdicts(case, workers)


def test_perturbed_integer_golds(workers: dict[str, MathCheckPool]) -> None:
    for case in PERTURBED_PAIRS:
        _assert_verdicts(case, workers)


def test_tally_of_who_is_right() -> None:
    """The numbers quoted in the module docstring and the closing note of issue 15."""
    everything = UNIT_TEST_PAIRS + REFERENCE_PAIRS + PERTURBED_PAIRS
    assert len(everything) == 184
    assert len(PERTURBED_PAIRS) == 159
    assert sum(not c.truth for c in everything) == 164
    assert sum(c.math_verify == c.truth for c in everything) == 174
    assert sum(c.paper == c.truth for c in everything) == 10
    assert sum(c.strict == c.truth for c in everything) == 166  # every wrong answer, 2 of the 20 right ones
