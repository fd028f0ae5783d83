"""The in-sandbox side of a HumanEval+/MBPP+ program: run it on the test inputs and send back what it
returned, one test at a time. It judges nothing.

Loaded by the fork server (``passk.sandbox.forkserver``) inside the sandbox; stdlib only (numpy is
used only if the program itself imported it, to turn numpy results into plain values). The task
holds the entry point and the test inputs in ``wire``'s encoding, never the expected outputs: the
judge (``passk.benchmarks.evalplus.judge``) compares outside the sandbox, and the server stops the
program at the judge's word after its first wrong output, or at a test's time limit by its own
clock.

Lines sent (``send``), in order:

- ``{"r": 1}`` once the program's module code ran and the entry point exists, or
  ``{"x": exception name, "d": detail}`` if that failed;
- per test, ``{"o": value, "k": 0|1}``: the returned value as plain data (``plain``: builtin
  types, numpy scalars and arrays converted, anything else refused) and whether its own type
  was not a builtin one (evalplus's ``type(out) == type(exp)`` before ``allclose``); or
  ``{"x": ..., "d": ...}`` when the call raised or the value is not plain data, and nothing after.

In ``record`` mode (ground truth, the canonical solution) each input is deep-copied first and the
call is timed: ``{"o": value, "s": seconds}``.

A program shares this interpreter, so it can patch anything here — and change nothing but its own
outputs, which the judge then sees.
"""

import builtins
import copy
import os
import sys
import time

_PLAIN_SCALARS = (int, float, bool, str, bytes, complex, type(None))
_SCALAR_SET = frozenset(_PLAIN_SCALARS)
_wire = None


def _short(x, n=300):
    try:
        r = x if isinstance(x, str) else repr(x)
    except BaseException:  # noqa: BLE001 - a hostile __repr__
        r = "<unrepresentable>"
    return r if len(r) <= n else r[:n] + "..."


def plain(x, depth=0):
    """A copy of ``x`` made only of builtin types (numpy scalars and arrays converted); TypeError
    for any other class, builtin subclasses with a rigged ``__eq__`` included."""
    if depth > 64:  # as deep as the wire's encoding goes
        raise TypeError("output nested too deeply")
    t = type(x)
    if t in _PLAIN_SCALARS:
        return x
    if t is list:
        if set(map(type, x)) <= _SCALAR_SET:  # a flat list of builtin scalars, checked at C speed
            return list(x)
        return [plain(v, depth + 1) for v in x]
    if t is tuple:
        if set(map(type, x)) <= _SCALAR_SET:  # a flat tuple of builtin scalars is plain as it is
            return x
        return tuple(plain(v, depth + 1) for v in x)
    if t is set or t is frozenset:
        return t(plain(v, depth + 1) for v in x)
    if t is dict:
        return {plain(k, depth + 1): plain(v, depth + 1) for k, v in x.items()}
    mod = getattr(t, "__module__", "") or ""
    if mod == "collections" and isinstance(x, dict):  # Counter, OrderedDict, defaultdict compare as dicts
        return {plain(k, depth + 1): plain(v, depth + 1) for k, v in dict.items(x)}
    if mod == "numpy" or mod.startswith("numpy."):
        np = sys.modules.get("numpy")
        if np is not None and isinstance(x, np.generic):
            return plain(x.item(), depth + 1)
        if np is not None and isinstance(x, np.ndarray):
            return plain(x.tolist(), depth + 1)
    raise TypeError(f"returned a {mod}.{getattr(t, '__qualname__', t)} object, not plain data")


class _NoInput:
    """Stands in for stdin: a function task that reads input fails at once (evalplus raises IOError)."""

    def read(self, *a):
        raise OSError("stdin is not available in a function task")

    readline = readlines = read

    def __iter__(self):
        raise OSError("stdin is not available in a function task")


class _Sink:
    """Discards what the program prints."""

    def write(self, s):
        return len(s)

    def writelines(self, lines):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False


def prepare(task):
    """Once per task a fork server takes: decode the inputs, make numpy importable, allow huge integers."""
    global _wire
    import importlib.util

    if _wire is None:  # once per server (a server may serve several jobs)
        spec = importlib.util.spec_from_file_location("passk_wire_for_harness", os.path.join(os.path.dirname(os.path.abspath(__file__)), "wire.py"))
        _wire = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(_wire)
    task["inputs"] = _wire.decode(task["inputs"])
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    for p in task.get("site", ()):
        if p not in sys.path:
            sys.path.append(p)


def _failure(exc):
    return {"x": type(exc).__name__, "d": f"{type(exc).__name__}: {_short(str(exc) if not isinstance(exc, str) else exc)}"}


def run(task, code, send):
    """Run ``code`` on the task's inputs; ``send`` one line per step (see the module docstring)."""
    sys.stdout = _Sink()
    sys.stderr = _Sink()
    sys.stdin = _NoInput()
    record = task["mode"] == "record"
    not_none = bool(task.get("not_none"))
    message_pieces = _wire.message_pieces
    glb = {"__name__": "__passk_program__", "__builtins__": builtins}
    try:
        exec(compile(code, "program.py", "exec"), glb)
        fn = glb[task["entry_point"]]
    except BaseException as exc:  # noqa: BLE001 - SystemExit, a missing entry point …
        send(_failure(exc))
        return
    send({"r": 1})
    for inp in task["inputs"]:
        try:
            if record:
                inp = copy.deepcopy(inp)
                t0 = time.perf_counter()
                out = fn(*inp)
                secs = time.perf_counter() - t0
            else:
                out = fn(*inp)
        except BaseException as exc:  # noqa: BLE001 - any exception of the program fails this test
            send(_failure(exc))
            return
        try:
            extra = {"s": secs} if record else {"k": 0 if type(out) in _PLAIN_SCALARS or type(out) in (list, tuple, set, frozenset, dict) else 1}
            if not_none:  # evalplus's MBPP_OUTPUT_NOT_NONE_TASKS: "is not None" (a program's bool as is)
                send({"o": out is not None if record or type(out) is not bool else out, **extra})
            else:  # plain data as is, else through ``plain``; a long list streams (the server's line cap stops it)
                send(message_pieces("o", out, extra, plain))
            out = None
        except MemoryError:  # the output does not fit in the program's memory once encoded
            out = None
            send({"x": "MemoryError", "d": "MemoryError while sending the output"})
            return
        except BaseException as exc:  # noqa: BLE001 - not plain data: the judge calls it a wrong output
            send({"x": "unplain", "d": _short(f"{type(exc).__name__}: {exc}")})
            return
