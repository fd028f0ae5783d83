"""The judge of a LiveCodeBench program, outside the sandbox: each output the program sent back
against the expected one, by LiveCodeBench's rules, computed by this process's own code.

Rules (``lcb_runner/evaluation/testing_util.py``): stdin problems compare what was printed — the
whole text stripped, split on ``\\n``, lines stripped, the same number of lines, each line equal
as text or as a list of ``Decimal`` tokens (exact, no tolerance); call-based problems compare the
returned value (a tuple made a list in the sandbox) with ``==`` against the ``json.loads``-ed
expected output. The first wrong output decides; a pass means the judge saw every output right.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from passk.sandbox import wire
from passk.sandbox.session import Ended, OutputJudge


class Outcome(NamedTuple):
    """A program's verdict on one problem: its status and a detail."""

    status: str
    detail: str


def _tokens_equal(got: str, want: str) -> bool:
    """LCB's per-line rule: equal text, or equal lists of Decimals (exact, no tolerance)."""
    try:
        a = [Decimal(x) for x in got.split()]
        b = [Decimal(x) for x in want.split()]
    except (InvalidOperation, ValueError):
        return False
    return a == b


def compare_stdout(got: str, want: str) -> bool:
    """True when ``got`` matches ``want`` by LCB's stdin rule (see module docstring)."""
    got_lines = [line.strip() for line in got.strip().split("\n")]
    want_lines = [line.strip() for line in want.strip().split("\n")]
    if len(got_lines) != len(want_lines):
        return False
    for g, w in zip(got_lines, want_lines):
        if g != w and not _tokens_equal(g, w):
            return False
    return True


def _short(text: Any, limit: int = 300) -> str:
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= limit else text[: limit // 2] + "...(truncated)..." + text[-limit // 2 :]


class LcbJudge(OutputJudge):
    """One program's judge: ``expected`` are the outputs as text (stdin) or as values (call-based)."""

    UNPLAIN = "wrong answer: not plain data ({})"

    def __init__(self, expected: list[Any], call_based: bool) -> None:
        self.expected = expected
        self.call_based = call_based
        self.n = len(expected)
        self.passed = 0
        self.ready = False
        self.outcome: Outcome | None = None

    def fail(self, status: str, i: int, detail: str) -> bool:
        where = f"test {i}" if i >= 0 else "loading the program"
        self.outcome = Outcome(status, f"{where}: {detail}"[:1000])
        return True

    def output(self, i: int, message: dict[str, Any]) -> bool:
        if i >= self.n or set(message) != {"o"}:
            return self.fail("wrong", i, "unexpected message")
        want = self.expected[i]
        if self.call_based:
            got = wire.decode(message["o"])
            ok = bool(got == want)
        else:
            got = message["o"]
            if type(got) is not str:
                return self.fail("wrong", i, "unexpected message")
            ok = compare_stdout(got, want)
        if not ok:
            return self.fail("wrong", i, f"wrong answer: got {_short(got)!r}, expected {_short(want)!r}")
        self.passed += 1
        return False

    def end(self, ended: Ended) -> Outcome:
        if self.outcome is not None:
            return self.outcome
        if self.ready and self.passed == self.n:
            return Outcome("correct", f"{self.n} tests passed")
        i = self.passed if self.ready else -1
        where = f"test {i}" if i >= 0 else "loading the program"
        if ended.oom or ended.killed == "memory":
            return Outcome("memory", f"{where}: memory limit exceeded")
        if ended.killed == "timeout":
            return Outcome("timeout", f"{where}: Time Limit Exceeded")
        if ended.killed == "output":
            return Outcome("runtime_error", f"{where}: sent back more than the output cap")
        if ended.killed == "processes":
            return Outcome("runtime_error", f"{where}: more processes and threads than the cap")
        how = f"signal {ended.signal}" if ended.signal else f"exit code {ended.exit}"
        return Outcome("runtime_error", f"{where}: the program ended the process before its tests were done ({how})")
