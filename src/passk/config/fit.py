"""The plan-time check: every run that a figure needs fits its model's context, or the plan fails.

``snakemake -n`` runs it (``workflow/rules/common.smk``), so a run whose longest prompt plus its
new tokens exceeds the model's context is refused before any weights are downloaded or GPU hours
spent; the sample stage repeats the check exactly before its engine starts (``passk.sampling.budget``
holds the one rule both use). The message names the model, the benchmark and the numbers.

At plan time the problem files may not exist yet. The longest prompt of a benchmark is known from,
first found:

1. its problem file (``results/problems/{bench}.jsonl``), once prepared: the exact problems;
2. its source data, when it is local (``data_dir`` / ``$PASSK_DATA_DIR``, or ``file:``): the
   family's own loader prepares the problems into a temporary file (seconds);
3. the benchmark's declared ``longest_problem_bytes`` (the paper config declares them, measured from
   the official sources; a test checks each against the staged data): a bound on its prompts;

else the plan fails, naming the key to declare. The prompt's length is the byte bound of
``passk.sampling.budget`` (an upper bound on its tokens), and the model's tokenizer counts it
exactly when it is local (the weights were downloaded, or ``path:``) and the problems are known,
wherever the bound does not settle the question: for prompts rendered by the model's own chat
template (the bound only stands in for its markup), and for a run the bound would refuse. A run
that fits by the bound fits, so the common case never loads a tokenizer (loading transformers and
the tokenizers would add seconds to every plan).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.benchmarks.registry import family as family_of
from passk.config.grid import Run, backend_slice, run_max_tokens
from passk.errors import ConfigError, PasskError
from passk.models.tiny import TINY_CONTEXT
from passk.prompts import run_prompt
from passk.records.problems import load_problems
from passk.sampling.budget import (
    Context,
    Longest,
    longest_from_declared,
    longest_in_bytes,
    longest_in_tokens,
    model_context,
    resolve_max_tokens,
)


@dataclass(frozen=True)
class PlanProblems:
    """What the plan knows of a benchmark's problems: the records, or only a declared bound."""

    problems: list[dict[str, Any]] | None
    how: str
    declared_bytes: int | None = None

    def tests(self) -> set[str]:
        """Which tests the problems carry (``metadata.tests``: full / public), for code benchmarks."""
        return {str((p.get("metadata") or {}).get("tests")) for p in self.problems or [] if (p.get("metadata") or {}).get("tests")}


@dataclass(frozen=True)
class RunFit:
    """A run that fits: its context, longest prompt and new tokens (``max_tokens`` is the config's
    value; ``new_tokens`` what it comes to, for ``fit`` a lower bound when the prompt is a bound)."""

    run: Run
    context: Context
    longest: Longest
    max_tokens: int | str
    new_tokens: int


@dataclass
class FitReport:
    """The plan-time check's findings: the runs that fit, and warnings to print as the run starts."""

    fits: list[RunFit]
    warnings: list[str]


@contextmanager
def _quiet(logger_name: str = "passk") -> Any:
    """Loaders log what they do; at plan time only the check's own messages should show."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def plan_problems(config: dict[str, Any], bench: str, *, problems_path: str | None, data_dir: str | None) -> PlanProblems:
    """A benchmark's problems as far as the plan can know them (see the module docstring)."""
    spec = config["benchmarks"][bench]
    if problems_path is not None and Path(problems_path).is_file():
        return PlanProblems(list(load_problems(problems_path).values()), f"problem file {problems_path}")
    reason = "no local source data"
    if data_dir is not None or spec.get("file"):
        try:
            with tempfile.TemporaryDirectory(prefix="passk-plan-") as tmp, _quiet():
                out = str(Path(tmp) / f"{bench}.jsonl")
                family_of(str(spec["family"])).prepare(bench, {"name": bench, **spec}, data_dir, out)
                return PlanProblems(list(load_problems(out).values()), "source data")
        except PasskError as exc:
            reason = f"its source data could not be read ({str(exc).splitlines()[0][:200]})"
    if spec.get("longest_problem_bytes") is not None:
        return PlanProblems(None, f"declared longest_problem_bytes {spec['longest_problem_bytes']}", int(spec["longest_problem_bytes"]))
    raise ConfigError(
        f"config key benchmarks.{bench}.longest_problem_bytes: the plan cannot bound this benchmark's prompts "
        f"({reason}, no problem file yet); declare the UTF-8 bytes of its longest problem text (question + starter code)"
    )


