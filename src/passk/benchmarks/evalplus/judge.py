"""The judge of a HumanEval+/MBPP+ program, outside the sandbox: each output the program sent back
against the expected one, with evalplus 0.3.1's comparison computed by this process's own code.

Why outside: a judge in the program's interpreter (evalplus's, and this project's before) can be
reached by the program — its frames, ``gc``, builtins, ``json``, ``math.pow`` — and made to report a
pass. Here the program only ever sends values (``passk.sandbox.wire``, bounded), and a pass means
that this judge saw the right output for every test. Expected outputs never enter the sandbox.

Comparison (evalplus ``unsafe_execute``): exact ``==``; the MBPP/HumanEval special oracles (set
equality for 8 MBPP tasks, ``find_zero``'s ``|poly(x)| <= atol`` computed here, …); ``atol``
forced to 1e-6 once a float expected output is seen (reset at ``plus_start``: evalplus checks base
and plus in separate calls); then ``type(out) == type(exp)``, equal lengths and
``allclose(rtol=1e-7, atol)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from passk.sandbox import wire
from passk.sandbox.session import Ended, Judge, OutputJudge

# What the harness writes around an output's encoding when the value is plain data as is:
# ``{"o":<encoding>,"k":0}`` (``wire.message_pieces``).
LINE_HEAD, LINE_TAIL = b'{"o":', b',"k":0}'
MBPP_OUTPUT_NOT_NONE_TASKS = ("check_str", "text_match_three", "text_starta_endb")
MBPP_OUTPUT_SET_EQ_TASKS = (
    "similar_elements",
    "find_char_long",
    "common_in_nested_lists",
    "extract_singly",
    "larg_nnum",
    "intersection_array",
    "find_dissimilar",
    "Diff",
)


class Outcome(NamedTuple):
    """A program's verdict on one problem: its status, a detail, and whether its base tests all
    passed (evalplus's base inputs: HumanEval/MBPP as opposed to their "+" versions)."""

    status: str
    detail: str
    base_passed: bool | None


NO_CODE = Outcome("no_answer", "no code could be extracted from the completion", False)


def is_floats(x: Any) -> bool:
    """evalplus's ``is_floats``: a float, or a non-empty list/tuple of floats."""
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(isinstance(i, float) for i in x)
    return False


def has_nan(x: Any) -> bool:
    """Whether a NaN is anywhere in plain data ``x``. Such an output is never judged by its bytes:
    two identical encodings of a NaN are not equal outputs for evalplus (``nan != nan``)."""
    t = type(x)
    if t is float:
        return x != x
    if t is complex:
        return x != x
    if t in (list, tuple, set, frozenset):
        types = set(map(type, x))
        if types <= {int, bool, str, type(None)}:
            return False
        if types <= {float, int}:
            try:
                return any(map(math.isnan, x))
            except OverflowError:  # an int beyond a double's range
                pass
        return any(map(has_nan, x))
    if t is dict:
        return any(map(has_nan, x)) or any(map(has_nan, x.values()))
    return False


def output_facts(encoded: Any) -> tuple[str, bool, bool]:
    """What the judge keeps of one expected output (``passk.sandbox.wire`` encoding): its JSON text
    as ``wire.dumps`` writes it (what a correct program's line holds), evalplus's ``is_floats`` of
    it, and whether a NaN is in it. Decoding it checks that it reads back (``WireError`` if not).
    One place for the recording, the writer of old-format files and hand-made ground truths."""
    value = wire.decode(encoded)
    return wire.dumps(encoded), is_floats(value), has_nan(value)


class ExpectedOutputs(Sequence[Any]):
    """Expected outputs kept as their wire encoding's JSON text (bytes), decoded on first access.

    Why: a correct program's output is recognised by its bytes (``CheckJudge.accepts_bytes``), so
    most expected outputs are never needed as values; decoding all of them took a HumanEval+ verify
    job 1.6 CPU s before its first program ran."""

    def __init__(self, texts: Sequence[bytes]) -> None:
        self.texts = texts
        self._values: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, i: int) -> Any:  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self.texts)
        if i not in self._values:
            self._values[i] = wire.decode(json.loads(self.texts[i]))
        return self._values[i]

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def _allclose(out: Any, exp: Any, atol: float, rtol: float = 1e-07) -> bool:
    """``np.allclose(out, exp, rtol, atol)`` for numbers and flat sequences; numpy for the rest."""

    def num(v: Any) -> bool:
        return type(v) in (int, float, bool)

    if num(out) and num(exp):
        return bool(abs(out - exp) <= atol + rtol * abs(exp))
    if isinstance(out, (list, tuple)) and isinstance(exp, (list, tuple)) and len(out) == len(exp):
        if all(num(a) for a in out) and all(num(b) for b in exp):
            return all(abs(a - b) <= atol + rtol * abs(b) for a, b in zip(out, exp))
    import numpy as np  # same semantics (broadcasting, nested) as evalplus in the rare remaining cases

    return bool(np.allclose(out, exp, rtol=rtol, atol=atol))


