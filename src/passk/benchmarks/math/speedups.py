"""Math-Verify's slowest steps, done faster with the result they would give.

Why: after the fast path for numbers (``fastpath``), what remains of math checking is Math-Verify
parsing answers with its ANTLR LaTeX parser (milliseconds each) and, on wrong answers, sympy's
``simplify`` and ``solve`` (tens of milliseconds to seconds on the symbolic golds of Minerva,
OlympiadBench and Omni-MATH; benchmarks/verify_math.py). ``install`` changes the steps below, in
the checker worker process only (``passk.benchmarks.math.worker``), and leaves every other step of
Math-Verify as it is:

- *Two-stage parsing.* latex2sympy's ANTLR parser first runs in SLL prediction mode and, on any
  syntax error, again in the full LL mode it uses by default. ANTLR guarantees that an SLL parse
  without a syntax error is the parse LL gives (``antlr4.atn.PredictionMode.SLL``); latex2sympy's
  error listener raises on every syntax error, so none goes unnoticed. SLL needs no full-context
  predictions, which the Python runtime never caches: about a third less parsing time.
- ``sympy_symbolic_eq(a, b)`` (``simplify(a - b)`` is zero) is False at once when ``a - b`` is
  *numerically* non-zero at one point: both sides evaluated with 30 digits, every symbol given a
  value its assumptions allow, a gap above ``REL_GAP`` of their size. ``simplify`` keeps an
  expression's value wherever its symbols' assumptions hold, so it cannot turn a non-zero
  difference into zero. An undefined function (``f(x)``, ``\\theta(t)``) stands for any
  function, so ``simplify`` can only prove what holds for every function: each one is given a
  fixed non-linear polynomial of its arguments (the same for a name in every call), and a
  difference non-zero there is not zero for every function. Left to sympy: anything but two
  plain expressions (matrices, sets, relations), unevaluated calculus (derivatives, integrals,
  sums, limits; also of undefined functions), piecewise expressions, symbols that must be
  integers or not positive, and values that are not finite numbers. With integer-valued functions (factorial, binomial, gamma, floor, ceiling and
  kin) the point is one of positive *integers*: ``combsimp``, which ``simplify`` calls on them,
  either keeps values everywhere (``gammasimp``, when an argument is not known to be an integer)
  or rewrites as if the arguments were integers, which keeps values at integer points; so a
  difference that is non-zero there is not zero after ``simplify`` either. (A non-integer point
  could miss that: ``combsimp`` may equate expressions that agree on integers only.)
- *Parse once per token shape.* ANTLR's parser chooses each alternative from token *types* only
  (latex2sympy's grammar has no semantic predicates, just the precedence checks of its
  left-recursive rules, which depend on the parse so far): two strings that lex to the same
  token types and channels (``x^{1/3}`` and ``y^{2/7}``, a gold and its variants with another
  number) get the same sequence of predictions. The first parse of a shape that succeeds records
  that sequence (decision, token index, alternative); later strings of the shape replay it instead
  of running ANTLR's prediction (a closure over the grammar's ATN, and on strings SLL cannot parse
  a full-context LL prediction that the Python runtime never caches: about 40 ms per string).
  The tree is built by the generated parser as always, from the string's own tokens. A replay
  checks that every call names the recorded decision at the recorded token index and that the
  parse used the whole tape; anything else parses the string afresh. A recorded parse is one
  without a syntax error, so it is the LL parse (see above), whichever stage produced it.
- ``solve(gold_equation, symbols)`` is kept per equation and symbols: each wrong answer to the
  same problem solves the same gold equation again; a worker now solves it once (a bounded cache;
  exceptions are cached and raised again, so the caller sees what ``solve`` did).
- *Equations whose first linear solutions differ.* When the two sides of two equations differ,
  Math-Verify solves each for all its symbols and is True only when the two lists of solutions,
  each in order, pair up with equal keys and equal values. Given one equation and several symbols,
  sympy's ``_solve`` first tries the symbols in order with ``solve_linear``; the first one the
  equation is linear in gives a solution that is always kept, and that symbol is never solved for
  again, so the list holds exactly one dict with that key (``first_linear``: it stops ``solve``
  where it hands ``_solve`` the prepared equation, and gives up wherever ``solve`` would change
  the solutions afterwards: Floats, stand-ins for what it cannot invert, other symbols). When both
  equations have the same first linear symbol, those two dicts must be the pair; when Math-Verify's
  ``sympy_expr_eq`` says their values differ, the answer is False however the rest of the two
  solves would end, and neither solve is run. (Minerva's equations spend seconds there in
  ``_tsolve`` on symbols that only appear inside undefined functions, and end in
  ``NotImplementedError``.)
- Math-Verify's own cache of parsed LaTeX keeps ``PARSE_CACHE_SIZE`` strings instead of 20: the
  same function of the same string, so answers that recur across problems (and golds met again)
  are parsed once per worker.
- *Numbers without sympy's parser.* latex2sympy turns each number token into ``sympy.Number(text)``,
  which runs sympy's Python-source parser (tokenise, transform, ``eval``: about 0.2 ms, a tenth of
  a typical answer's parse) only to end in ``Integer(int(text))`` or ``Float(text)``. Plain digits
  and digits with one decimal point get that call directly; any other text goes the long way.
- *Sets that differ at a point.* Math-Verify's set comparison asks sympy whether the symmetric
  difference of the two sets ``is_empty`` (sympy builds it from element-by-element complements,
  milliseconds for a few symbolic elements) before comparing elements in order. When an element of
  one finite set is, at one point, far from every element of the other (``sets_apart``: the
  argument of the numeric refutation above, one point for all elements, tuples compared entry by
  entry), the difference is not empty for every value of the symbols, so sympy could not have
  said True; the comparison then gets a non-empty stand-in and goes on to the element comparison.

They change how long Math-Verify takes, never what it says: ``tests/unit/test_math_fastpath.py``
compares the worker's verdicts with plain Math-Verify's on every pair of the throughput workload.
A Math-Verify or latex2sympy without the wrapped names is left alone (slower, same verdicts).
"""

