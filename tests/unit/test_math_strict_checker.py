"""The strict checker (``passk.benchmarks.math.checkers.strict``): last box only, exact after eight documented steps."""

from __future__ import annotations

import pytest

from passk.benchmarks.math.checkers import strict as S


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("so \\boxed{1} and then \\boxed{3}.", "3"),  # the last box wins
        ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{1}{\\sqrt{2}}"),  # brace matching
        ("\\boxed {5}", "5"),  # spaces before the brace are LaTeX-legal
        ("\\boxed{}", None),  # an empty box is no answer
        ("so \\boxed{\\frac{1}{2", None),  # unclosed (a truncated completion): no answer
        ("thus $\\boxed 5$.", None),  # no braces: not a box here
        ("The answer is 5.", None),  # no other extraction rule ...
        ("The final answer is $5$. I hope it is correct.", None),
        ("we get 7 or maybe 12", None),  # ... not even the last number
        ("\\fbox{5}", None),
    ],
)
def test_extract_last_box_only(text: str, expected: str | None) -> None:
    assert S.extract(text, "math500") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" ( 3 , 4 ) ", "(3,4)"),  # 1. whitespace
        ("1\\,000", "1000"),  # 1. LaTeX spacing commands
        ("a\\;b\\!c\\:d\\ e~f", "abcdef"),
        ("\\pi r^2", "\\pi r^2"),  # 1. the space that ends a command stays (not "\\pir")
        ("\\left( 1, 2 \\right]", "(1,2]"),  # 2. \left / \right
        ("\\dfrac{1}{2}", "\\frac{1}{2}"),  # 3. dfrac / tfrac
        ("\\tfrac{1}{2}", "\\frac{1}{2}"),
        ("$5$", "5"),  # 4. dollar signs
        ("\\$18", "18"),
        ("90^\\circ", "90"),  # 5. degrees
        ("90^{\\circ}", "90"),
        ("\\text{Evelyn}", "Evelyn"),  # 6. a \text{} wrapper
        ("\\text{ no solution }", "nosolution"),
        ("5.", "5"),  # 7. trailing period
        ("025", "25"),  # 8. leading zeros of integers
        ("-007", "-7"),
        ("000", "0"),
        ("27.0", "27"),  # 8. an integer's zero fraction
        ("27.000", "27"),
        ("+5", "+5"),
    ],
)
def test_normalisation_steps(raw: str, expected: str) -> None:
    assert S.normalize(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "0.50",  # not an integer: trailing zeros of decimals stay
        "1,000",  # no thousands handling
        "10 \\text{ cm}",  # units are not stripped (only a wrapper of the whole answer goes)
        "50\\%",  # percent stays
        "x=5",  # no equation handling
        "\\frac12",  # no brace fixing
    ],
)
def test_nothing_else_is_normalised(raw: str) -> None:
    assert S.normalize(raw) == raw.replace(" ", "")


@pytest.mark.parametrize(
    ("gold", "completion", "correct"),
    [
        ("27.0", "\\boxed{27}", True),
        ("025", "\\boxed{25}", True),
        ("\\frac{1}{2}", "\\boxed{\\dfrac{1}{2}}", True),
        ("[1,2]", "\\boxed{\\left[1, 2\\right]}", True),
        ("90", "\\boxed{90^\\circ}", True),
        ("\\frac{1}{2}", "\\boxed{0.5}", False),  # equivalent, but written differently
        ("\\frac{1}{2}", "\\boxed{1/2}", False),
        ("5", "\\boxed{x=5}", False),
        ("10", "\\boxed{10 \\text{ cm}}", False),
        ("50", "\\boxed{50\\%}", False),
        ("50", "\\boxed{0.5}", False),
        ("(1,2)", "\\boxed{[1,2]}", False),
        ("5", "The answer is 5.", False),  # not boxed
    ],
)
def test_check_end_to_end(gold: str, completion: str, correct: bool) -> None:
    answer = S.extract(completion, "math500")
    ok = answer is not None and S.check(S.prepare_gold(gold, "math500"), answer)[0]
    assert ok is correct


def test_check_details_and_signature() -> None:
    assert S.NAME == "strict"
    assert S.check("5", "5") == (True, "strict: identical")
    assert S.check("5", "6") == (False, "strict: not identical")
    assert S.prepare_gold("\\text{east}") == "east"  # the same for every dataset
    assert S.extract("3 + 4 = 7\n\\boxed{7}\nAnswer: \\boxed{9}", "aime24", template="abel") == "7"