def _poly(xs: list[Any], x: Any) -> Any:
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))


def _surface_area(base_edge: Any, height: Any) -> Any:
    slant = math.sqrt((base_edge / 2) ** 2 + height**2)
    return round(base_edge**2 + 4 * (base_edge * slant) / 2)


def _digit_distance(a: Any, b: Any) -> int:
    sa, sb = str(a), str(b)
    n = max(len(sa), len(sb))
    return sum(abs(int(x) - int(y)) for x, y in zip(sa.zfill(n), sb.zfill(n)))


class Checker:
    """evalplus's per-test comparison, with ``atol`` carried across tests as evalplus does."""

    def __init__(self, dataset: str, entry_point: str, atol: float) -> None:
        self.dataset = dataset
        self.entry_point = entry_point
        self.atol = atol

    def check(self, out: Any, exp: Any, inp: Any, foreign_type: bool = False) -> bool:
        """True when the output (plain data; ``foreign_type``: the program's value was of another
        class than its plain form, e.g. a numpy scalar) is accepted for input ``inp``."""
        ep = self.entry_point
        if self.dataset == "mbpp" and ep in MBPP_OUTPUT_NOT_NONE_TASKS:
            return type(out) is bool and out == exp  # the harness sent the bool, or "is not None"
        exact = out == exp
        if self.dataset == "mbpp":
            if ep == "are_equivalent":
                exact = True
            elif ep == "sum_div":
                exact = exact or out == 0
            elif ep == "surface_Area":
                exact = exact or abs(out - _surface_area(*inp)) <= self.atol
            elif ep == "digit_distance_nums":
                exact = exact or out == _digit_distance(*inp)
            elif ep in MBPP_OUTPUT_SET_EQ_TASKS:
                exact = set(out) == set(exp)
        if self.dataset == "humaneval" and ep == "find_zero":
            return bool(abs(_poly(*inp, out)) <= self.atol)
        if self.atol == 0 and is_floats(exp):
            self.atol = 1e-6
        if not exact and self.atol != 0:
            if foreign_type or type(out) is not type(exp):
                return False
            if isinstance(exp, (list, tuple)) and len(out) != len(exp):
                return False
            return _allclose(out, exp, self.atol)
        return bool(exact)


