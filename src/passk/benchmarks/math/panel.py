"""The math verifier panel: Math-Verify, the paper's grader and a strict checker behind one signature.

Why: rule-based math checkers disagree (by up to ~20 points on the same outputs; issue 15), so a
run can be scored by several and its pass@k curves compared (``verify.math_checkers`` in the
config; the default, Math-Verify alone, costs nothing). Every checker is a module of
``passk.benchmarks.math.checkers`` with the same names:

- ``NAME`` (the config's name), ``LABEL`` (the figure's), ``NEEDS_WORKER`` (whether its ``check``
  can run for ever, so only in a killable worker);
- ``extract(text, dataset="", template=None) -> str | None``: a completion's answer in the form the
  checker compares (None: no answer; the paper's grader never says so and compares "" instead);
- ``prepare_gold(gold, dataset="") -> str``: the project's gold string in the same form;
- ``check(gold, answer) -> (correct, detail)``: the verdict on two prepared strings; running out
  of the checker's own time budget raises ``TimeoutError``.

``verifier(name)`` gives a checker's verifier with the family's signature ``(problems, samples,
ctx) -> [verdict_row]``; for ``math_verify`` it is the family's own (``checker.verify``), so the
panel's Math-Verify verdicts are the workflow's. The other checkers run through the same killable
worker pool (``checker.MathCheckPool``) with this module as the worker program:
``python -m passk.benchmarks.math.panel MEMORY_MB CHECKER`` serves ``worker.serve``'s protocol.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, Protocol

from passk.benchmarks.math import checker as family_checker
from passk.benchmarks.math import speedups
from passk.benchmarks.math.checker import DEFAULT_TIMEOUT, PairResult, reusable_pool, sample_items
from passk.benchmarks.math.checkers import mathverify, names, paper, strict
from passk.benchmarks.math.worker import serve
from passk.errors import ConfigError
from passk.records.verdicts import verdict_row
from passk.verify.family import Verifier, VerifyContext


class Checker(Protocol):
    """What the panel needs of a checker module."""

    NAME: str
    LABEL: str
    NEEDS_WORKER: bool

    def extract(self, text: str, dataset: str = "", template: str | None = None) -> str | None: ...

    def prepare_gold(self, gold: str, dataset: str = "") -> str: ...

    def check(self, gold: str, answer: str) -> tuple[bool, str]: ...


CHECKERS: dict[str, ModuleType] = {m.NAME: m for m in (mathverify, paper, strict)}
DEFAULT_CHECKERS = names.DEFAULT_CHECKERS  # the workflow's verdict; the panel adds the others when asked


def checker(name: str) -> Checker:
    """The checker module called ``name`` (ConfigError naming the config key for an unknown one)."""
    if name not in CHECKERS:
        raise ConfigError(f"verify.math_checkers: unknown checker {name!r}; known: {', '.join(CHECKERS)}")
    return CHECKERS[name]  # type: ignore[return-value]


def _this_module() -> ModuleType:
    return sys.modules[__name__]


def check_pairs(name: str, pairs: Sequence[tuple[str, str]], *, workers: int = 1, timeout: float = DEFAULT_TIMEOUT,
                pool: family_checker.MathCheckPool | None = None) -> list[PairResult]:
    """Checker ``name``'s verdicts on prepared (gold, answer) pairs, in order.

    A checker that needs one runs in killable workers (``pool``, or a pool of ``workers`` started
    and stopped here), each pair with its own budget of ``timeout`` CPU seconds (``checker``).
    """
    mod = checker(name)
    if not pairs:
        return []
    if not mod.NEEDS_WORKER:
        return [PairResult("correct" if ok else "wrong", detail) for ok, detail in (mod.check(g, a) for g, a in pairs)]
    if pool is not None:
        return pool.check(pairs)
    with family_checker.MathCheckPool(workers=workers, timeout=timeout, module=_this_module(), args=(name,)) as own:
        return own.check(pairs)


def verify_with(name: str, problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]],
                ctx: VerifyContext) -> list[dict[str, Any]]:
    """Verdict rows of checker ``name`` (the family's verifier signature, the checker's rules).

    Each distinct (gold, answer) pair is checked once. No answer (None) is ``no_answer``; the
    paper's empty answer is compared like any other, and is ``no_answer`` when it is wrong.
    """
    mod = checker(name)
    timeout = float(ctx.verify.get("math_timeout", DEFAULT_TIMEOUT))
    items = sample_items(problems, samples, ctx, mod.prepare_gold, mod.extract)
    unique = list(dict.fromkeys((g, a) for g, a in items if a is not None))
    pool = reusable_pool(ctx.workers, timeout, module=_this_module(), args=(name,)) if mod.NEEDS_WORKER else None
    results = dict(zip(unique, check_pairs(name, unique, workers=ctx.workers, timeout=timeout, pool=pool)))
    rows = []
    for sample, (gold, answer) in zip(samples, items):
        if answer is None:
            rows.append(verdict_row(sample, "no_answer", extracted=None, detail=f"{name}: no answer found"))
            continue
        res = results[(gold, answer)]
        status = "no_answer" if res.status == "wrong" and answer == "" else res.status
        rows.append(verdict_row(sample, status, extracted=answer, detail=res.detail))
    return rows


def verifier(name: str) -> Verifier:
    """Checker ``name``'s verifier; Math-Verify's is the family's own (``checker.verify``)."""
    checker(name)
    if name == mathverify.NAME:
        return family_checker.verify
    return functools.partial(verify_with, name)


def main(argv: list[str] | None = None) -> int:
    """Serve one panel checker's checks (``python -m passk.benchmarks.math.panel MEMORY_MB CHECKER``)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        sys.stderr.write(f"usage: python -m {__name__} MEMORY_MB CHECKER (one of {', '.join(CHECKERS)})\n")
        return 2
    mod = checker(argv[1])
    if mod is mathverify:
        speedups.install()  # Math-Verify's slow steps sped up, same verdicts (as in ``worker``)
    return serve(mod.check, int(argv[0]))


if __name__ == "__main__":
    sys.exit(main())