def _load_tokenizer(model_dir: str) -> Any:
    from transformers import AutoTokenizer  # heavy: imported only once some model's weights are local

    return AutoTokenizer.from_pretrained(model_dir)


def check_fit(
    config: dict[str, Any],
    runs: Iterable[Run],
    *,
    problems_path: Callable[[str], str | None] = lambda bench: None,
    model_dir: Callable[[str], str | None] = lambda model: None,
    data_dir: str | None = None,
) -> FitReport:
    """Check every run; ConfigError listing each run that does not fit (model, benchmark, numbers).

    ``problems_path(bench)``: where the benchmark's problem file would be; ``model_dir(model)``: the
    model's local weights directory, or None before they are there.
    """
    runs = list(runs)
    problems: dict[str, PlanProblems] = {}
    tokenizers: dict[str, Any] = {}
    contexts: dict[str, Context] = {}
    failures: list[str] = []
    fits: list[RunFit] = []
    for run in runs:
        if run.benchmark not in problems:
            problems[run.benchmark] = plan_problems(config, run.benchmark, problems_path=problems_path(run.benchmark), data_dir=data_dir)
    for run in runs:
        model = config["models"][run.model]
        where = f"{run.model}/{run.benchmark}/{run.setting}"
        try:
            local = model_dir(run.model) or model.get("path")
            if run.model not in contexts:
                contexts[run.model] = model_context(
                    model_name=run.model, max_model_len=backend_slice(config, run.model).get("max_model_len"),
                    context_length=model.get("context_length"), default=TINY_CONTEXT if model.get("tiny") is not None else None,
                    model_dir=local if local and Path(local, "config.json").is_file() else None,
                )
            spec = run_prompt(model, config["benchmarks"][run.benchmark])
            known = problems[run.benchmark]
            policy = run_max_tokens(config, run.model, run.benchmark, run.setting)
            tokenizer_here = bool(local) and Path(local, "tokenizer_config.json").is_file()

            def exact() -> Longest:
                assert known.problems is not None and local
                if local not in tokenizers:
                    tokenizers[local] = _load_tokenizer(local)
                return longest_in_tokens(known.problems, spec, tokenizers[local], known.how)

            def settle(longest: Longest) -> int:
                return resolve_max_tokens(model_name=run.model, benchmark_name=run.benchmark, policy=policy,
                                          context=contexts[run.model], longest=longest)

            if known.problems is None:
                assert known.declared_bytes is not None
                longest = longest_from_declared(known.declared_bytes, spec, known.how)
            elif tokenizer_here and spec.chat_template:
                longest = exact()
            else:
                longest = longest_in_bytes(known.problems, spec, known.how)
            try:
                new = settle(longest)
            except ConfigError:
                if longest.unit != "bytes" or known.problems is None or not tokenizer_here:
                    raise
                longest = exact()  # the bound refuses: the tokenizer decides
                new = settle(longest)
            fits.append(RunFit(run, contexts[run.model], longest, policy, new))
        except ConfigError as exc:
            failures.append(f"{where}: {exc}")
    if failures:
        raise ConfigError(f"{len(failures)} run(s) cannot fit their model's context:\n  " + "\n  ".join(failures))
    warnings = []
    for bench, known in problems.items():
        if "public" in known.tests():
            warnings.append(
                f"benchmark {bench} will be graded on PUBLIC tests only ({known.how} holds no private tests): its pass@k is "
                "inflated, and its verdicts, tables, provenance and figures say tests: public. Set benchmarks."
                f"{bench}.tests: full to refuse such data"
            )
    return FitReport(fits, warnings)