from __future__ import annotations

import functools
import random
import re
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

REL_GAP = 1e-6  # of max(1, |a|, |b|); 30-digit evaluation errs by ~1e-28
DIGITS = 30
SOLVE_CACHE_SIZE = 256



@functools.cache
def _hands_off() -> tuple[type, ...]:
    """Left to simplify: unevaluated calculus and piecewise expressions."""
    import sympy  # the worker's dependency, not the parent's (importing it costs about a second)

    return (sympy.Derivative, sympy.Integral, sympy.Sum, sympy.Product, sympy.Limit, sympy.Piecewise)


def _stand_in(call: Any) -> Any:
    """A fixed polynomial of an undefined function's arguments, in place of ``f(a, b, …)``.

    Its coefficients depend on the function's name only, so ``f(x) - f(x)`` stays zero and
    ``f(x) - g(x)`` (almost surely) does not; squares keep it from being linear, which ``simplify``
    could not exploit anyway but which keeps ``f(2x) - 2f(x)`` from vanishing by accident.
    """
    from sympy import Rational  # worker-only dependency (see _hands_off)

    rng = random.Random("undefined function " + call.func.__name__)
    out = Rational(rng.randint(1, 97), 89)
    for arg in call.args:
        out += Rational(rng.randint(3, 97), 53) * arg + Rational(rng.randint(3, 97), 71) * arg**2
    return out


def _without_undefined_functions(expr: Any) -> Any:
    """``expr`` with every undefined function applied replaced by its stand-in (innermost first)."""
    from sympy.core.function import AppliedUndef  # worker-only dependency (see _hands_off)

    if not expr.has(AppliedUndef):
        return expr
    return expr.replace(lambda e: isinstance(e, AppliedUndef), _stand_in)