class CheckJudge(OutputJudge):
    """One program's judge in check mode: the first wrong output decides, all right outputs pass."""

    def __init__(self, dataset: str, entry_point: str, atol: float, inputs: list[Any], expected: Sequence[Any],
                 labels: list[str], plus_start: int, line_cap: int, texts: Sequence[bytes] | None = None,
                 float_expected: Sequence[bool] | None = None, by_bytes: Sequence[bool] | None = None) -> None:
        self.checker = Checker(dataset, entry_point, atol)
        # An output whose line is byte for byte the line of the expected output (``texts``: each
        # expected output's encoding) is equal to it: passed unparsed, not for the tasks whose
        # oracle is not equality, nor for outputs ``by_bytes`` excludes (a NaN in them).
        special = entry_point in MBPP_OUTPUT_SET_EQ_TASKS or entry_point in MBPP_OUTPUT_NOT_NONE_TASKS or entry_point in (
            "are_equivalent", "sum_div", "surface_Area", "digit_distance_nums", "find_zero")
        self.texts = None if special else texts
        self.by_bytes = by_bytes
        self.float_expected = float_expected
        self.atol = atol
        self.inputs = inputs
        self.expected = expected
        self.labels = labels
        self.plus_start = plus_start
        self.line_cap = line_cap
        self.n = len(inputs)
        self.passed = 0
        self.ready = False
        self.outcome: Outcome | None = None

    def _label(self, i: int) -> str:
        return self.labels[i] if 0 <= i < self.n else "loading the program"

    def fail(self, status: str, i: int, detail: str) -> bool:
        self.outcome = Outcome(status, f"{self._label(i)}: {detail}"[:1000], i >= self.plus_start)
        return True

    def _identical(self, i: int) -> None:
        """Test ``i``'s output was the expected one exactly as recorded: passed, with evalplus's atol
        bookkeeping as if it had been compared."""
        if self.checker.atol == 0 and (self.float_expected[i] if self.float_expected else is_floats(self.expected[i])):
            self.checker.atol = 1e-6
        self.passed += 1

    def accepts_bytes(self, k: int, payload: bytes) -> bool:
        i = k - 1
        if self.texts is None or not self.ready or not 0 <= i < self.n or (self.by_bytes is not None and not self.by_bytes[i]):
            return False
        text = self.texts[i]
        if (len(payload) != len(LINE_HEAD) + len(text) + len(LINE_TAIL) or not payload.startswith(text, len(LINE_HEAD))
                or not payload.startswith(LINE_HEAD) or not payload.endswith(LINE_TAIL)):
            return False
        if i == self.plus_start:
            self.checker.atol = self.atol
        self._identical(i)
        return True

    def output(self, i: int, message: dict[str, Any]) -> bool:
        if i >= self.n or set(message) - {"o", "k"} or "o" not in message or message.get("k", 0) not in (0, 1):
            return self.fail("wrong", i, "unexpected message")
        if i == self.plus_start:
            self.checker.atol = self.atol  # evalplus checks plus in a fresh call: the forced 1e-6 does not carry over
        value = wire.decode(message["o"])
        try:
            ok = self.checker.check(value, self.expected[i], self.inputs[i], bool(message.get("k")))
        except (AssertionError, TypeError, ValueError, ArithmeticError, OverflowError) as exc:
            return self.fail("wrong", i, f"{type(exc).__name__} comparing the output: {str(exc)[:200]}")
        if not ok:
            return self.fail("wrong", i, f"got {_short(value)}, expected {_short(self.expected[i])}")
        self.passed += 1
        return False

    def end(self, ended: Ended) -> Outcome:
        if self.outcome is not None:
            return self.outcome
        if self.passed == self.n and self.ready:
            return Outcome("correct", "", True)
        i = self.passed if self.ready else -1
        if ended.oom or ended.killed == "memory":
            return Outcome("memory", f"{self._label(i)}: memory limit exceeded", i >= self.plus_start)
        if ended.killed == "timeout":
            return Outcome("timeout", f"{self._label(i)}: exceeded its time limit", i >= self.plus_start)
        if ended.killed == "output":
            return Outcome("runtime_error", f"{self._label(i)}: sent back more than the output cap", i >= self.plus_start)
        if ended.killed == "processes":
            return Outcome("runtime_error", f"{self._label(i)}: more processes and threads than the cap", i >= self.plus_start)
        how = f"killed by signal {ended.signal}" if ended.signal else f"exit code {ended.exit}"
        return Outcome("runtime_error", f"{self._label(i)}: the program ended before finishing its tests ({how})", i >= self.plus_start)


class RecordJudge(Judge):
    """The ground truth's "judge": keeps every output (still encoded) and runtime of the canonical."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.outputs: list[Any] = []
        self.texts: list[str] = []  # each output's encoding as JSON text (``wire.dumps``): what a correct program's line holds
        self.sizes: list[int] = []  # bytes of each output as sent: the judge's caps on a program's outputs follow them
        self.floats: list[bool] = []  # evalplus's ``is_floats`` of each output (it sets atol)
        self.nans: list[bool] = []  # a NaN in the output (``has_nan``)
        self.times: list[float] = []
        self.ready = False
        self.error = ""
        self.memory = False  # the error was a MemoryError: the canonical solution exceeded the memory limit
        self.ended: Ended | None = None

    def line(self, k: int, message: dict[str, Any] | None, error: str | None) -> bool:
        if message is None:
            self.error = f"unreadable output ({error})"
            return True
        if "x" in message:
            self.error = str(message.get("d") or message.get("x"))[:800]
            self.memory = message.get("x") == "MemoryError"
            return True
        if k == 0:
            self.ready = message == {"r": 1}
            return not self.ready
        if "o" not in message or type(message.get("s")) not in (int, float):
            self.error = "unexpected message"
            return True
        text, floats, nan = output_facts(message["o"])  # decoded: it must read back
        self.outputs.append(message["o"])
        self.texts.append(text)
        self.sizes.append(len(text))
        self.floats.append(floats)
        self.nans.append(nan)
        self.times.append(float(message["s"]))
        return False

    def unjudgeable(self, k: int, why: str) -> None:
        self.error = f"output unreadable ({why})"

    def end(self, ended: Ended) -> RecordJudge:
        self.ended = ended
        return self


def _short(x: Any, n: int = 300) -> str:
    r = repr(x)
    return r if len(r) <= n else r[:n] + "..."
