"""Run one LiveCodeBench program against all its tests in one process (runs INSIDE the sandbox).

Shipped into the sandbox as a file and run as ``python3 harness_lcb.py`` with the job file
``job.json`` beside it. Stdlib only, importable without site-packages: it must run on whatever
interpreter the sandbox offers.

Semantics follow LiveCodeBench's ``lcb_runner/evaluation/testing_util.py``:

- The same wildcard imports that LCB prepends (``string``, ``re``, ``collections``, ``heapq``,
  ``typing`` ...) are in the program's namespace, ``sys.setrecursionlimit(50000)`` and
  ``sys.set_int_max_str_digits(50000)`` are set.
- **stdin problems**: the program runs once per test as ``__main__`` (so a trailing
  ``if __name__ == '__main__':`` runs, like LCB's ``clean_if_name``), ``SystemExit`` is swallowed,
  and what it printed is compared line by line as LCB does (whole text stripped, split on
  ``\\n``, lines stripped, same line count, each line equal as text or as a list of ``Decimal``).
  Unlike LCB's mocks, fd 0 and fd 1 are *real files* holding the test input / receiving the output,
  so ``sys.stdin.buffer`` (``read``, ``readline``, iteration), ``open(0)``, ``os.read(0, n)``,
  ``input()``, ``sys.stdout.buffer.write`` and ``os.write(1, ...)`` all behave as on a judge.
  Threads the program started are joined (a real interpreter waits for them at exit).
- **call-based problems**: the code is executed once (under the time limit), ``Solution()`` is
  instantiated when the text contains ``class Solution``, the method ``fn_name`` is called per
  test with the arguments ``json.loads``-ed from the test's input lines; a tuple result becomes a
  list; the result must ``==`` the ``json.loads``-ed expected output (no float tolerance).
- Each test has its own wall-clock limit (a float, ``setitimer``); a C-level call that never
  returns to the interpreter is ended by ``faulthandler``'s watchdog thread, which needs no GIL
  and exits the process. The first failing test ends the run (as LCB does).

Positive proof: the verdict is written to ``verdict.json`` only after the last test, with a
per-run nonce read from the job file (deleted before any program code runs) and the result of
every test. A program that exits early (``os._exit``, a crash, a kill) leaves no verdict, and the
parent counts that as a failure. The harness also swaps ``sys.modules['__main__']`` for the
program's own module so ``import __main__`` cannot reach the harness.
"""

import faulthandler
import io
import json
import os
import signal
import sys
import threading
import time
import types
from decimal import Decimal, InvalidOperation

LCB_IMPORTS = (
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\n"
    "from heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\n"
    "from random import *\nfrom statistics import *\nfrom itertools import *\nfrom functools import *\n"
    "from operator import *\nfrom io import *\nfrom sys import *\nfrom json import *\n"
    "from builtins import *\nfrom typing import *\nimport string\nimport re\nimport datetime\n"
    "import collections\nimport heapq\nimport bisect\nimport copy\nimport math\nimport random\n"
    "import statistics\nimport itertools\nimport functools\nimport operator\nimport io\nimport sys\n"
    "import json\n"
)
RECURSION_LIMIT = 50000
INT_DIGITS = 50000
WATCHDOG_GRACE = 1.5  # seconds past the per-test limit before the GIL-free watchdog exits the process

PASS, WRONG, TIMEOUT, RUNTIME, MEMORY = True, -2, -3, -4, -5  # LCB's result codes; -5 = MemoryError here


class _TestTimeout(BaseException):
    """Raised by the alarm; a BaseException so ``except Exception`` in the program does not swallow it."""


def _tokens_equal(got, want):
    """LCB's per-line rule: equal text, or equal lists of Decimals (exact, no tolerance)."""
    try:
        a = [Decimal(x) for x in got.split()]
        b = [Decimal(x) for x in want.split()]
    except (InvalidOperation, ValueError):
        return False
    return a == b


