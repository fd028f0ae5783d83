"""Config validation: every mistake is answered with the key's path and what was expected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from passk.config import grid as pc
from passk.config import validate as cv
from passk.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "config" / "schema.yaml"


def load(name: str) -> dict:
    return yaml.safe_load((REPO / "config" / name).read_text())


@pytest.fixture(params=["config.yaml", "smoke.yaml"])
def cfg(request: pytest.FixtureRequest) -> dict:
    return load(request.param)


def check(config: dict) -> None:
    cv.validate_schema(config, SCHEMA)
    cv.check_config(config)


def test_shipped_configs_are_valid(cfg: dict) -> None:
    check(cfg)
    assert pc.all_runs(cfg)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["sampling"].update(temperature="hot"), "config key sampling.temperature: 'hot' is not of type 'number'"),
        (lambda c: c["sampling"].update(top_p=1.5), "config key sampling.top_p: 1.5 is greater than the maximum of 1"),
        (lambda c: c.update(samplng={}), "config key <top level>: unknown key(s) ['samplng']"),
        (lambda c: c["models"]["qwen2.5-7b"].update(role="teacher"), "config key models.qwen2.5-7b.role: 'teacher' is not one of"),
        (lambda c: c["benchmarks"]["math500"].update(n="128"), "config key benchmarks.math500.n: '128' is not of type 'integer'"),
        (lambda c: c["models"]["qwen2.5-7b"].pop("role"), "config key models.qwen2.5-7b: 'role' is a required property"),
        (lambda c: c["models"]["qwen2.5-7b"].update(hf_id="no-slash"), "config key models.qwen2.5-7b.hf_id: 'no-slash' does not match"),
    ],
)
def test_schema_errors_name_the_key(edit, message: str) -> None:
    config = load("config.yaml")
    edit(config)
    with pytest.raises(ConfigError) as info:
        check(config)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["models"]["qwen2.5-7b"].update(template="qwen-boxd"), "config key models.qwen2.5-7b.template: unknown template 'qwen-boxd'"),
        (lambda c: c["benchmarks"]["math500"].update(n=100), "config key benchmarks.math500.n: n=100 is not a multiple of the shard size 32"),
        (lambda c: c["figures"]["fig2_math"]["models"][0].append("gpt-5"), "config key figures.fig2_math.models: model 'gpt-5' is not configured"),
        (lambda c: c["figures"]["fig2_math"]["benchmarks"].append("aime25"), "config key figures.fig2_math.benchmarks: benchmark 'aime25' is not configured"),
        (lambda c: c["models"]["qwen2.5-7b"].pop("revision"), "config key models.qwen2.5-7b.revision: a Hugging Face model needs a pinned revision"),
        (lambda c: c["models"]["qwen2.5-7b"].update(path="/models/x"), "config key models.qwen2.5-7b: give exactly one of hf_id, path, tiny"),
        (lambda c: c["benchmarks"]["math500"].update(prompt="humaneval"), "config key benchmarks.math500.prompt: unknown prompt 'humaneval'"),
        (lambda c: c["figures"]["fig16_temperature"]["models"][1][0].update(setting="t9"), "setting 't9' is not configured under settings"),
        (lambda c: c["benchmarks"]["olympiadbench"]["n_per_model"].update({"llama-4": 1024}), "benchmarks.olympiadbench.n_per_model.llama-4: model 'llama-4' is not configured"),
        (lambda c: c["figures"]["table4_aime_coverage"]["models"][0].pop(), "config key figures.table4_aime_coverage: a coverage_table figure needs one benchmark and one group of two models"),
    ],
)
def test_semantic_errors_name_the_key(edit, message: str) -> None:
    config = load("config.yaml")
    edit(config)
    with pytest.raises(ConfigError) as info:
        check(config)
    assert message in str(info.value)


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    text = (REPO / "config" / "smoke.yaml").read_text()
    text = text.replace("models:\n", "models:\n  tiny-rl:\n    role: rl\n    tiny: {}\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"dup\.yaml:\d+: duplicate key 'tiny-rl'"):
        cv.load_yaml_strict(path)


def test_runs_cover_figures_once_with_per_model_n() -> None:
    config = load("config.yaml")
    runs = pc.all_runs(config)
    keys = [(r.model, r.benchmark, r.setting) for r in runs]
    assert len(keys) == len(set(keys))
    by_key = {(r.model, r.benchmark, r.setting): r for r in runs}
    assert by_key[("llama-3.1-8b", "olympiadbench", "default")].n == 1024
    assert by_key[("qwen2.5-7b", "olympiadbench", "default")].n == 128
    assert by_key[("qwen2.5-7b", "aime24", "default")].shards == list(range(8))
    assert ("qwen2.5-7b", "aime24", "t1.2") in by_key
    assert by_key[("deepcoder-14b", "lcb_2408_2501", "long32k")].n == 64


def test_models_with_same_weights_share_a_folder() -> None:
    config = load("config.yaml")
    assert pc.weights_id(config, "qwen2.5-32b") == pc.weights_id(config, "qwen2.5-32b-abel")
    assert pc.weights_id(config, "qwen2.5-7b") != pc.weights_id(config, "qwen2.5-14b")


def test_sampling_slices_overlay_settings() -> None:
    config = load("config.yaml")
    assert pc.sampling_slice(config, "default") == {"temperature": 0.6, "top_p": 0.95, "max_tokens": 16384, "seed": 0}
    assert pc.sampling_slice(config, "t1.2")["temperature"] == 1.2
    assert pc.gpus_for(config, "qwen2.5-32b") == 2 and pc.gpus_for(config, "qwen2.5-7b") == 1
    smoke = load("smoke.yaml")
    assert pc.gpus_for(smoke, "tiny-base") == 0


def test_data_dir_errors_name_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pc.DATA_DIR_ENV, str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="environment variable PASSK_DATA_DIR"):
        pc.resolve_data_dir({})
    with pytest.raises(ConfigError, match="config key data_dir"):
        pc.resolve_data_dir({"data_dir": str(tmp_path / "nope")})
    assert pc.resolve_data_dir({"data_dir": str(tmp_path)}) == str(tmp_path.resolve())


def test_fig17_samples_at_the_searched_temperature_and_settings_may_differ_per_benchmark() -> None:
    config = load("config.yaml")
    runs = {(r.model, r.benchmark, r.setting) for r in pc.figure_runs(config, "fig17_entropy_matched")}
    assert ("simplerl-qwen2.5-7b", "aime24", "entropy_matched") in runs
    assert ("simplerl-qwen2.5-7b", "math500", "default") in runs
    assert ("qwen2.5-7b", "aime24", "default") in runs
    assert pc.sampling_slice(config, "entropy_matched")["temperature"] == "matched"  # decided by rule match_temperature
    curve = config["figures"]["fig17_entropy_matched"]["models"][0][2]
    curve["setting"] = {"aime24": "t1.2", "math500": "t1.0"}  # a map benchmark -> setting
    runs = {(r.model, r.benchmark, r.setting) for r in pc.figure_runs(config, "fig17_entropy_matched")}
    assert ("simplerl-qwen2.5-7b", "aime24", "t1.2") in runs and ("simplerl-qwen2.5-7b", "gsm8k", "default") in runs
    curve["setting"]["aime25"] = "t1.2"
    with pytest.raises(ConfigError, match="names benchmarks \\['aime25'\\] that the figure does not show"):
        cv.check_config(config)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["figures"]["fig12_aime_guess_filtered"]["filter"].update(model="gpt-x"), "figures.fig12_aime_guess_filtered.filter.model: model 'gpt-x' is not configured"),
        (lambda c: c["figures"]["fig12_aime_guess_filtered"]["filter"].update(setting="t7"), "figures.fig12_aime_guess_filtered.filter.setting: setting 't7' is not configured"),
        (lambda c: c["figures"]["fig6_perplexity"].pop("problems"), "figures.fig6_perplexity.problems: a perplexity figure needs the problem ids"),
        (lambda c: c["figures"]["fig5_minerva_histogram"].update(filter={"model": "qwen2.5-7b-direct"}), "figures.fig5_minerva_histogram.filter: only passk_curves figures can be filtered"),
    ],
)
def test_filter_and_perplexity_figures_are_checked(edit, message: str) -> None:
    config = load("config.yaml")
    edit(config)
    with pytest.raises(ConfigError, match=re.escape(message)):
        cv.check_config(config)


def test_filter_run_is_sampled() -> None:
    config = load("config.yaml")
    runs = {(r.model, r.benchmark, r.setting) for r in pc.figure_runs(config, "fig12_aime_guess_filtered")}
    assert ("qwen2.5-7b-direct", "aime24", "direct64") in runs
    assert pc.sampling_slice(config, "direct64")["max_tokens"] == 64