@functools.cache
def _integer_valued() -> tuple[type, ...]:
    """Functions that combsimp may rewrite as if their arguments were integers, and kin."""
    import sympy  # worker-only dependency (see _hands_off)

    return (sympy.factorial, sympy.factorial2, sympy.binomial, sympy.gamma, sympy.loggamma,
            sympy.RisingFactorial, sympy.FallingFactorial, sympy.subfactorial, sympy.floor, sympy.ceiling,
            sympy.frac, sympy.Mod, sympy.beta, sympy.polygamma, sympy.digamma)


_installed: dict[str, Callable[..., Any]] = {}


def _point(symbols: set[Any], integers: bool = False) -> dict[Any, Any] | None:
    """A value for every symbol, allowed by its assumptions (None when one cannot be chosen simply).

    Values are positive non-integers in (0.3, 1.7), or with ``integers`` positive integers in
    [5, 13], the same for a symbol name in every call.
    """
    from sympy import Integer, Rational, Symbol  # worker-only dependency (see _hands_off)

    values = {}
    for s in symbols:
        if not isinstance(s, Symbol) or s.is_real is not True:
            return None
        if s.is_integer or s.is_nonpositive or s.is_zero or s.is_rational is False:
            return None
        rng = random.Random(s.name)
        values[s] = Integer(rng.randint(5, 13)) if integers else Rational(rng.randint(3000, 17000), 10007)
    return values


def _value(expr: Any, point: dict[Any, Any]) -> Any | None:
    """The value at ``point``, a sympy number of ``DIGITS`` digits (any size: ``4^{2017}`` is no
    float), or None when it is not a finite number."""
    import sympy  # worker-only dependency (see _hands_off)

    if point:
        # xreplace puts the numbers in, as subs would, at a fraction of its cost; subs only
        # where a bound variable could share a free symbol's name.
        expr = expr.subs(point) if expr.has(sympy.Subs, sympy.Lambda) else expr.xreplace(point)
    value = expr.evalf(DIGITS)
    if not value.is_number or value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    real, imag = value.as_real_imag()
    if not (real.is_Number and imag.is_Number and real.is_finite and imag.is_finite):
        return None
    return value


def _values_at_one_point(exprs: list[Any]) -> list[Any] | None:
    """Each expression's ``_value`` at one point for all of them (see the module docstring), or
    None when one of them is left to sympy: not a plain expression, unevaluated calculus or a
    piecewise expression, no point its symbols allow, or a value that is no finite number.
    Undefined functions get their stand-ins; integer-valued functions anywhere make the point one
    of positive integers. Raises whatever sympy raises (callers leave such cases to sympy)."""
    from sympy import Expr, MatrixBase  # worker-only dependency (see _hands_off)

    if not all(isinstance(e, Expr) and not isinstance(e, MatrixBase) for e in exprs):
        return None
    if any(e.has(*_hands_off()) for e in exprs):
        return None
    plain = [_without_undefined_functions(e) for e in exprs]
    integers = any(e.has(*_integer_valued()) for e in plain)
    point = _point(set().union(*(e.free_symbols for e in plain)), integers)
    if point is None:
        return None
    values = [_value(e, point) for e in plain]
    return None if any(v is None for v in values) else values


def numerically_different(a: Any, b: Any) -> bool:
    """True when ``a - b`` is provably non-zero at a point (see the module docstring); False = unknown."""
    try:
        values = _values_at_one_point([a, b])
        return values is not None and _far_apart(*values)
    except Exception:  # noqa: BLE001  anything sympy cannot evaluate or compare is left to simplify
        return False


def _symbolic_eq(a: Any, b: Any) -> bool:
    if numerically_different(a, b):
        return False
    return _installed["sympy_symbolic_eq"](a, b)