def compare_stdout(got, want):
    """True when ``got`` matches ``want`` by LCB's stdin rule (see module docstring)."""
    got_lines = [line.strip() for line in got.strip().split("\n")]
    want_lines = [line.strip() for line in want.strip().split("\n")]
    if len(got_lines) != len(want_lines):
        return False
    for g, w in zip(got_lines, want_lines):
        if g != w and not _tokens_equal(g, w):
            return False
    return True


def _short(text, limit=300):
    text = text if isinstance(text, str) else repr(text)
    return text if len(text) <= limit else text[: limit // 2] + "...(truncated)..." + text[-limit // 2 :]


def _install_fd(path, flags, target):
    """Open ``path`` as fd ``target`` (the program may have closed ``target``, so ``open`` can return it)."""
    fd = os.open(path, flags, 0o600)
    if fd != target:
        os.dup2(fd, target)
        os.close(fd)


class _Runner:
    """Owns the real fds 0/1, the alarm, and a fresh ``__main__`` module per program run."""

    def __init__(self, timeout):
        self.timeout = float(timeout)
        self.armed = False
        self.base_ns = {"__builtins__": __builtins__}
        exec(compile(LCB_IMPORTS, "<lcb-imports>", "exec"), self.base_ns)
        self.in_path = os.path.abspath("_lcb_stdin")
        self.out_path = os.path.abspath("_lcb_stdout")
        signal.signal(signal.SIGALRM, self._on_alarm)
        if hasattr(signal, "SIGXFSZ"):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized output raises EFBIG, not a kill
        self.stdin_file = None
        self.stdout_file = None

    def _on_alarm(self, signum, frame):
        if self.armed:
            raise _TestTimeout()

    def arm(self):
        self.armed = True
        # Re-fire every 0.2 s so a program that swallows one alarm with a bare except is interrupted again.
        signal.setitimer(signal.ITIMER_REAL, self.timeout, 0.2)
        faulthandler.dump_traceback_later(self.timeout + WATCHDOG_GRACE, exit=True)

    def disarm(self):
        self.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()

    def redirect(self, stdin_text):
        """Point fd 0 at a file holding ``stdin_text`` and fd 1 at an empty file; rebuild sys streams."""
        with open(self.in_path, "wb") as fh:
            fh.write(stdin_text.encode("utf-8"))
        _install_fd(self.in_path, os.O_RDONLY, 0)
        _install_fd(self.out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 1)
        # newline="\n" as CPython's POSIX stdin: "\r" is kept, as LCB's StringIO keeps it.
        sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "rb", closefd=False)), encoding="utf-8", newline="\n")
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "wb", closefd=False)), encoding="utf-8", newline="\n")
        sys.__stdin__, sys.__stdout__ = sys.stdin, sys.stdout
        self.stdout_file = sys.stdout

    def collect_stdout(self):
        # Flush the stream we installed and whatever the program left in sys.stdout (as exit would).
        for stream in (sys.stdout, self.stdout_file):
            try:
                stream.flush()
            except (AttributeError, ValueError, OSError):
                pass  # closed by the program (its data was flushed on close) or the file limit was hit
        with open(self.out_path, "rb") as fh:
            return fh.read().decode("utf-8", errors="replace")

    def fresh_main(self):
        """A new ``__main__`` module with LCB's imports, installed in ``sys.modules``."""
        module = types.ModuleType("__main__")
        module.__dict__.update(self.base_ns)
        module.__dict__.update({"__name__": "__main__", "stdin": sys.stdin, "stdout": sys.stdout, "stderr": sys.stderr})
        sys.modules["__main__"] = module
        sys.setrecursionlimit(RECURSION_LIMIT)
        return module

    def join_threads(self, before, deadline):
        """Wait (within the limit) for non-daemon threads the program started, as interpreter exit would."""
        for t in threading.enumerate():
            if t in before or t.daemon or t is threading.current_thread():
                continue
            while t.is_alive():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _TestTimeout()
                t.join(min(remaining, 0.05))


def _classify(exc):
    if isinstance(exc, _TestTimeout):
        return TIMEOUT, "Time Limit Exceeded"
    if isinstance(exc, MemoryError):
        return MEMORY, "MemoryError"
    return RUNTIME, f"{type(exc).__name__}: {_short(str(exc))}"


