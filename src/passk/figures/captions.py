"""What a figure's caption and title say about how its curves were made.

A curve of the paper grid can differ from the paper's in ways the plot alone does not show: the
prompt (and whether any source confirms it), the new-token limit (``max_tokens: fit`` gives the
Qwen2.5-Math-7B family the 4k context the paper's code ran them at), and, for LiveCodeBench, whether
the private tests graded it. The caption states them per curve, from the figure's spec (the config)
and each run's ``provenance.json`` (what the samples and verdicts themselves recorded: the
resolved ``max_tokens``, the chat template's hash, the tests); a run graded on public tests only
also marks the title ``[tests: public]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from passk.errors import DataError
from passk.io import read_json
from passk.prompts import label_template_known

RunKey = tuple[str, str, str]
PUBLIC_MARK = "[tests: public]"


def run_facts(spec: Mapping[str, Any], provenance_paths: Sequence[str]) -> dict[RunKey, dict[str, Any]]:
    """``{run: {max_tokens, templates, tests}}`` from the runs' provenance files, in ``spec["runs"]`` order."""
    runs = [tuple(r) for r in spec["runs"]]
    if not provenance_paths:
        return {}
    if len(provenance_paths) != len(runs):
        raise DataError(f"figure {spec.get('name')}: {len(provenance_paths)} provenance files for {len(runs)} runs")
    out: dict[RunKey, dict[str, Any]] = {}
    for run, path in zip(runs, provenance_paths):
        record = read_json(path)
        samples = record.get("samples") or {}
        out[run] = {  # type: ignore[index]
            "max_tokens": list(samples.get("max_tokens") or []),
            "templates": list(samples.get("templates") or []),
            "tests": str(record.get("tests") or ""),
        }
    return out


def _tokens_text(policy: Any, resolved: list[int], context: int | None) -> str:
    if policy != "fit":
        return f"{policy} new tokens" + (f" (context {context})" if context else "")
    ctx = f"{context}-token context" if context else "the context"
    if resolved:
        got = str(resolved[0]) if len(set(resolved)) == 1 else f"{min(resolved)}-{max(resolved)}"
        return f"new tokens fit {ctx} - longest prompt = {got}"
    return f"new tokens fit {ctx} - longest prompt"


def curve_line(entry: Mapping[str, Any], runs: Sequence[RunKey], facts: Mapping[RunKey, Mapping[str, Any]]) -> str:
    """One caption line: a curve's label, prompt (with its source, or 'prompt unverified') and new tokens."""
    info = entry["facts"]
    prompts = sorted({f"{p['name']} ({p['source']})" for p in info["prompts"].values()})
    unverified = info.get("prompt_unverified")
    templates = [t for run in runs for t in (facts.get(run) or {}).get("templates", [])]
    if any(label_template_known(t) is False for t in templates):
        unverified = (unverified + "; " if unverified else "") + "its chat template is not the one traced to a source"
    resolved = [m for run in runs for m in (facts.get(run) or {}).get("max_tokens", [])]
    policies = sorted({str(v) for v in info["max_tokens"].values()})
    policy: Any = next(iter(info["max_tokens"].values())) if len(policies) == 1 else "/".join(policies)
    line = f"{entry['label']}: prompt {', '.join(prompts)}"
    if unverified:
        line += f", PROMPT UNVERIFIED ({unverified})"
    return line + f"; {_tokens_text(policy, resolved, info.get('context'))}"


def tests_line(facts: Mapping[RunKey, Mapping[str, Any]]) -> str | None:
    """What graded the code runs: ``tests: public`` (inflated pass@k) first, else the tests used."""
    values = {t for f in facts.values() for t in str(f.get("tests") or "").split(";") if t}
    if not values:
        return None
    if "public" in values:
        return ("tests: public - graded on the public tests only (the data has no private tests), "
                "so pass@k is higher than with the full test set")
    return "tests: " + ", ".join(sorted(values))


def figure_caption(spec: Mapping[str, Any], facts: Mapping[RunKey, Mapping[str, Any]]) -> tuple[str, list[str]]:
    """``(title, caption lines)`` of a figure: the spec's title, marked ``[tests: public]`` when a
    run was graded on public tests only, and one line per distinct curve, the filter's, the tests'."""
    lines: list[str] = []
    for group in spec["groups"]:
        for entry in group:
            runs = [(entry["model"], b["name"], entry["settings"][b["name"]]) for b in spec["benchmarks"]]
            line = curve_line(entry, runs, facts)
            if line not in lines:
                lines.append(line)
    filt = spec.get("filter")
    if filt and filt.get("facts"):
        setting = filt.get("setting", "default")
        runs = [(filt["model"], b["name"], setting) for b in spec["benchmarks"]]
        lines.append("filter " + curve_line(filt, runs, facts))
    tests = tests_line(facts)
    if tests:
        lines.append(tests)
    title = str(spec.get("title") or spec.get("name") or "")
    if tests and tests.startswith("tests: public"):
        title = f"{title} {PUBLIC_MARK}"
    return title, lines
