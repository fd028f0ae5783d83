"""A Math-Verify worker process: reads check requests on stdin, writes verdicts on stdout.

Run as ``python -m passk.benchmarks.math.worker [memory_mb]``. Each request is one JSON line
``{"i": id, "g": gold, "p": prediction, "b": budget}``; each reply is one JSON line ``{"i": id,
"r": bool, "d": detail}`` (plus ``"t": true`` when the pair ran out of time). The worker handles
one request at a time, so the parent knows exactly which pair a hung worker was checking and can
kill it (SIGKILL) when it runs past its budget. ``serve`` is the loop of every math checker
worker: the verifier panel's ``panel_worker`` runs it with its checkers.

Time limits: a request may carry ``"b"``, the pair's budget in CPU seconds. The worker arms a
one-shot CPU timer (``cpu_budget``) and, when it fires, abandons the pair (``"t": true``) and
goes on with the next one, keeping its warm caches (parsed strings, ANTLR's DFA, prediction tapes,
solved gold equations): restarting after every timeout cost a second of start-up and the caches.
CPU time, not wall time, so a pair's verdict does not depend on how loaded the machine is. The
timer cannot interrupt C-level work (big-integer power towers, sympy printing; Math-Verify #65,
sympy #24187), and a checker could swallow it, so the parent still kills a worker whose pair runs
past its budget (``MathCheckPool``). Math-Verify's own SIGALRM timeouts are switched off.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from passk.benchmarks.math import speedups


def _limit_memory(memory_mb: int) -> None:
    """Cap the address space so a runaway sympy expansion fails here, not on the whole machine."""
    if memory_mb <= 0:
        return
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # not fatal: the wall-clock kill still applies
        pass


def _wrap(answer: str) -> str:
    """Present an extracted answer to Math-Verify as one boxed expression."""
    return "\\boxed{" + answer + "}"


def _strip_percent(s: str) -> str:
    return s.replace("\\%", "").replace("%", "").strip()


@functools.lru_cache(maxsize=speedups.PARSE_CACHE_SIZE)  # a worker meets each gold again with every answer
def _parse(boxed: str) -> list[Any]:
    """Math-Verify's parse of one string, kept: it is a function of the string alone, and its
    extraction regexes and normalisation cost about 0.2 ms before the LaTeX parse's own cache is
    even asked (a parse cut short by the CPU budget raises, and is not kept)."""
    from math_verify import parse  # a worker-only dependency (about a second to import)

    return parse(boxed, parsing_timeout=None)  # type: ignore[arg-type,no-any-return]


def check_pair(gold: str, pred: str) -> tuple[bool, str]:
    """Math-Verify equivalence of two *extracted, normalised* answers, gold first.

    A second attempt with percent signs removed from both sides accepts "50\\%" for a gold of "50"
    (MATH asks "what percent" and stores the bare number); Math-Verify alone reads "50\\%" as 0.5.
    """
    from math_verify import verify  # a worker-only dependency (about a second to import)

    g = _parse(_wrap(gold))
    if not g:
        return False, "gold unparseable"
    p = _parse(_wrap(pred))
    if not p:
        return False, "answer unparseable"
    if verify(g, p, timeout_seconds=None):
        return True, "math-verify"
    if "%" in gold or "%" in pred:
        g2, p2 = _strip_percent(gold), _strip_percent(pred)
        if g2 and p2:
            gp, pp = _parse(_wrap(g2)), _parse(_wrap(p2))
            if gp and pp and verify(gp, pp, timeout_seconds=None):
                return True, "math-verify (percent stripped)"
    return False, "math-verify: not equivalent"


MEMORY_DETAIL = "memory limit"
STATE_CHANGED_EXIT = 3  # the worker exits with this after a timeout that left global state changed


class BudgetExceeded(BaseException):
    """A pair used up its CPU budget.

    A ``BaseException``, so that the ``except Exception`` clauses inside Math-Verify and sympy
    (which turn any failure into "not equal") cannot swallow it and go on past the budget.
    """


@contextmanager
def cpu_budget(seconds: float | None) -> Iterator[None]:
    """Raise ``BudgetExceeded`` once this process has spent ``seconds`` more CPU time (user + system).

    One shot (``ITIMER_PROF``, SIGPROF): a repeating timer could interrupt the ``finally`` blocks
    that unwind the first interruption. ``None`` or 0: no limit.
    """
    if not seconds or seconds <= 0 or not hasattr(signal, "setitimer"):
        yield
        return

    def _expire(signum: int, frame: Any) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGPROF, _expire)
    signal.setitimer(signal.ITIMER_PROF, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def global_state() -> tuple[Any, ...]:
    """Process-wide settings that checkers change inside ``with`` blocks and restore on the way out.

    An interruption that lands in such a block's own restoring code would leave them changed (sympy
    evaluating nothing, mpmath at another precision) and every later verdict of this worker with
    them; so after a timeout the worker compares them with their values at start and exits if any
    differs (the parent starts a fresh worker).
    """
    state: list[Any] = [sys.getrecursionlimit()]
    try:
        import mpmath
        from sympy.core.parameters import global_parameters

        state += [mpmath.mp.prec, global_parameters.evaluate, global_parameters.distribute,
                  global_parameters.exp_is_pow]
    except ImportError:  # a checker without sympy
        pass
    return tuple(state)


def serve(check: Callable[[str, str], tuple[bool, str]], memory_mb: int = 0,
          stdin: IO[str] | None = None, stdout: IO[str] | None = None) -> int:
    """Answer check requests with ``check(gold, answer) -> (correct, detail)`` until stdin closes.

    The protocol of every math checker worker (``MathCheckPool``): after one warm-up call (imports
    are not charged to the first pair) a ``{"ready": true}`` line, then one reply per request. A
    request's ``"b"`` is its budget in CPU seconds (``cpu_budget``); a pair that uses it up, or a
    checker that runs out of its own time budget (``TimeoutError``), gets a reply with ``"t":
    true``, and the pair's status is ``timeout``. Any other exception is a wrong answer with
    its type as the reason (a checker that cannot read an answer rejects it).
    """
    stdin = sys.stdin if stdin is None else stdin
    out = sys.stdout if stdout is None else stdout
    _limit_memory(memory_mb)
    logging.disable(logging.WARNING)  # Math-Verify warns once about disabled timeouts
    try:
        check("1", "2")
    except Exception:  # noqa: BLE001, S110  only the imports matter here
        pass
    baseline = global_state()
    out.write('{"ready": true}\n')
    out.flush()
    for line in stdin:
        if not line.strip():
            continue
        req: dict[str, Any] = json.loads(line)
        reply: dict[str, Any] = {"i": req["i"]}
        budget = req.get("b")
        try:
            with cpu_budget(budget):
                reply["r"], reply["d"] = check(req["g"], req["p"])
        except BudgetExceeded:
            reply.update(r=False, d=f"no verdict within {budget:g} CPU s", t=True)
            if global_state() != baseline:
                reply["x"] = True  # exiting: the parent retires this worker on reading the reply
                out.write(json.dumps(reply) + "\n")
                out.flush()
                return STATE_CHANGED_EXIT
        except TimeoutError as exc:
            reply.update(r=False, d=str(exc) or "checker timeout", t=True)
        except MemoryError:
            reply.update(r=False, d=MEMORY_DETAIL)
        except RecursionError:
            reply.update(r=False, d="checker error: RecursionError")
        except Exception as exc:  # noqa: BLE001  any checker failure is a wrong answer, with a reason
            reply.update(r=False, d=f"checker error: {type(exc).__name__}")
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


PLAIN_FLAG = "--plain"


def main(argv: list[str] | None = None) -> int:
    """Serve Math-Verify checks (``python -m passk.benchmarks.math.worker [memory_mb] [--plain]``).

    Math-Verify's slowest steps are sped up in this process (``speedups``, same verdicts) unless
    ``--plain`` is given: the tests and the throughput benchmark compare the two.
    """
    argv = sys.argv[1:] if argv is None else argv
    import math_verify  # noqa: F401  a worker-only dependency, imported before announcing readiness

    if PLAIN_FLAG not in argv:
        speedups.install()
    numbers = [a for a in argv if a != PLAIN_FLAG]
    return serve(check_pair, int(numbers[0]) if numbers else 0)


if __name__ == "__main__":
    sys.exit(main())