def run_stdin(runner, code, inputs, outputs):
    """Run a stdin/stdout program on each test; returns (results, detail)."""
    try:
        compiled = compile(code, "<solution>", "exec")
    except (SyntaxError, ValueError) as exc:
        return [RUNTIME], f"compile error: {type(exc).__name__}: {_short(str(exc))}"
    results = []
    for idx, (inp, want) in enumerate(zip(inputs, outputs)):
        runner.redirect(inp)
        module = runner.fresh_main()
        before = set(threading.enumerate())
        code_result = None
        detail = ""
        try:
            try:
                runner.arm()
                deadline = time.monotonic() + runner.timeout
                try:
                    exec(compiled, module.__dict__)
                except SystemExit:
                    pass
                runner.join_threads(before, deadline)
            finally:
                runner.disarm()
        except BaseException as exc:  # noqa: BLE001 - the program may raise anything
            code_result, detail = _classify(exc)
        if code_result is None:
            got = runner.collect_stdout()
            if compare_stdout(got, want):
                code_result = PASS
            else:
                code_result, detail = WRONG, f"wrong answer: got {_short(got)!r}, expected {_short(want)!r}"
        results.append(code_result)
        if code_result is not PASS:
            return results, f"test {idx}: {detail}"
    return results, ""


def run_call(runner, code, inputs, outputs, fn_name):
    """Run a call-based (LeetCode) program on each test; returns (results, detail)."""
    try:
        args_list = [[json.loads(line) for line in inp.split("\n")] for inp in inputs]
        expected = [json.loads(out) for out in outputs]
    except ValueError as exc:
        return [RUNTIME], f"test data not JSON: {exc}"
    runner.redirect("")
    module = runner.fresh_main()
    try:
        try:
            runner.arm()
            exec(compile(code, "<solution>", "exec"), module.__dict__)
            target = module.__dict__["Solution"]() if "class Solution" in code else module
            method = getattr(target, fn_name)
        finally:
            runner.disarm()
    except BaseException as exc:  # noqa: BLE001
        code_result, detail = _classify(exc)
        if isinstance(exc, (SyntaxError, AttributeError, KeyError)):
            detail = f"compile error: {detail}"
        return [code_result], detail
    results = []
    for idx, (args, want) in enumerate(zip(args_list, expected)):
        code_result, detail = None, ""
        try:
            try:
                runner.arm()
                got = method(*args)
            finally:
                runner.disarm()
            if isinstance(got, tuple):
                got = list(got)
            ok = bool(got == want)
        except BaseException as exc:  # noqa: BLE001
            code_result, detail = _classify(exc)
        if code_result is None:
            code_result = PASS if ok else WRONG
            if not ok:
                detail = f"wrong answer: got {_short(repr(got))}, expected {_short(repr(want))}"
        results.append(code_result)
        if code_result is not PASS:
            return results, f"test {idx}: {detail}"
    return results, ""


def main():
    """Read job.json, delete it, run the tests, write verdict.json last (atomically)."""
    with open("job.json", encoding="utf-8") as fh:
        job = json.load(fh)
    os.unlink("job.json")
    nonce = job.pop("nonce")
    verdict_path = os.path.abspath("verdict.json")
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(INT_DIGITS)
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = 512 << 20
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_STACK, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))
    except (ImportError, ValueError, OSError):
        pass
    runner = _Runner(job["timeout"])
    inputs, outputs, fn_name = job["inputs"], job["outputs"], job.get("fn_name")
    started = time.monotonic()
    if fn_name:
        results, detail = run_call(runner, job["code"], inputs, outputs, fn_name)
    else:
        results, detail = run_stdin(runner, job["code"], inputs, outputs)
    verdict = {
        "nonce": nonce,
        "n_tests": len(inputs),
        "results": results,
        "detail": detail,
        "seconds": round(time.monotonic() - started, 4),
    }
    tmp = verdict_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(verdict, fh)
    os.replace(tmp, verdict_path)
    os._exit(0)  # skip interpreter shutdown: leftover program threads must not delay or alter the exit


if __name__ == "__main__":
    main()