def _far_apart(x: Any, y: Any) -> bool:
    """Whether two ``_value`` numbers differ by more than ``REL_GAP`` of their size (and of 1)."""
    from sympy import Integer  # worker-only dependency (see _hands_off)

    gap = abs(x - y).evalf(DIGITS)
    return bool(gap > REL_GAP * max(Integer(1), abs(x).evalf(DIGITS), abs(y).evalf(DIGITS)))


def _leaves(element: Any) -> list[Any]:
    """The expressions of a set element: itself, or the entries of a (nested) tuple."""
    from sympy import Tuple  # worker-only dependency (see _hands_off)

    return [leaf for entry in element.args for leaf in _leaves(entry)] if isinstance(element, Tuple) else [element]


def _elements_far(x: Any, y: Any, value: dict[Any, Any]) -> bool:
    """Whether two set elements differ at the point: two expressions far apart, an expression and a
    tuple (never equal), tuples of other lengths, or tuples with one entry far from its peer."""
    from sympy import Tuple  # worker-only dependency (see _hands_off)

    if isinstance(x, Tuple) and isinstance(y, Tuple):
        return len(x.args) != len(y.args) or any(_elements_far(p, q, value) for p, q in zip(x.args, y.args))
    if isinstance(x, Tuple) or isinstance(y, Tuple):
        return True
    return _far_apart(value[x], value[y])


def sets_apart(a: Any, b: Any) -> bool:
    """True when two finite sets provably differ: an element of one is, at one point, far from
    every element of the other (``numerically_different``'s argument, one point for all elements;
    an element may be a tuple of expressions); False = unknown. Other elements (sets, relations,
    matrices) leave it unknown."""
    from sympy import FiniteSet  # worker-only dependency (see _hands_off)

    if not (isinstance(a, FiniteSet) and isinstance(b, FiniteSet)):
        return False
    leaves = list(dict.fromkeys(leaf for element in (*a.args, *b.args) for leaf in _leaves(element)))
    try:
        values = _values_at_one_point(leaves)
        if values is None:
            return False
        value = dict(zip(leaves, values))
        return (any(all(_elements_far(x, y, value) for y in b.args) for x in a.args)
                or any(all(_elements_far(y, x, value) for x in a.args) for y in b.args))
    except Exception:  # noqa: BLE001  anything sympy cannot evaluate or compare is left to sympy
        return False


_APART: list[tuple[Any, Any]] = []  # the sets sets_apart proved different, while Math-Verify compares them


def _compare_sets(gold: Any, pred: Any, *args: Any, **kwargs: Any) -> Any:
    """Math-Verify's set comparison, told which symmetric difference it need not compute.

    It compares ``gold`` and ``pred`` as sets, a side that is none taken as a one-element set."""
    from sympy import FiniteSet, Set, Tuple  # worker-only dependency (see _hands_off)

    a = gold if isinstance(gold, (Set, Tuple)) else FiniteSet(gold)
    b = pred if isinstance(pred, (Set, Tuple)) else FiniteSet(pred)
    apart = sets_apart(a, b)
    if apart:
        _APART.append((a, b))
    try:
        return _installed["sympy_compare_sets"](gold, pred, *args, **kwargs)
    finally:
        if apart:
            _APART.pop()


def _symmetric_difference(self: Any, other: Any) -> Any:
    """``A Δ B``, or for two sets ``_compare_sets`` proved different a stand-in that is not empty.

    Math-Verify asks only whether the difference ``is_empty``; sympy would answer True only for sets
    equal for every value of their symbols, which two sets apart at one point are not. So the
    answer it acts on (not True) is the same, without sympy's element-by-element complements.
    (Nothing in sympy calls this method; only ``_compare_sets``'s two sets get the stand-in.)"""
    if _APART:
        a, b = _APART[-1]
        if self == a and other == b:  # sympy's == is True at once for the same object
            from sympy import FiniteSet, S  # worker-only dependency (see _hands_off)

            return FiniteSet(S.Zero)
    return _installed["symmetric_difference"](self, other)


