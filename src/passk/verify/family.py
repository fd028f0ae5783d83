"""What a benchmark family is to the rest of passk: one record of functions, one verifier signature.

Every family package (``passk.benchmarks.<family>``) builds one ``Family`` in its ``family``
module and ``passk.benchmarks.registry`` lists them. Callers never dispatch on a family's name or
inspect a function's signature: a verifier always receives ``(problems, samples, ctx)`` and returns
one verdict row (``passk.records.verdicts.verdict_row``) per sample, in sample order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Problems = Mapping[str, dict[str, Any]]
Samples = list[dict[str, Any]]


@dataclass(frozen=True)
class VerifyContext:
    """What a verifier may use besides the problems and samples.

    ``bench`` is the benchmark's config section (``name``, ``family``, ``prompt``, ``timeout`` …),
    ``verify`` and ``sandbox`` the config's sections of those names (defaults filled by the family),
    ``groundtruth`` the family's ground-truth file when it has one (EvalPlus), ``workers`` the
    parallelism the job was given.
    """

    bench: Mapping[str, Any]
    workers: int = 1
    verify: Mapping[str, Any] = field(default_factory=dict)
    sandbox: Mapping[str, Any] = field(default_factory=dict)
    groundtruth: str | None = None


Verifier = Callable[[Problems, Samples, VerifyContext], list[dict[str, Any]]]
"""The one verifier signature (a family's ``verify``, or a checker of the math verifier panel)."""


@dataclass(frozen=True)
class Family:
    """A benchmark family: how its problems are made and how its samples are verified.

    - ``prepare(name, cfg, data_dir, out_path) -> int`` writes the canonical problem records;
    - ``sources(name, cfg, data_dir) -> list[dict]`` lists the source files read (for checksums);
    - ``verify(problems, samples, ctx) -> list[dict]`` gives the verdict rows;
    - ``payload`` is the ``(key, type)`` every problem record of the family carries;
    - ``groundtruth(problems_path, out_path, sandbox_section)``, when not None, computes the
      expected outputs the verifier needs (a workflow output of its own);
    - ``inputs(name, cfg, data_dir) -> list[str]``, when not None, lists the local files a
      benchmark's problems are made from besides its pinned sources (visual math: the images),
      which the workflow makes inputs of the prepare rule, so changing one reruns that benchmark.
    """

    name: str
    payload: tuple[str, type | tuple[type, ...]]
    prepare: Callable[..., int]
    sources: Callable[..., list[dict[str, Any]]]
    verify: Callable[[Problems, Samples, VerifyContext], list[dict[str, Any]]]
    groundtruth: Callable[..., None] | None = None
    inputs: Callable[..., list[str]] | None = None

    def stage_functions(self, stage: str) -> list[Callable[..., Any]]:
        """The family's functions a workflow stage runs (their modules decide the stage's code version)."""
        functions: dict[str, list[Callable[..., Any] | None]] = {
            "prepare": [self.prepare, self.sources],
            "verify": [self.verify],
            "groundtruth": [self.groundtruth],
        }
        return [f for f in functions.get(stage, []) if f is not None]
