"""The checker's fast paths give Math-Verify's own verdicts: nothing is loosened to gain speed.

Two fast paths (issue 13), each compared with *plain* Math-Verify (the worker's ``check_pair`` in
a worker started with ``--plain``, i.e. without ``speedups``) on every (gold, answer) pair of the
throughput benchmark's workload (``benchmarks/verify_math.py``: all eight math benchmarks, the
first ``LIMIT`` problems of each, their golds and model-like variants) and on random numbers:

- ``fastpath.decide``, which decides pairs of numbers, closed forms (``3\\sqrt{5}``), letters
  assigned a number (``x=5``) and lists of numbers in the parent without Math-Verify;
- the worker's ``speedups`` (two-stage SLL/LL parsing, parses replayed per token shape, the
  numeric refutation before ``simplify``, the cache of solved gold equations, sets told apart at a
  point, equations told apart by their first linear solutions), on every pair the
  fast path leaves to Math-Verify; and the replayed parses, string by string, against latex2sympy.

Any disagreement fails. ~2-4 min on 2 cores (most of it plain Math-Verify on symbolic answers);
the whole workload (every problem of every benchmark) is a ``slow`` test (``make test-all``).
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from passk.benchmarks.math import fastpath, speedups, worker
from passk.benchmarks.math.checker import MathCheckPool
from passk.benchmarks.math.latex import normalize_answer

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("PASSK_DATA_DIR", REPO.parent / "shared" / "data"))
LIMIT = 150  # problems per benchmark (the benchmark's --limit); every benchmark is covered
PAIR_TIMEOUT = 60.0  # generous: plain Math-Verify needs up to ~40 s on a few Minerva equations


def _load_benchmark_module():
    spec = importlib.util.spec_from_file_location("verify_math_benchmark", REPO / "benchmarks" / "verify_math.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _workload_pairs(limit: int | None) -> list[tuple[str, str, str]]:
    """(benchmark, normalised gold, normalised answer) of every distinct non-identical workload pair."""
    if not (DATA_DIR / "math").is_dir():
        pytest.skip(f"real math data not found under {DATA_DIR} (set PASSK_DATA_DIR)")
    bench = _load_benchmark_module()
    out = []
    for name in bench.BENCHMARKS:
        work = bench.build_workload(name, limit, data_dir=DATA_DIR)
        assert work.pairs, name
        out += [(name, g, a) for g, a in work.pairs if g != a]
    return out


@pytest.fixture(scope="module")
def workload_pairs() -> list[tuple[str, str, str]]:
    return _workload_pairs(LIMIT)


@pytest.fixture(scope="module")
def plain() -> Iterator[MathCheckPool]:
    with MathCheckPool(workers=2, timeout=PAIR_TIMEOUT, args=(worker.PLAIN_FLAG,)) as pool:
        yield pool


@pytest.fixture(scope="module")
def fast() -> Iterator[MathCheckPool]:
    with MathCheckPool(workers=2, timeout=PAIR_TIMEOUT) as pool:
        yield pool


def _random_number(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return str(rng.randint(-10 ** rng.randint(1, 12), 10 ** rng.randint(1, 12)))
    if kind < 0.6:
        return f"{rng.uniform(-1000, 1000):.{rng.randint(1, 9)}f}"
    p, q = rng.randint(-200, 200), rng.randint(1, 50)
    return f"\\frac{{{p}}}{{{q}}}" if rng.random() < 0.5 else (f"{p}/{q}" if p >= 0 else f"-\\frac{{{-p}}}{{{q}}}")


# Closed forms, assignments and lists, against Math-Verify too: near and far values, respellings,
# latex2sympy's precedence (a juxtaposed \sqrt binds tighter than /), repeats, thousands groups.
_SHAPE_PAIRS = [
    ("\\sqrt{3}", "\\sqrt{9}"), ("\\sqrt{9}", "3"), ("3\\sqrt{5}", "3\\sqrt{6}"), ("3\\sqrt{5}", "\\sqrt{45}"),
    ("7\\pi", "8\\pi"), ("7\\pi", "21.99114857"), ("\\frac{\\pi}{2}", "1.5707963"), ("2\\pi", "6.28"),
    ("1/2\\sqrt{3}", "0.2886751"), ("1/2\\sqrt{3}", "0.8660254"), ("\\frac{1}{2}\\sqrt{3}", "0.8660254"),
    ("-2^{2}", "-4"), ("-2^{2}", "4"), ("(-2)^{3}", "-8"), ("2^{10}", "1024"), ("2^{10}", "1023"), ("2^{-2}", "0.25"),
    ("2^{-2}", "0.5"), ("2^3", "9"), ("2021\\cdot505\\cdot337", "4045\\cdot505\\cdot337"), ("2\\times3", "7"),
    ("\\frac{2\\sqrt{30}}{7}", "\\frac{2\\sqrt{30}}{17}"), ("65", "70\\sqrt{2}"), ("\\sqrt{2}", "1.4142136"),
    ("\\sqrt{2}", "1.41421"), ("\\sqrt{2}", "1.414"), ("3/4/5", "0.15"), ("3/4/5", "3.75"), ("2\\cdot-3", "-6"),
    ("\\frac{1}{\\sqrt{3}}", "\\frac{\\sqrt{3}}{3}"), ("\\sqrt{-1}", "1"), ("\\frac{1}{0}", "\\frac{2}{0}"),
    ("5", "x=5"), ("5", "x=6"), ("x=5", "5"), ("x=5", "6"), ("5", "e=5"), ("5", "i=5"), ("x=5", "y=5"), ("x=5", "x=6"),
    ("\\frac{1}{2}", "k=0.5"), ("7\\pi", "r=8\\pi"), ("1,3", "3,1"), ("1,3", "5,3"), ("1,3", "1,3,5"), ("1,1,2", "1,2"),
    ("0.5,1", "1,\\frac{1}{2}"), ("5,-2", "5,-3"), ("1,234", "1234"), ("1,234", "1,235"), ("12,345,6", "6,12,345"),
    ("\\frac{1}{3},-2,5", "-2,5,0.3333333"), ("\\frac{1}{3},-2,5", "-2,5,0.33"), ("1,2", "x=1"), ("1,2", "(1,2)"),
]


def _random_number_pairs(n: int = 600) -> list[tuple[str, str]]:
    """Random plain numbers against each other, against themselves respelled, and nearly equal;
    then ``_SHAPE_PAIRS``."""
    rng = random.Random(13)
    pairs = []
    for _ in range(n):
        a = _random_number(rng)
        pairs.append((a, _random_number(rng)))
        pairs.append((a, a + "0" if "." in a else a + ".0"))
        if "." in a:
            pairs.append((a, a[:-1] + str((int(a[-1]) + 1) % 10)))  # one unit in the last place apart
    pairs += [("5", "5.00000001"), ("\\frac{1}{3}", "0.3333333"), ("\\frac{1}{3}", "0.33333"),
              ("\\frac{1}{2000000}", "0.0000005"), ("100000000000000000000", "100000000000000000001"),
              ("0.1", "\\frac{1}{10}"), ("-\\frac{1}{2}", "-0.5"), ("3/4", "\\frac{3}{4}"), ("1", "\\frac{1}{0}")]
    return [(normalize_answer(a), normalize_answer(b)) for a, b in pairs + _SHAPE_PAIRS]


def _check_fastpath(pairs: list[tuple[str, str, str]], plain: MathCheckPool, with_randoms: bool = True) -> None:
    decided = [(b, g, a, fastpath.decide(g, a)) for b, g, a in pairs]
    decided = [d for d in decided if d[3] is not None]
    if with_randoms:
        randoms = [("random", g, a, fastpath.decide(g, a)) for g, a in _random_number_pairs() if g != a]
        decided += [d for d in randoms if d[3] is not None]
    results = plain.check([(g, a) for _, g, a, _ in decided])
    wrong = [(d, r) for d, r in zip(decided, results) if d[3] != (r.status == "correct")]
    print(f"fast path: {len(decided)} decided pairs, {sum(d[3] for d in decided)} correct, {len(wrong)} disagreements")
    assert not wrong, wrong[:20]


def _check_speedups(pairs: list[tuple[str, str, str]], plain: MathCheckPool, fast: MathCheckPool) -> None:
    left = [(b, g, a) for b, g, a in pairs if fastpath.decide(g, a) is None]
    assert {b for b, _, _ in left} >= {"math500", "minerva_math", "olympiadbench", "omni_math_rule"}
    todo = [(g, a) for _, g, a in left]
    with_speedups, without = fast.check(todo), plain.check(todo)
    wrong = [(p, s, w) for p, s, w in zip(left, with_speedups, without) if (s.status == "correct") != (w.status == "correct")]
    print(f"speedups: {len(todo)} pairs, {sum(s.status == 'correct' for s in with_speedups)} correct, "
          f"timeouts {sum(s.status == 'timeout' for s in with_speedups)} vs plain {sum(w.status == 'timeout' for w in without)}, "
          f"{len(wrong)} disagreements")
    assert not wrong, wrong[:20]


def test_fastpath_decisions_are_math_verify_verdicts(workload_pairs: list[tuple[str, str, str]], plain: MathCheckPool) -> None:
    assert len({b for b, g, a in workload_pairs if fastpath.decide(g, a) is not None}) == 8, "every benchmark has decided pairs"
    _check_fastpath(workload_pairs, plain)


def test_speedups_keep_math_verify_verdicts(workload_pairs: list[tuple[str, str, str]], plain: MathCheckPool,
                                            fast: MathCheckPool) -> None:
    _check_speedups(workload_pairs, plain, fast)


@pytest.mark.slow
def test_both_on_the_whole_workload(plain: MathCheckPool, fast: MathCheckPool) -> None:
    """The same on every problem of every benchmark (the benchmark's default workload; ~20 min)."""
    pairs = _workload_pairs(None)
    _check_fastpath(pairs, plain, with_randoms=False)
    _check_speedups(pairs, plain, fast)


@pytest.mark.parametrize(
    ("gold", "answer", "expected"),
    [
        ("0", "0.0", True), ("5", "5.0", True), ("1.5", "1.50", True), ("\\frac{4}{2}", "2", True),
        ("\\frac{1}{2}", "0.5", True), ("-\\frac{1}{2}", "\\frac{-1}{2}", True), ("3/4", "0.75", True),
        ("5", "6", False), ("0.5", "0.6", False), ("\\frac{1}{3}", "0.33", False), ("-5", "5", False),
        ("5", "5.00000001", None), ("\\frac{1}{3}", "0.3333333", None),  # close: Math-Verify's call
        ("1", "\\frac{1}{0}", None), ("x", "1", None), ("5\\%", "5", None), ("1" * 61, "1", None),
        ("\\sqrt{3}", "\\sqrt{9}", False), ("7\\pi", "8\\pi", False), ("1/2\\sqrt{3}", "0.5", False),
        ("\\sqrt{9}", "3", None), ("\\sqrt{2}", "1.414213", None),  # equal or close closed forms: Math-Verify's call
        ("2^34", "1", None), ("\\sqrt{-1}", "1", None), ("2^{65}", "1", None), ("\\pi x", "1", None),
        ("5", "x=5", True), ("x=5", "6", False), ("5", "e=5", None), ("x=5", "y=5", None),
        ("1,3", "3,1", True), ("1,3", "5,3", False), ("1,1,2", "1,2", None), ("1,234", "1,235", None), ("1,2", "x=1", None),
    ],
)
def test_fastpath_shapes(gold: str, answer: str, expected: bool | None) -> None:
    assert fastpath.decide(gold, answer) is expected


def test_numeric_refutation_stays_off_where_simplify_may_know_better() -> None:
    sympy = pytest.importorskip("sympy")
    x, n = sympy.Symbol("x", real=True), sympy.Symbol("n", integer=True)
    assert speedups.numerically_different(x + 1, x + 2)
    assert speedups.numerically_different(sympy.sqrt(2) * x, x)
    assert not speedups.numerically_different(sympy.sqrt(x) ** 2, x)  # equal where x is positive: simplify decides
    assert not speedups.numerically_different((x + 1) ** 2, x**2 + 2 * x + 1)
    assert not speedups.numerically_different(n + 1, n + 2)  # an integer symbol: no value chosen
    # integer-valued functions: compared at a point of integers only, where combsimp keeps values
    assert not speedups.numerically_different(sympy.floor(x), x)  # equal at every integer
    assert not speedups.numerically_different(sympy.binomial(x, 2), x * (x - 1) / 2)
    assert not speedups.numerically_different(sympy.factorial(x + 1) / sympy.factorial(x), x + 1)
    assert speedups.numerically_different(sympy.binomial(x, 2), x)
    assert speedups.numerically_different(sympy.factorial(2 * x) * 2 ** (x**2), sympy.Integer(4) ** 2017)
    assert not speedups.numerically_different(sympy.Piecewise((x, x > 0), (0, True)), x + 1)  # hands off
    assert not speedups.numerically_different(sympy.Derivative(sympy.Function("f")(x), x), x)
    assert not speedups.numerically_different(sympy.Matrix([1]), sympy.Matrix([2]))
    assert not speedups.numerically_different(x + sympy.Float("1e-9"), x)  # too close to call


def test_undefined_functions_are_refuted_only_where_no_function_makes_them_equal() -> None:
    sympy = pytest.importorskip("sympy")
    t, x = sympy.Symbol("t", real=True), sympy.Symbol("x", real=True)
    f, g, theta = sympy.Function("f"), sympy.Function("g"), sympy.Function("theta")
    # equal for every function: never refuted (the same call, kept the same in every call)
    assert not speedups.numerically_different(f(t) + 1, 1 + f(t))
    assert not speedups.numerically_different(sympy.sin(theta(t)) ** 2 + sympy.cos(theta(t)) ** 2, sympy.Integer(1))
    assert not speedups.numerically_different(f(g(x)) * 2, f(g(x)) + f(g(x)))
    # different for some function: refuted, each at once
    assert speedups.numerically_different(f(t), -f(t))
    assert speedups.numerically_different(f(t), g(t))  # another name, another stand-in
    assert speedups.numerically_different(f(2 * x), 2 * f(x))  # equal for linear f only
    assert speedups.numerically_different(f(x) * f(x), f(x))
    assert speedups.numerically_different(f(t) * sympy.cos(theta(t)), f(t) * sympy.sin(theta(t)))
    # what simplify proves, the stand-ins keep: a difference simplify makes zero is never refuted
    for a, b in [(f(x) ** 2 - 1, (f(x) - 1) * (f(x) + 1)), (sympy.exp(f(t)) * sympy.exp(-f(t)), sympy.Integer(1)),
                 (sympy.log(sympy.exp(theta(t))), theta(t))]:
        if sympy.simplify(a - b) == 0:
            assert not speedups.numerically_different(a, b), (a, b)


def test_install_wraps_the_slow_steps_and_uninstall_restores_them() -> None:
    pytest.importorskip("math_verify")
    from math_verify import grader

    before = grader.sympy_symbolic_eq
    speedups.install()
    try:
        speedups.install()  # idempotent
        assert speedups.installed() == ["create_parser", "parse", "parse_expr_cached", "parse_latex_cached", "parse_number",
                                        "solve", "symmetric_difference", "sympy_compare_sets", "sympy_solve_and_compare",
                                        "sympy_symbolic_eq"]
        assert worker.check_pair("\\frac{x+2}{7}", "\\frac{x}{7}+\\frac{2}{7}") == (True, "math-verify")
        assert worker.check_pair("x+1", "x+2") == (False, "math-verify: not equivalent")
    finally:
        speedups.uninstall()
    assert speedups.installed() == [] and grader.sympy_symbolic_eq is before


_NUMBERS = ["0", "7", "0123", "000", "1,000", "12,345.5", "3.14159265358979323846264338327950288", "0.1", "007.50",
            "123456789012345678901234567890", "100.0", "5 \\times 10^{-3}", "2.5\\pi", "x^{2.50}", "\\frac{1.5}{0.25}",
            "1." + "0" * 60, "9" * 80, "\\sqrt{2.0}", "٣", "1.2.3", "0.", ".5"]


def test_numbers_are_latex2sympys_numbers() -> None:
    """latex2sympy's numbers built without sympy's parser are its numbers, to the precision."""
    pytest.importorskip("math_verify")
    plain = {s: _parsed(s) for s in _NUMBERS}
    speedups.install()
    try:
        assert {s: _parsed(s) for s in _NUMBERS} == plain
    finally:
        speedups.uninstall()


_SET_PAIRS = [
    ("1,2,3", "3,2,1"), ("1,2,3", "1,2,4"), ("1,2", "1,2,3"), ("x,2", "2,x"), ("x,2", "2,x+1"), ("\\{1,2\\}", "\\{2,1\\}"),
    ("(1,2),(3,4)", "(3,4),(1,2)"), ("(1,2),(3,4)", "(3,4),(1,5)"), ("(1,2),(3,4)", "(1,2,3),(3,4)"), ("(1,2)", "1,2"),
    ("\\sqrt{2},\\frac{1}{2}", "0.5,\\sqrt{2}"), ("\\sqrt{2},\\frac{1}{2}", "0.5,1.41421"), ("2,-2", "\\pm2"),
    ("f(x)=x,f(x)=-x", "f(x)=-x,f(x)=x"), ("[1,2],3", "3,[1,2]"), ("n,n+1", "n+1,n"), ("n!,2", "2,n!"), ("a,b", "b,a"),
    ("\\frac{1}{3},\\frac{2}{3}", "0.333333,0.666667"), ("1,3", "1,3.0000001"), ("10^{100},1", "1,10^{100}+1"),
]


def test_set_comparisons_keep_math_verify_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sets proved apart skip sympy's symmetric difference; every verdict stays Math-Verify's."""
    pytest.importorskip("math_verify")
    from sympy import FiniteSet

    plain = [worker.check_pair(g, a)[0] for g, a in _SET_PAIRS]
    proved, computed = [], []
    apart = speedups.sets_apart
    monkeypatch.setattr(speedups, "sets_apart", lambda a, b: proved.append(apart(a, b)) or proved[-1])
    speedups.install()
    real = speedups._installed["symmetric_difference"]  # put back before uninstall (not monkeypatch: its undo comes after)
    speedups._installed["symmetric_difference"] = lambda a, b: computed.append(1) or real(a, b)
    try:
        assert [worker.check_pair(g, a)[0] for g, a in _SET_PAIRS] == plain
        assert proved.count(True) >= 3 and proved.count(False) >= 3
        assert len(computed) < len(proved)
        one, two = FiniteSet(1, 2), FiniteSet(1, 3)
        assert one.symmetric_difference(two) == FiniteSet(2, 3)  # outside a comparison: sympy's own
    finally:
        speedups._installed["symmetric_difference"] = real
        speedups.uninstall()
    assert plain.count(True) >= 8 and plain.count(False) >= 8


def test_sets_apart_only_where_no_symbol_values_make_them_equal() -> None:
    pytest.importorskip("math_verify")
    from sympy import FiniteSet, Interval, Symbol, Tuple, factorial

    x, n = Symbol("x", real=True), Symbol("n", integer=True, positive=True)
    assert speedups.sets_apart(FiniteSet(1, 2), FiniteSet(1, 3))
    assert speedups.sets_apart(FiniteSet(1, 2), FiniteSet(1, 2, 3))
    assert speedups.sets_apart(FiniteSet(Tuple(1, 2)), FiniteSet(Tuple(1, 3)))
    assert speedups.sets_apart(FiniteSet(Tuple(1, 2)), FiniteSet(Tuple(1, 2, 3)))
    assert speedups.sets_apart(FiniteSet(Tuple(1, 2)), FiniteSet(1, 2))
    assert speedups.sets_apart(FiniteSet(x, 2), FiniteSet(2, x + 1))
    assert not speedups.sets_apart(FiniteSet(x, 2), FiniteSet(2, x))
    assert not speedups.sets_apart(FiniteSet(x, 2 * x), FiniteSet(2 * x, x))
    assert not speedups.sets_apart(FiniteSet(1, 3), FiniteSet(1, 3 + 10**-9))  # too close to call
    assert not speedups.sets_apart(FiniteSet(Interval(0, 1)), FiniteSet(Interval(0, 2)))  # not expressions
    assert not speedups.sets_apart(FiniteSet(factorial(n), 2), FiniteSet(2, 3))  # an integer symbol: no point chosen
    assert not speedups.sets_apart(Interval(0, 1), FiniteSet(1))
    assert not speedups.sets_apart(FiniteSet(Symbol("z"), 1), FiniteSet(1, 2))  # a complex symbol: no point chosen


# Equations Math-Verify ends up solving (their two sides differ): Minerva's and OlympiadBench's
# golds against model-like variants, equal ones among them (``2x=y`` against ``x=y/2``), and
# equations whose solutions ``solve`` rewrites afterwards (Floats, derivatives it cannot invert).
_EQUATION_PAIRS = [
    ("x^{\\prime}+\\frac{r}{V}x-rc=0", "x^{\\prime}+\\frac{r}{V}x-rc=1"),
    ("x^{\\prime}+\\frac{r}{V}x-rc=0", "-x^{\\prime}+\\frac{r}{V}x-rc=0"),
    ("y^{\\prime}+ry-rx(t)=0", "y^{\\prime}+ry-rx(t)=3"), ("m=2^{n-2}+1", "m=3^{n-2}+1"),
    ("5x-7y+11z+4=0", "6x-7y+11z+4=0"), ("5x-7y+11z+4=0", "10x-14y+22z+8=0"), ("2x=y", "x=\\frac{y}{2}"),
    ("a+b=c", "c-b=a"), ("x^2+y^2=1", "x^2+y^2=2"), ("x^2+y^2=1", "2x^2+2y^2=2"), ("xy=1", "y=\\frac{1}{x}"),
    ("X_{d}=125-1.25P", "X_{d}=225-1.25P"), ("I\\frac{d\\omega}{dt}+2B\\omega=T", "I\\frac{d\\omega}{dt}+3B\\omega=T"),
    ("f(x)=2x", "f(x)=3x"), ("k=n+1", "-k=n+1"), ("a\\sin\\theta=b", "b=a\\sin\\theta"), ("a\\sin\\theta=b", "a\\cos\\theta=b"),
]


def _equation(latex: str) -> Any:
    from math_verify import parse

    return parse("\\boxed{" + latex + "}", parsing_timeout=None)[0]  # type: ignore[arg-type]


def test_first_linear_is_in_what_solve_returns() -> None:
    """``first_linear``'s ``{s: v}`` is the one dict with key ``s`` in ``solve``'s answer; None where solve rewrites."""
    pytest.importorskip("math_verify")
    from sympy import solve

    told = 0
    for gold, answer in _EQUATION_PAIRS:
        for text in (gold, answer):
            eq = _equation(text)
            found = speedups.first_linear(eq, eq.free_symbols)
            if found is None:
                continue
            told += 1
            s, v = found
            with_s = [d for d in solve(eq, eq.free_symbols) if s in d]
            assert with_s == [{s: v}], text
    assert told >= 20
    for text in ("X_{d}=125-1.25P", "I\\frac{d\\omega}{dt}+2B\\omega=T", "x=5"):  # Floats, a Dummy, one symbol
        eq = _equation(text)
        assert speedups.first_linear(eq, eq.free_symbols) is None, text


def test_equation_comparisons_keep_math_verify_verdicts() -> None:
    """Equations whose first linear solutions differ skip both solves; every verdict stays Math-Verify's."""
    pytest.importorskip("math_verify")
    plain = [worker.check_pair(g, a)[0] for g, a in _EQUATION_PAIRS]
    speedups.install()
    solved: list[int] = []
    real = speedups._installed["sympy_solve_and_compare"]
    speedups._installed["sympy_solve_and_compare"] = lambda *a: solved.append(1) or real(*a)
    try:
        assert [worker.check_pair(g, a)[0] for g, a in _EQUATION_PAIRS] == plain
        assert 5 <= len(solved) <= len(_EQUATION_PAIRS) - 5  # both ways taken
    finally:
        speedups._installed["sympy_solve_and_compare"] = real
        speedups.uninstall()
    assert plain.count(True) >= 4 and plain.count(False) >= 8


def test_an_equation_sympy_cannot_solve_for_every_symbol_ends_at_its_first_linear_solution() -> None:
    """Minerva's pendulum equation against its variant: ``solve`` spends seconds failing on ``t`` (5 CPU s
    budget: a timeout). The first linear solutions (for the same symbol) differ, so the answer is
    the False that Math-Verify gives when it runs to the end."""
    pytest.importorskip("math_verify")
    gold = "ml\\ddot{\\theta}(t)-mg\\sin\\theta(t)=f(t)\\cos\\theta(t)"
    answer = "-" + gold
    g, a = _equation(gold), _equation(answer)
    first = speedups.first_linear(g, g.free_symbols), speedups.first_linear(a, a.free_symbols)
    assert first[0] is not None and first[1] is not None and first[0][0] == first[1][0]
    assert worker.check_pair(gold, answer) == (False, "math-verify: not equivalent")  # plain: runs to the end
    speedups.install()
    try:
        with worker.cpu_budget(2.0):  # well under what the two solves take
            assert worker.check_pair(gold, answer) == (False, "math-verify: not equivalent")
    finally:
        speedups.uninstall()


# Strings that share a token shape (a gold and variants of it with other numbers, letters or
# functions), strings that only the full LL prediction parses, and strings that fail to parse.
_SHAPED = [
    "\\frac{aM^{1/3}}{GM^{2/3}+b}", "\\frac{aM^{1/4}}{GM^{2/3}+b}", "\\frac{bN^{1/9}}{HK^{5/7}+c}",
    "-\\frac{aM^{1/3}}{GM^{2/3}+b}", "[P_{0}^{2/5}-\\frac{2}{5}gK^{-3/5}z]^{5/2}",
    "[P_{0}^{3/5}-\\frac{2}{5}gK^{-3/5}z]^{5/2}", "x_{0}\\cos(\\omega t)+\\dot{x}_{0}\\sin(\\omega t)/\\omega",
    "y_{1}\\sin(\\omega s)+\\dot{y}_{2}\\cos(\\omega s)/\\omega", "100p^{\\frac{1}{2}}", "7q^{\\frac{3}{5}}",
    "x^2+3x-5", "y^7+2y-9", "(1,2),(3,4)", "(5,6),(7,8)", "\\sqrt[3]{\\frac{1-\\sqrt{33}}{2}}",
    "\\sqrt[5]{\\frac{2-\\sqrt{17}}{3}}", "f(x)=x+1", "g(y)=y+2", "1,000", "2,500", "3, 500",
    "np.arcsin(10/13)", "np.arcsin(11/13)", "\\hbar\\omega(v+1/2)", "\\frac{", "x^{", "}{", "5 \\times 10^{-3}",
    "7 \\times 10^{-9}", "\\int_0^1 x dx", "\\int_0^2 y dy",
]


def _parsed(latex: str) -> str:
    from latex2sympy2_extended.latex2sympy2 import latex2sympy
    from sympy import srepr

    try:
        return srepr(latex2sympy(latex))
    except Exception as exc:  # noqa: BLE001  the failure is part of the result compared
        return f"raised {type(exc).__name__}"


def test_replayed_parses_are_latex2sympys_parses(monkeypatch: pytest.MonkeyPatch) -> None:
    """A string whose token shape was parsed before gets the tree latex2sympy builds for it."""
    pytest.importorskip("math_verify")
    plain = {s: _parsed(s) for s in _SHAPED}
    replays: list[int] = []
    play = speedups._Player.adaptivePredict
    monkeypatch.setattr(speedups._Player, "adaptivePredict",
                        lambda self, *a: replays.append(1) or play(self, *a))
    speedups.install()
    try:
        for order in (_SHAPED, _SHAPED[::-1], random.Random(3).sample(_SHAPED, len(_SHAPED))):
            assert {s: _parsed(s) for s in order} == plain
        assert replays, "no parse was replayed"
        assert 0 < len(speedups._TAPES) < len(_SHAPED)
    finally:
        speedups.uninstall()
    assert not speedups._TAPES


def test_a_tape_that_does_not_fit_is_dropped_and_the_string_parsed_afresh() -> None:
    """Corrupted tapes (another alternative, another decision, too short, too long): same trees."""
    pytest.importorskip("math_verify")
    strings = ["\\frac{aM^{1/3}}{GM^{2/3}+b}", "x^2+3x-5", "(1,2),(3,4)", "f(x)=x+1"]
    plain = {s: _parsed(s) for s in strings}
    speedups.install()
    try:
        for s in strings:
            _parsed(s)
        shapes = len(speedups._TAPES)
        assert shapes >= len(strings)  # latex2sympy parses parts of some strings again
        recorded = dict(speedups._TAPES)
        corruptions = [
            lambda t: ((t[0][0] + 1,) + t[0][1:],) + t[1:],  # another decision
            lambda t: ((t[0][0], t[0][1] + 1, t[0][2]),) + t[1:],  # another token index
            lambda t: t[:-1],  # too short
            lambda t: t + t[-1:],  # too long
        ]
        for corrupt in corruptions:
            for key in list(speedups._TAPES):
                speedups._TAPES[key] = corrupt(speedups._TAPES[key])
            assert {s: _parsed(s) for s in strings} == plain
            assert dict(speedups._TAPES) == recorded  # each replaced by a fresh recording
    finally:
        speedups.uninstall()