_INTEGER = re.compile(r"[0-9]{1,4000}\Z")
_DECIMAL = re.compile(r"[0-9]{1,4000}\.[0-9]{1,4000}\Z")


def _parse_number(self: Any, text: str) -> Any:
    """latex2sympy's number, without sympy's expression parser.

    latex2sympy hands the digits to ``sympy.Number(text)``, which parses them as Python source
    (``sympify``: tokenise, transform, ``eval``; 0.2 ms each), and ends in ``Integer(int)`` for
    digits and ``Float(text)`` for digits with a decimal point. Those two shapes get that call
    here directly (leading zeros dropped, as latex2sympy drops them); anything else goes the
    long way."""
    digits = text.replace(",", "")
    if _INTEGER.match(digits):
        from sympy import Integer  # worker-only dependency (see _hands_off)

        return Integer(int(digits))
    if _DECIMAL.match(digits):
        from sympy import Float  # worker-only dependency (see _hands_off)

        return Float(digits)
    return _installed["parse_number"](self, text)


_SOLVED: OrderedDict[tuple[Any, frozenset[Any]], tuple[bool, Any]] = OrderedDict()


def _equation_key(expr: Any, symbols: Any) -> tuple[Any, frozenset[Any]] | None:
    """``(expr, symbols)`` as a key of the per-equation caches; None when it cannot be hashed."""
    try:
        key = (expr, frozenset(symbols))
        hash(key)
    except TypeError:
        return None
    return key


def _recall(cache: OrderedDict[Any, Any], key: Any) -> Any:
    """The value kept under ``key`` (now the most recently used), or ``_MISSING``."""
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        cache.move_to_end(key)
    return value


def _keep(cache: OrderedDict[Any, Any], key: Any, value: Any, size: int) -> None:
    """Keep ``value`` under ``key``, dropping the least recently used beyond ``size`` entries."""
    cache[key] = value
    while len(cache) > size:
        cache.popitem(last=False)


_MISSING = object()


def _solve(expr: Any, symbols: Any = None, *args: Any, **kwargs: Any) -> Any:
    original = _installed["solve"]
    key = _equation_key(expr, symbols) if not args and not kwargs else None
    if key is None:
        return original(expr, symbols, *args, **kwargs)
    kept = _recall(_SOLVED, key)
    if kept is not _MISSING:
        ok, result = kept
        if not ok:
            raise result
        return result
    try:
        result = original(expr, symbols)
    except Exception as exc:
        _keep(_SOLVED, key, (False, exc), SOLVE_CACHE_SIZE)
        raise
    _keep(_SOLVED, key, (True, result), SOLVE_CACHE_SIZE)
    return result


class _Captured(Exception):
    """Stops a ``solve`` at the point where it hands the equation to ``_solve`` (see ``first_linear``)."""

    def __init__(self, call: tuple[Any, tuple[Any, ...], dict[str, Any]] | None) -> None:
        super().__init__()
        self.call = call


FIRST_LINEAR_CACHE_SIZE = 512
_FIRST: OrderedDict[tuple[Any, frozenset[Any]], tuple[Any, Any] | None] = OrderedDict()


