"""The in-sandbox side of a LiveCodeBench program: run it on each test's input and send back what it
printed or returned. It judges nothing.

Loaded by the fork server (``passk.sandbox.forkserver``) inside the sandbox; stdlib only. The task
holds the test inputs and ``fn_name``, never the expected outputs: the judge
(``passk.benchmarks.livecodebench.judge``) compares outside the sandbox with LiveCodeBench's rules,
and the server stops the program at the judge's word after its first wrong output, or at a
test's time limit by its own clock.

Semantics follow LiveCodeBench's ``lcb_runner/evaluation/testing_util.py``:

- The same wildcard imports that LCB prepends (``string``, ``re``, ``collections``, ``heapq``,
  ``typing`` ...) are in the program's namespace, ``sys.setrecursionlimit(50000)`` and
  ``sys.set_int_max_str_digits(50000)`` are set.
- **stdin problems**: the program runs once per test as ``__main__`` (so a trailing
  ``if __name__ == '__main__':`` runs, like LCB's ``clean_if_name``), ``SystemExit`` is swallowed,
  and what it printed is sent back. Unlike LCB's mocks, fd 0 and fd 1 are *real files* holding the
  test input / receiving the output, so ``sys.stdin.buffer`` (``read``, ``readline``, iteration),
  ``open(0)``, ``os.read(0, n)``, ``input()``, ``sys.stdout.buffer.write`` and ``os.write(1, ...)``
  all behave as on a judge. Threads the program started are joined (a real interpreter waits for
  them at exit).
- **call-based problems**: the code is executed once, ``Solution()`` is instantiated when the text
  contains ``class Solution``, the method ``fn_name`` is called per test with the arguments
  ``json.loads``-ed from the test's input lines; a tuple result becomes a list and is sent back as
  plain data.

Lines sent: ``{"r": 1}`` once the program compiled (stdin) or loaded (call-based), then per test
``{"o": printed text}`` or ``{"o": returned value}``; ``{"x": exception name, "d": detail}``
when the program raised (and nothing after).
"""

import importlib.util
import io
import json
import os
import sys
import threading
import types

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
    """Owns the real fds 0/1 and a fresh ``__main__`` module per program run."""

    def __init__(self):
        self.base_ns = {"__builtins__": __builtins__}
        exec(compile(LCB_IMPORTS, "<lcb-imports>", "exec"), self.base_ns)
        self.in_path = os.path.abspath("_lcb_stdin")
        self.out_path = os.path.abspath("_lcb_stdout")
        self.stdout_file = None

    def redirect(self, stdin_text):
        """Point fd 0 at a file holding ``stdin_text`` and fd 1 at an empty file; rebuild sys streams."""
        with open(self.in_path, "wb") as fh:
            fh.write(stdin_text.encode("utf-8", "surrogatepass"))
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

    @staticmethod
    def join_threads(before):
        """Wait for non-daemon threads the program started, as interpreter exit would (the server's
        clock bounds the wait)."""
        for t in threading.enumerate():
            if t in before or t.daemon or t is threading.current_thread():
                continue
            t.join()


def _failure(exc):
    return {"x": type(exc).__name__, "d": f"{type(exc).__name__}: {_short(str(exc))}"}


def run_stdin(runner, code, inputs, send):
    """Run a stdin/stdout program on each test and send what it printed."""
    try:
        compiled = compile(code, "<solution>", "exec")
    except (SyntaxError, ValueError) as exc:
        send({"x": "CompileError", "d": f"compile error: {type(exc).__name__}: {_short(str(exc))}"})
        return
    send({"r": 1})
    for inp in inputs:
        runner.redirect(inp)
        module = runner.fresh_main()
        before = set(threading.enumerate())
        try:
            try:
                exec(compiled, module.__dict__)
            except SystemExit:
                pass
            runner.join_threads(before)
        except BaseException as exc:  # noqa: BLE001 - the program may raise anything
            send(_failure(exc))
            return
        send({"o": runner.collect_stdout()})


def run_call(runner, code, inputs, send, encode):
    """Run a call-based (LeetCode) program on each test and send what it returned."""
    args_list = [[json.loads(line) for line in inp.split("\n")] for inp in inputs]
    runner.redirect("")
    module = runner.fresh_main()
    try:
        exec(compile(code, "<solution>", "exec"), module.__dict__)
        target = module.__dict__["Solution"]() if "class Solution" in code else module
        method = getattr(target, _FN_NAME[0])
    except BaseException as exc:  # noqa: BLE001
        msg = _failure(exc)
        if isinstance(exc, (SyntaxError, AttributeError, KeyError)):
            msg["d"] = "compile error: " + msg["d"]
        send(msg)
        return
    send({"r": 1})
    for args in args_list:
        try:
            got = method(*args)
        except BaseException as exc:  # noqa: BLE001
            send(_failure(exc))
            return
        try:
            if isinstance(got, tuple):
                got = list(got)
            value = encode(got)
        except BaseException as exc:  # noqa: BLE001 - not plain data: a wrong answer for the judge
            send({"x": "unplain", "d": _short(f"{type(exc).__name__}: {exc}")})
            return
        send({"o": value})


_FN_NAME = [None]
_wire = None


def prepare(task):
    """Once per task a fork server takes: load the wire encoder (once), set LCB's interpreter-wide limits."""
    global _wire
    if _wire is None:  # once per server (a server may serve several jobs)
        spec = importlib.util.spec_from_file_location("passk_wire_for_lcb", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py"))
        _wire = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_wire)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(INT_DIGITS)
    for p in task.get("site", ()):
        if p not in sys.path:
            sys.path.append(p)
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        want = 512 << 20
        if soft != resource.RLIM_INFINITY and soft < want:
            resource.setrlimit(resource.RLIMIT_STACK, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))
    except (ImportError, ValueError, OSError):
        pass


def run(task, code, send):
    """Run ``code`` on the task's tests; ``send`` one line per step (see the module docstring)."""
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized output raises EFBIG, not a kill
    runner = _Runner()
    if task.get("fn_name"):
        _FN_NAME[0] = task["fn_name"]
        run_call(runner, code, task["inputs"], send, _wire.encode)
    else:
        run_stdin(runner, code, task["inputs"], send)
