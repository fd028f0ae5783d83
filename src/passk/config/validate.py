"""Validating the workflow config: strict YAML, the JSON schema (``passk/schema.yaml``), and the
semantic checks the schema cannot express. Every error names its config key (or file and line)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from passk.config.analysis_figures import check_analysis_figure
from passk.config.grid import curve_setting, figure_curves, figure_runs, shard_size, shards_per_job
from passk.errors import ConfigError
from passk.prompts import BENCHMARK_PROMPTS, CHAT_FORMATS, TEMPLATES, run_prompt
from passk.schema import load_schema


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ConfigError(
                f"{node.start_mark.name}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first defined on line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_strict(path: str | os.PathLike[str]) -> Any:
    """Parse a YAML file, rejecting duplicate keys with the file and line."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: config file not found")
    try:
        with open(p, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: invalid YAML ({exc})") from None


def _key_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def schema_errors(config: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """Every schema violation as 'config key a.b.c: what was expected (got …)'."""
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    messages = []
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        where = _key_path(error.absolute_path)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            allowed = sorted(error.schema.get("properties", {}))
            messages.append(f"config key {where}: unknown key(s) {extra}; allowed: {allowed}")
        elif error.validator == "required":
            messages.append(f"config key {where}: {error.message}")
        else:
            expected = error.schema.get("description") or ""
            messages.append(f"config key {where}: {error.message}" + (f" ({expected})" if expected else ""))
    return messages


def validate_schema(config: dict[str, Any], schema_path: str | os.PathLike[str] | None = None) -> None:
    """Raise ConfigError listing every schema violation with its key path (default: the packaged schema)."""
    schema = load_yaml_strict(schema_path) if schema_path is not None else load_schema()
    errors = schema_errors(config, schema)
    if errors:
        raise ConfigError("invalid config:\n  " + "\n  ".join(errors))


def check_config(config: dict[str, Any]) -> None:
    """Semantic checks the schema cannot express; raises ConfigError naming the key."""
    models = config["models"]
    benchmarks = config.get("benchmarks", [])
    settings = config.get("settings") or {}
    for name, model in models.items():
        template = model.get("template")
        if template is not None and template not in TEMPLATES:
            raise ConfigError(f"config key models.{name}.template: unknown template {template!r}; known: {sorted(TEMPLATES)}")
        if model.get("chat", "chatml") not in CHAT_FORMATS:
            raise ConfigError(f"config key models.{name}.chat: unknown chat format {model.get('chat')!r}; known: {list(CHAT_FORMATS)}")
        sources = [key for key in ("hf_id", "path", "tiny") if model.get(key) is not None]
        if not sources and ("path" in model or model.get("supply") is not None):
            continue  # path: null or a supply note: a checkpoint of the user's still to name (passk.config.unfilled)
        if len(sources) != 1:
            raise ConfigError(f"config key models.{name}: give exactly one of hf_id, path, tiny (got {sources or 'none'})"
                              + ("" if sources else "; or `supply:` saying what the user must fill in"))
        if model.get("hf_id") and not model.get("revision"):
            raise ConfigError(f"config key models.{name}.revision: a Hugging Face model needs a pinned revision")
    for name, bench in benchmarks.items():
        prompt = bench.get("prompt", "model")
        if prompt != "model" and prompt not in BENCHMARK_PROMPTS:
            raise ConfigError(f"config key benchmarks.{name}.prompt: unknown prompt {prompt!r}; known: {['model', *BENCHMARK_PROMPTS]}")
        size = shard_size(config, name)
        for model, n in [(None, bench["n"]), *(bench.get("n_per_model") or {}).items()]:
            where = f"benchmarks.{name}.n" if model is None else f"benchmarks.{name}.n_per_model.{model}"
            if model is not None and model not in models:
                raise ConfigError(f"config key {where}: model {model!r} is not configured under models")
            if int(n) % size:
                raise ConfigError(f"config key {where}: n={n} is not a multiple of the shard size {size} (grow n by whole shards)")
    for fig_name, fig in config.get("figures", {}).items():
        check_analysis_figure(config, fig_name, fig)
        if fig["kind"] in ("coverage_table", "perplexity") and (len(fig.get("benchmarks", [])) != 1 or [len(g) for g in fig.get("models", [])] != [2]):
            raise ConfigError(f"config key figures.{fig_name}: a {fig['kind']} figure needs one benchmark and one group of two models (base, then RL)")
        if fig["kind"] == "perplexity" and not fig.get("problems"):
            raise ConfigError(f"config key figures.{fig_name}.problems: a perplexity figure needs the problem ids to score")
        if fig.get("filter"):
            filt = fig["filter"]
            if fig["kind"] != "passk_curves":
                raise ConfigError(f"config key figures.{fig_name}.filter: only passk_curves figures can be filtered")
            if filt["model"] not in models:
                raise ConfigError(f"config key figures.{fig_name}.filter.model: model {filt['model']!r} is not configured under models")
            if filt.get("setting", "default") != "default" and filt["setting"] not in settings:
                raise ConfigError(f"config key figures.{fig_name}.filter.setting: setting {filt['setting']!r} is not configured under settings")
        for bench in fig.get("benchmarks", []):
            if bench not in benchmarks:
                raise ConfigError(f"config key figures.{fig_name}.benchmarks: benchmark {bench!r} is not configured under benchmarks")
        if fig["kind"] == "verifier_panel":
            _check_verifier_panel(config, fig_name)
        for curve in figure_curves(config, fig_name):
            if curve["model"] not in models:
                raise ConfigError(f"config key figures.{fig_name}.models: model {curve['model']!r} is not configured under models")
            for bench in fig.get("benchmarks", []):
                setting = curve_setting(curve, bench)
                if setting != "default" and setting not in settings:
                    raise ConfigError(f"config key figures.{fig_name}.models: setting {setting!r} is not configured under settings")
            if isinstance(curve["setting"], dict):
                extra = sorted(set(curve["setting"]) - set(fig.get("benchmarks", [])))
                if extra:
                    raise ConfigError(f"config key figures.{fig_name}.models: setting names benchmarks {extra} that the figure does not show")
        for run in figure_runs(config, fig_name):
            per_job = shards_per_job(config, run.benchmark, run.setting)
            if len(run.shards) % per_job:
                raise ConfigError(
                    f"config key figures.{fig_name}: run {run.model}/{run.benchmark}/{run.setting} has {len(run.shards)} shards, "
                    f"not a multiple of its shards_per_job {per_job} (make n a multiple of shard_size x shards_per_job)"
                )
        for bench in fig.get("benchmarks", []):
            if benchmarks[bench].get("family") == "vision" and benchmarks[bench].get("prompt", "model") == "model":
                raise ConfigError(f"config key benchmarks.{bench}.prompt: a visual math benchmark needs a prompt that "
                                  "shows the image (easyr1, the paper's Fig 26)")
    for fig_name in config["figures"]:
        for run in figure_runs(config, fig_name):
            try:
                run_prompt(models[run.model], benchmarks[run.benchmark])
            except ConfigError as exc:
                raise ConfigError(f"config key models.{run.model}.template: figure {fig_name} samples it on {run.benchmark}: {exc}") from None


def _check_verifier_panel(config: dict[str, Any], fig_name: str) -> None:
    """A verifier panel compares math checkers: math benchmarks only, and at least two checkers."""
    checkers = (config.get("verify") or {}).get("math_checkers") or []
    if len(checkers) < 2:
        raise ConfigError(f"config key verify.math_checkers: figure {fig_name} is a verifier_panel, which compares "
                          f"checkers; list at least two (e.g. [math_verify, paper, strict]), got {list(checkers)}")
    for bench in config["figures"][fig_name]["benchmarks"]:
        if config["benchmarks"][bench].get("family") != "math":
            raise ConfigError(f"config key figures.{fig_name}.benchmarks: {bench!r} is not a math benchmark "
                              "(a verifier_panel compares math answer checkers)")