def _capture_call(expr: Any, symbols: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]] | None:
    """The ``(f, symbols, flags)`` sympy's ``solve(expr, symbols)`` passes to ``_solve``, without solving.

    ``solve`` prepares the equation (``lhs - rhs``, rewrites, Floats to Rationals, stand-ins for
    what it cannot invert) and then, for one equation, calls ``_solve(f, *symbols, **flags)``.
    ``_solve`` and ``_solve_system`` are swapped for functions that raise, so the preparation runs
    as it would and nothing else does: a call from anywhere but this ``solve`` itself (a system, a
    helper solving something else, a ``solve`` nested in one) gives None.
    """
    import sys

    from sympy.solvers import solvers  # worker-only dependency (see _hands_off)

    solve_code, here = solvers.solve.__code__, sys._getframe(0)

    def capture(f: Any, *syms: Any, **flags: Any) -> Any:
        caller = sys._getframe(1)  # the call must come from the solve called below, not one nested in it
        direct = caller.f_code is solve_code and caller.f_back is here
        raise _Captured((f, syms, dict(flags)) if direct else None)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise _Captured(None)

    saved = solvers._solve, solvers._solve_system
    solvers._solve, solvers._solve_system = capture, refuse
    try:
        solvers.solve(expr, symbols)
    except _Captured as stop:
        return stop.call
    except Exception:  # noqa: BLE001  solve failed in its preparation: leave it to the full call
        return None
    finally:
        solvers._solve, solvers._solve_system = saved
    return None  # solve answered without calling _solve


def first_linear(expr: Any, symbols: Any) -> tuple[Any, Any] | None:
    """``(s, v)``: the one solution for ``s`` that ``solve(expr, symbols)`` is sure to return; None = unknown.

    Why: when ``_solve`` gets one equation and several symbols, it first goes through the symbols
    in order, asking ``solve_linear`` for each; the first symbol ``s`` the equation is linear in
    gives ``{s: simplify(v)}``, which is always kept, and ``s`` is never solved for again. So the
    list ``solve`` returns has exactly one dict with key ``s``, with that value, provided nothing
    after ``_solve`` changes it: no Floats (turned back from Rationals afterwards), no stand-ins
    for non-invertible parts (Dummies put back afterwards), the symbols ``solve`` was given (no
    recast or added ``re``/``im`` symbols), and a value the assumption check keeps. Under any
    other condition the answer is None. This runs the same ``solve_linear`` and ``simplify`` calls
    on the same ``f`` that ``_solve`` would run.
    """
    from sympy import Dummy, Float  # worker-only dependency (see _hands_off)
    from sympy.solvers import solvers
    from sympy.solvers.solvers import check_assumptions

    key = _equation_key(expr, symbols)
    if key is None:
        return None
    kept = _recall(_FIRST, key)
    if kept is not _MISSING:
        return kept  # type: ignore[no-any-return]
    found: tuple[Any, Any] | None = None
    call = None if expr.has(Float) else _capture_call(expr, symbols)
    if call is not None:
        f, syms, flags = call
        if (len(syms) > 1 and set(syms) == set(symbols) and not f.atoms(Dummy)
                and not any(isinstance(s, Dummy) for s in syms)):
            for s in syms:
                xi, v = solvers.solve_linear(f, symbols=[s])
                if xi == s:
                    if flags.get("simplify", True):
                        v = solvers.simplify(v)
                    if not flags.get("check", True) or check_assumptions(v, **s.assumptions0) is not False:
                        found = (s, v)
                    break
    _keep(_FIRST, key, found, FIRST_LINEAR_CACHE_SIZE)
    return found


def _solve_and_compare(gold: Any, pred: Any, float_rounding: int, numeric_precision: int) -> bool:
    """Math-Verify's ``sympy_solve_and_compare``, False at once when the first linear solutions differ.

    For two equations Math-Verify solves each for all its symbols and is True only when the two
    lists of solutions, each in order, pair up with equal keys and equal values
    (``sympy_expr_eq``). When both lists are sure to hold exactly one dict with key ``s``
    (``first_linear``), those two dicts must be the pair; if ``sympy_expr_eq`` says their values
    differ (or raises, which Math-Verify turns into False), the answer is False however the rest of
    both solves would have come out, and neither is run. Otherwise both run as before, after one
    more ``solve_linear`` and ``simplify`` for the answer (the gold's is kept per worker).
    """
    from math_verify import grader  # worker-only dependency (see _hands_off)
    from sympy import Eq

    if isinstance(gold, Eq) and isinstance(pred, Eq):
        g = first_linear(gold, gold.free_symbols)
        p = first_linear(pred, pred.free_symbols) if g is not None else None
        if g is not None and p is not None and g[0] == p[0]:
            try:
                same = grader.sympy_expr_eq(g[1], p[1], float_rounding, numeric_precision)
            except Exception:  # noqa: BLE001  raised in Math-Verify's own comparison: False there too
                same = False
            if not same:
                return False
    return _installed["sympy_solve_and_compare"](gold, pred, float_rounding, numeric_precision)  # type: ignore[no-any-return]


