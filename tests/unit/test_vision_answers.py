"""Every gold answer of MathVista's 460 and MathVision's 114 free-form problems, checked against
itself and against reformatted variants (units, decimals at the stated precision, fractions), and
against near misses that must fail; then the verifier on boxed completions."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from passk.benchmarks.vision.answers import Gold, classify_gold, compare, parse_number
from passk.benchmarks.vision.checker import verify
from passk.benchmarks.vision.prepare import is_free_form, read_annotations
from passk.errors import DataError
from passk.records.verdicts import STATUSES
from passk.verify.family import VerifyContext


def _golds(shared_data: Path) -> list[tuple[str, Gold]]:
    out = []
    vista = read_annotations(shared_data / "vision" / "mathvista" / "testmini.json", "mathvista")
    for r in vista:
        if is_free_form(r, "mathvista"):
            out.append((f"mathvista/{r['pid']}", classify_gold(r["answer"], answer_type=r["answer_type"], precision=r["precision"], unit=r["unit"])))
    vision = read_annotations(shared_data / "vision" / "mathvision" / "testmini.jsonl", "mathvision")
    for r in vision:
        if is_free_form(r, "mathvision"):
            out.append((f"mathvision/{r['id']}", classify_gold(r["answer"])))
    return out


@pytest.fixture(scope="module")
def golds(shared_data: Path) -> list[tuple[str, Gold]]:
    found = _golds(shared_data)
    assert len(found) == 460 + 114
    return found


def _fraction_latex(value: Fraction) -> str:
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def right_variants(gold: Gold) -> list[str]:
    """Ways of writing the gold answer that must count as correct."""
    g = gold.answer
    out = [g, f"${g}$", f"\\text{{{g}}}", f" {g}. "]
    if gold.answer_type in ("integer", "float"):
        value = parse_number(g)
        assert value is not None
        out += [f"{g}0" if "." in g else f"{g}.0", _fraction_latex(value * 2 / 2) if value.denominator != 1 else f"\\frac{{{2 * value.numerator}}}{{2}}",
                f"{(value * 4).numerator}/{(value * 4).denominator * 4}" if value.denominator == 1 else f"{value.numerator}/{value.denominator}",
                f"x = {g}"]
        if gold.unit:
            out += [f"{g} {gold.unit}", f"{g}\\text{{ {gold.unit}}}"]
        if gold.precision is not None:  # more decimals, rounding half-up to the stated precision
            step = Decimal(1).scaleb(-gold.precision)
            out += [str(Decimal(g) + step * Decimal("0.4")), str(Decimal(g) - step * Decimal("0.4"))]
            toward_zero = Decimal("-0.5") if Decimal(g) > 0 else Decimal("0.5")  # halves round away from zero
            if Decimal(g) != 0:
                out.append(str(Decimal(g) + step * toward_zero))
        if value.denominator == 1 and abs(value) >= 1000:
            out.append(f"{int(value):,}")
            out.append(f"{int(value):,}".replace(",", "{,}"))
    elif gold.answer_type in ("list", "tuple"):
        inner = g.strip("[]()")
        out += [inner, inner.replace(" ", ""), ", ".join(p.strip() for p in inner.split(","))]
    else:
        out += [g.lower(), f"({g})", f"\\textbf{{{g}}}"]
    return out


def wrong_variants(gold: Gold) -> list[str]:
    """Near misses that must count as wrong."""
    g = gold.answer
    if gold.answer_type == "integer":
        value = int(g)
        return [str(value + 1), str(value - 1), f"{g}.5", f"-{g}" if value else "1", f"\\frac{{{2 * value + 1}}}{{2}}", "\\sqrt{2}"]
    if gold.answer_type == "float":
        step = Decimal(1).scaleb(-(gold.precision if gold.precision is not None else 1))
        out = [str(Decimal(g) + step), str(Decimal(g) - step), "\\pi"]
        if gold.precision is not None:  # a half rounds away from zero, to the next value
            out.append(str(Decimal(g) + step * (Decimal("0.5") if Decimal(g) >= 0 else Decimal("-0.5"))))
        return out
    if gold.answer_type in ("list", "tuple"):
        inner = [p.strip() for p in g.strip("[]()").split(",")]
        out = [g[0] + ", ".join(inner[:-1]) + g[-1], g[0] + ", ".join([*inner, "0"]) + g[-1]]
        if inner != inner[::-1]:
            out.append(g[0] + ", ".join(inner[::-1]) + g[-1])
        return out
    return ["D" if g != "D" else "E", f"{g}{g}"]


def test_every_gold_matches_itself_and_its_reformatted_variants(golds: list[tuple[str, Gold]]) -> None:
    failures = [(pid, gold.answer, v) for pid, gold in golds for v in right_variants(gold) if not compare(gold, v)[0]]
    assert not failures, failures[:20]


def test_no_gold_matches_a_near_miss(golds: list[tuple[str, Gold]]) -> None:
    failures = [(pid, gold.answer, v, compare(gold, v)) for pid, gold in golds for v in wrong_variants(gold) if compare(gold, v)[0]]
    assert not failures, failures[:20]


def test_precision_is_the_benchmarks() -> None:
    one = classify_gold("1.2", answer_type="float", precision=1)
    two = classify_gold("0.21", answer_type="float", precision=2)
    assert compare(one, "1.23")[0] and compare(one, "1.15")[0] and not compare(one, "1.25")[0]
    assert compare(two, "0.214")[0] and not compare(two, "0.2")[0] and compare(two, "\\frac{21}{100}")[0]
    exact = classify_gold("2.5")  # MathVision states no precision: exact value
    assert compare(exact, "5/2")[0] and compare(exact, "\\dfrac{5}{2}")[0] and not compare(exact, "2.51")[0]
    integer = classify_gold("12", answer_type="integer", unit="years")
    assert compare(integer, "12 years")[0] and compare(integer, "12.0")[0] and not compare(integer, "12.4")[0]
    assert compare(classify_gold("45"), "45^\\circ")[0] and compare(classify_gold("20"), "20\\%")[0]


def test_golds_of_a_form_not_handled_are_refused() -> None:
    with pytest.raises(DataError, match="neither a number"):
        classify_gold("2\\sqrt{3}")
    with pytest.raises(DataError, match="more decimals"):
        classify_gold("1.25", answer_type="float", precision=1)
    with pytest.raises(DataError, match="not an integer"):
        classify_gold("1.5", answer_type="integer")


def test_verifier_reads_the_last_box_of_each_completion() -> None:
    problems = {
        "mathvista/1": {"id": "mathvista/1", "answer": "1.2", "metadata": {"answer_type": "float", "precision": 1, "unit": None}},
        "mathvision/4": {"id": "mathvision/4", "answer": "6", "metadata": {"answer_type": "integer", "precision": None, "unit": None}},
    }
    texts = [
        ("mathvista/1", "<think>k x^2 = m v^2 gives 1.2</think> The spring is compressed by \\boxed{1.2} cm", "correct"),
        ("mathvista/1", "First \\boxed{1.3}, no wait: \\boxed{\\frac{6}{5}}", "correct"),
        ("mathvista/1", "\\boxed{1.3}", "wrong"),
        ("mathvista/1", "The answer is 1.2", "no_answer"),
        ("mathvision/4", "\\boxed{six}", "wrong"),
        ("mathvision/4", "\\boxed{}", "no_answer"),
        ("mathvision/4", "\\boxed{" + "9" * 5000 + "}", "wrong"),
        ("mathvision/4", "\\boxed{6", "correct"),  # truncated: the box runs to the end
    ]
    samples = [{"problem_id": pid, "sample_index": i, "text": t} for i, (pid, t, _) in enumerate(texts)]
    rows = verify(problems, samples, VerifyContext(bench={"name": "x", "family": "vision"}))
    assert [r["status"] for r in rows] == [want for _, _, want in texts]
    assert all(r["status"] in STATUSES and r["correct"] == (r["status"] == "correct") for r in rows)
    assert rows[1]["extracted"] == "\\frac{6}{5}"
    with pytest.raises(DataError, match="unknown problem id"):
        verify(problems, [{"problem_id": "nope", "sample_index": 0, "text": ""}], VerifyContext(bench={}))


def test_gold_files_round_trip_through_the_problem_record(golds: list[tuple[str, Gold]]) -> None:
    from passk.benchmarks.vision.answers import gold_of

    for pid, gold in golds[:50] + golds[-50:]:
        assert gold_of({"id": pid, "answer": gold.answer, "metadata": json.loads(json.dumps(gold.metadata()))}) == gold
