"""A Math-Verify worker process: reads check requests on stdin, writes verdicts on stdout.

Run as ``python -m passk.benchmarks.math.worker [memory_mb]``. Each request is one JSON line
``{"i": id, "g": gold, "p": prediction}``; each reply is one JSON line ``{"i": id, "r": bool,
"d": detail}``. The worker handles one request at a time, so the parent knows exactly which
pair a hung worker was checking and can kill it (SIGKILL) after its own wall-clock timeout.

Why a separate process and not Math-Verify's timeouts: those are SIGALRM-based and cannot
interrupt C-level work (big-integer power towers, sympy printing; Math-Verify #65, sympy #24187),
so they are switched off here and the parent enforces the limit from outside.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


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


def check_pair(gold: str, pred: str) -> tuple[bool, str]:
    """Math-Verify equivalence of two *extracted, normalised* answers, gold first.

    A second attempt with percent signs removed from both sides accepts "50\\%" for a gold of "50"
    (MATH asks "what percent" and stores the bare number); Math-Verify alone reads "50\\%" as 0.5.
    """
    from math_verify import parse, verify

    g = parse(_wrap(gold), parsing_timeout=None)  # type: ignore[arg-type]
    if not g:
        return False, "gold unparseable"
    p = parse(_wrap(pred), parsing_timeout=None)  # type: ignore[arg-type]
    if not p:
        return False, "answer unparseable"
    if verify(g, p, timeout_seconds=None):
        return True, "math-verify"
    if "%" in gold or "%" in pred:
        g2, p2 = _strip_percent(gold), _strip_percent(pred)
        if g2 and p2:
            gp = parse(_wrap(g2), parsing_timeout=None)  # type: ignore[arg-type]
            pp = parse(_wrap(p2), parsing_timeout=None)  # type: ignore[arg-type]
            if gp and pp and verify(gp, pp, timeout_seconds=None):
                return True, "math-verify (percent stripped)"
    return False, "math-verify: not equivalent"


def main(argv: list[str] | None = None) -> int:
    """Serve requests until stdin closes."""
    argv = sys.argv[1:] if argv is None else argv
    _limit_memory(int(argv[0]) if argv else 0)
    logging.disable(logging.WARNING)  # Math-Verify warns once about disabled timeouts
    import math_verify  # noqa: F401  (import before announcing readiness)

    out = sys.stdout
    out.write('{"ready": true}\n')
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req: dict[str, Any] = json.loads(line)
        try:
            ok, detail = check_pair(req["g"], req["p"])
        except MemoryError:
            ok, detail = False, "memory limit"
        except RecursionError:
            ok, detail = False, "checker error: RecursionError"
        except Exception as exc:  # noqa: BLE001  any checker failure is a wrong answer, with a reason
            ok, detail = False, f"checker error: {type(exc).__name__}"
        out.write(json.dumps({"i": req["i"], "r": ok, "d": detail}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