_PARSE_MODE = "_passk_prediction_mode"
_TAPE_SLOT = "_passk_tape_slot"
TAPE_CACHE_SIZE = 8192  # token shapes; a tape is one (decision, index, alternative) per prediction
_TAPES: OrderedDict[tuple[tuple[int, int], ...], tuple[tuple[int, int, int], ...]] = OrderedDict()


class _Diverged(Exception):
    """A replayed parse asked for another prediction than the tape holds: parse afresh.

    Not an ANTLR ``RecognitionException``, so the generated parser's error recovery never sees it.
    """


class _Recorder:
    """Stands in for the parser's ATN simulator: predicts as it does and writes each prediction down."""

    def __init__(self, interp: Any) -> None:
        self.interp = interp
        self.tape: list[tuple[int, int, int]] = []

    def adaptivePredict(self, input: Any, decision: int, outerContext: Any) -> int:  # noqa: N802, A002  ANTLR's names
        index = input.index
        alt = self.interp.adaptivePredict(input, decision, outerContext)
        self.tape.append((decision, index, alt))
        return alt

    def __getattr__(self, name: str) -> Any:
        return getattr(self.interp, name)


class _Player:
    """Stands in for the parser's ATN simulator: answers each prediction from a recorded tape."""

    def __init__(self, interp: Any, tape: tuple[tuple[int, int, int], ...]) -> None:
        self.interp = interp
        self.tape = tape
        self.pos = 0

    def adaptivePredict(self, input: Any, decision: int, outerContext: Any) -> int:  # noqa: N802, A002  ANTLR's names
        if self.pos >= len(self.tape):
            raise _Diverged
        recorded, index, alt = self.tape[self.pos]
        if recorded != decision or index != input.index:
            raise _Diverged
        self.pos += 1
        return alt

    def __getattr__(self, name: str) -> Any:
        return getattr(self.interp, name)


class _TapeSlot:
    """One string's parse: whether a tape may be replayed, and the shape it was filed under."""

    def __init__(self) -> None:
        self.replay = True
        self.key: tuple[tuple[int, int], ...] | None = None

    def attach(self, parser: Any) -> None:
        """Lex the whole string, then replay its shape's tape or record one (see the module docstring)."""
        stream = parser.getTokenStream()
        stream.fill()  # a lexer error raises here, as it would have during the parse
        key = tuple((t.type, t.channel) for t in stream.tokens)
        self.key = key
        tape = _TAPES.get(key) if self.replay else None
        interp = parser._interp
        stand_in: _Player | _Recorder = _Player(interp, tape) if tape is not None else _Recorder(interp)
        parser._interp = stand_in
        parse_math = parser.math

        def math() -> Any:
            tree = parse_math()  # returns only when the parse met no syntax error (the listener raises)
            parser._interp = interp
            if isinstance(stand_in, _Player):
                if stand_in.pos != len(stand_in.tape):
                    raise _Diverged
                _TAPES.move_to_end(key)
            else:
                _keep(_TAPES, key, tuple(stand_in.tape), TAPE_CACHE_SIZE)
            return tree

        parser.math = math


def _create_parser(self: Any, latex_str: str) -> Any:
    parser = _installed["create_parser"](self, latex_str)
    mode = getattr(self, _PARSE_MODE, None)
    if mode is not None:
        parser._interp.predictionMode = mode
    slot = getattr(self, _TAPE_SLOT, None)
    if slot is not None:
        slot.attach(parser)
    return parser


def _parse_in(self: Any, latex_str: str, mode: Any) -> Any:
    previous = getattr(self, _PARSE_MODE, None)
    setattr(self, _PARSE_MODE, mode)
    try:
        return _installed["parse"](self, latex_str)
    finally:
        setattr(self, _PARSE_MODE, previous)


def _two_stage_parse(self: Any, latex_str: str) -> Any:
    from antlr4.atn.PredictionMode import PredictionMode  # worker-only dependency (see _hands_off)

    previous = getattr(self, _TAPE_SLOT, None)
    slot = _TapeSlot()
    setattr(self, _TAPE_SLOT, slot)
    try:
        for attempt in range(2):
            try:
                try:
                    return _parse_in(self, latex_str, PredictionMode.SLL)
                except _Diverged:
                    raise
                except Exception:  # noqa: BLE001  a syntax error in SLL mode, or any failure: parse as latex2sympy does
                    return _parse_in(self, latex_str, PredictionMode.LL)
            except _Diverged:
                if attempt:
                    raise RuntimeError("a parse without replay asked for a replay") from None  # pragma: no cover
                _TAPES.pop(slot.key, None)  # type: ignore[arg-type]
                slot.replay = False
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        setattr(self, _TAPE_SLOT, previous)


PARSE_CACHE_SIZE = 8192  # Math-Verify keeps 20 parsed strings; a run's answers recur across problems


@functools.cache
def _bigger_cache(function: Callable[..., Any]) -> Callable[..., Any]:
    """The same pure function behind a larger LRU cache (``function`` is an ``lru_cache`` wrapper)."""
    return functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(function.__wrapped__)  # type: ignore[attr-defined]


def _targets() -> list[tuple[Any, str, Callable[..., Any]]]:
    """(owner, attribute, wrapper) of every function ``install`` replaces."""
    from latex2sympy2_extended import latex2sympy2  # worker-only dependencies (see _hands_off)
    from math_verify import grader
    from math_verify import parser as mv_parser

    from sympy.sets import sets

    parser_class = getattr(latex2sympy2, "_Latex2Sympy", None)
    out: list[tuple[Any, str, Callable[..., Any]]] = [(grader, "sympy_symbolic_eq", _symbolic_eq), (grader, "solve", _solve),
                                                      (grader, "sympy_solve_and_compare", _solve_and_compare),
                                                      (grader, "sympy_compare_sets", _compare_sets),
                                                      (sets.Set, "symmetric_difference", _symmetric_difference)]
    if parser_class is not None:
        out += [(parser_class, "create_parser", _create_parser), (parser_class, "parse", _two_stage_parse),
                (parser_class, "parse_number", _parse_number)]
    for name in ("parse_latex_cached", "parse_expr_cached"):
        cached = _installed.get(name) or getattr(mv_parser, name, None)
        if cached is not None and hasattr(cached, "__wrapped__"):
            out.append((mv_parser, name, _bigger_cache(cached)))
    return out


def install() -> None:
    """Wrap Math-Verify's slow steps in this process (idempotent; see the module docstring)."""
    for owner, name, wrapper in _targets():
        current = getattr(owner, name, None)
        if current is None or current is wrapper or name in _installed:
            continue
        _installed[name] = current
        setattr(owner, name, wrapper)


def uninstall() -> None:
    """Restore the original functions (tests compare the two)."""
    for owner, name, _ in _targets():
        if name in _installed:
            setattr(owner, name, _installed.pop(name))
    _SOLVED.clear()
    _FIRST.clear()
    _TAPES.clear()


def installed() -> list[str]:
    """The names ``install`` has wrapped in this process."""
    return sorted(_installed)
