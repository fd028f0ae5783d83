"""The plan-time check (passk.config.fit): every figure target of the paper grid fits its models'
contexts; the old Fig 7 / Fig 10 settings do not; user-supplied models skip their figures."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
import yaml

from passk.benchmarks.registry import family
from passk.benchmarks.vision import prepare as vision_prepare
from passk.config import fit
from passk.config import grid as pc
from passk.config import validate as cv
from passk.config.unfilled import skip_unfilled
from passk.errors import ConfigError
from passk.io import write_jsonl
from passk.models.tiny import build_tiny_model
from passk.prompts import prompt_spec
from passk.sampling.budget import CHAT_TEMPLATE_SLACK_BYTES, SPECIAL_TOKEN_SLACK, Context, Longest, model_context, resolve_max_tokens

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("PASSK_DATA_DIR") or REPO.parent / "shared" / "data")
needs_data = pytest.mark.skipif(not (DATA / "math").is_dir(), reason="the staged benchmark files ($PASSK_DATA_DIR) are not here")


def load(name: str) -> dict:
    """A config as the workflow plans it: checked, and without the figures (and models) the user
    has still to fill in (their own checkpoints: passk.config.unfilled)."""
    config = yaml.safe_load((REPO / "config" / name).read_text())
    cv.validate_schema(config)
    skip_unfilled(config)
    cv.check_config(config)
    return config


def old_fig7_fig10(config: dict) -> dict:
    """The settings before issue 12: the Qwen2.5-Math-7B family at 4096 tokens of context asked for
    16,384 new tokens (PAPER.md §2 (a)); R1-Distill-7B on ChatML text."""
    config = copy.deepcopy(config)
    for name in ("qwen2.5-math-7b", "oat-zero-7b", "qwen2.5-math-7b-instruct"):
        config["models"][name].pop("max_tokens")
    config["models"]["r1-distill-qwen-7b"].update(template="qwen25-math-cot", chat="chatml")
    return config


def test_every_figure_of_the_paper_grid_fits_before_anything_is_local() -> None:
    """No problem file, no source data, no weights: declared bounds and configured contexts."""
    config = load("config.yaml")
    report = fit.check_fit(config, pc.all_runs(config))
    assert len(report.fits) == len(pc.all_runs(config))
    by_run = {(f.run.model, f.run.benchmark): f for f in report.fits}
    oat = by_run[("oat-zero-7b", "aime24")]
    assert oat.context == Context(4096, "backend max_model_len") and oat.max_tokens == "fit" and 2048 < oat.new_tokens < 4096
    assert oat.longest.unit == "bytes" and "declared" in oat.longest.how
    assert by_run[("deepcoder-14b", "lcb_2408_2501")].new_tokens == 32768


@needs_data
def test_every_figure_of_the_paper_grid_fits_with_the_source_data() -> None:
    config = load("config.yaml")
    report = fit.check_fit(config, pc.all_runs(config), data_dir=str(DATA))
    assert {f.longest.how for f in report.fits if f.run.benchmark == "math500"} == {"bound, source data"}
    # the staged LiveCodeBench files hold public tests only: the plan says so as it starts
    assert any("lcb_2408_2501 will be graded on PUBLIC tests only" in w for w in report.warnings)


@pytest.mark.parametrize("data", [False, pytest.param(True, marks=needs_data)])
def test_the_old_fig7_fig10_settings_fail_the_plan(data: bool) -> None:
    config = old_fig7_fig10(load("config.yaml"))
    runs = pc.all_runs(config, ["fig7_distill", "fig10_oat_dapo"])
    with pytest.raises(ConfigError) as info:
        fit.check_fit(config, runs, data_dir=str(DATA) if data else None)
    message = str(info.value)
    for model, bench in [("qwen2.5-math-7b", "minerva_math"), ("oat-zero-7b", "aime24"), ("qwen2.5-math-7b-instruct", "minerva_math")]:
        assert f"model {model!r}, benchmark {bench!r}" in message
    assert "+ max_tokens 16384 =" in message and "> context 4096 (backend max_model_len)" in message
    assert "r1-distill-qwen-7b" not in message and "dapo-qwen-32b" not in message  # those fit
    assert message.startswith("5 run(s) cannot fit")  # Math-7B and Oat on Minerva and AIME24, Instruct on Minerva
    with pytest.raises(ConfigError):  # the whole grid fails as well
        fit.check_fit(config, pc.all_runs(config))


@needs_data
def test_declared_bounds_cover_the_staged_problems(tmp_path: Path) -> None:
    """longest_problem_bytes of the paper config is at least the longest staged problem text."""
    config = load("config.yaml")
    for name, bench in config["benchmarks"].items():
        out = tmp_path / f"{name}.jsonl"
        spec = {"name": name, **bench, **({"allow_missing_tests": True} if bench["family"] == "livecodebench" else {})}
        if bench["family"] == "vision":  # MathVista's images are not staged: the problem texts from the annotations
            annotation, _ = vision_prepare.annotation_file(name, spec, str(DATA), fetch=False)
            assert annotation is not None, name
            free = vision_prepare._free_form_records(annotation, bench["dataset"])
            records = [{"question": vision_prepare.mathvista_query(r, name) if bench["dataset"] == "mathvista" else r["question"]} for r in free]
        else:
            family(bench["family"]).prepare(name, spec, str(DATA), str(out))
            records = [json.loads(line) for line in out.read_text().splitlines()]
        longest = max(len(r["question"].encode()) + len(((r.get("metadata") or {}).get("starter_code") or "").encode()) for r in records)
        assert longest <= bench["longest_problem_bytes"], name


def test_the_byte_bound_is_above_the_token_count(tmp_path: Path) -> None:
    """Bytes bound tokens: the smoke tokenizer's count of a chat prompt stays under its bound."""
    model = tmp_path / "m"
    build_tiny_model(model, seed=0)
    problems = [{"id": f"p{i}", "question": "Compute 12 + 30 * x, then the answer." * (i + 1), "metadata": {"starter_code": ""}} for i in range(3)]
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    for spec in (prompt_spec("qwen-boxed"), prompt_spec(None, "livecodebench", "tokenizer")):
        tokens = fit.longest_in_tokens(problems, spec, tok, "test")
        bound = fit.longest_in_bytes(problems, spec, "test")
        assert tokens.length < bound.length and tokens.problem_id == bound.problem_id == "p2"
        declared = fit.longest_from_declared(len(problems[2]["question"].encode()), spec, "declared")
        assert declared.length >= bound.length
    assert CHAT_TEMPLATE_SLACK_BYTES > 0 and SPECIAL_TOKEN_SLACK >= 1


def test_problem_files_come_first_and_the_local_tokenizer_decides_what_the_bound_cannot(tmp_path: Path) -> None:
    config = load("smoke.yaml")
    problems = tmp_path / "aime24.jsonl"
    write_jsonl(problems, [{"id": "a/0", "index": 0, "question": "What is 1 + 1?", "answer": "2"}])
    model = tmp_path / "tiny"
    build_tiny_model(model, seed=0, max_position_embeddings=128)
    runs = [pc.Run("tiny-base", "aime24", "default", 8, 4)]
    report = fit.check_fit(config, runs, problems_path=lambda b: str(problems), model_dir=lambda m: str(model))
    (got,) = report.fits
    # ~170 bytes of prompt + 24 new tokens do not fit 128 by the byte bound: the local tokenizer decides
    assert got.longest.unit == "tokens" and got.longest.problem_id == "a/0" and got.context.source.startswith("config.json")
    assert got.context.tokens == 128 and got.new_tokens == 24 and got.longest.length + 24 <= 128
    roomy = tmp_path / "roomy"
    build_tiny_model(roomy, seed=0)  # 4096 positions: the bound settles it, no tokenizer is loaded
    (got,) = fit.check_fit(config, runs, problems_path=lambda b: str(problems), model_dir=lambda m: str(roomy)).fits
    assert got.longest.unit == "bytes" and got.context.tokens == 4096
    # a prompt rendered by the model's own chat template is counted with it whenever it is local
    code = tmp_path / "lcb.jsonl"
    write_jsonl(code, [{"id": "c/0", "index": 0, "question": "Print 1.", "tests": {}, "metadata": {"starter_code": ""}}])
    config["models"]["tiny-base"]["chat"] = "tokenizer"
    (got,) = fit.check_fit(config, [pc.Run("tiny-base", "lcb_2408_2501", "default", 8, 4)], problems_path=lambda b: str(code),
                           model_dir=lambda m: str(roomy)).fits
    assert got.longest.unit == "tokens"
    # a declared context beyond the model's config.json is refused once the weights are local
    config["models"]["tiny-base"]["context_length"] = 256
    with pytest.raises(ConfigError, match="exceeds the 128 positions of its config.json"):
        fit.check_fit(config, runs, problems_path=lambda b: str(problems), model_dir=lambda m: str(model))


def test_unknown_context_and_unknown_prompt_bound_name_the_key() -> None:
    config = load("config.yaml")
    config["backends"]["vllm"]["max_model_len"] = None
    with pytest.raises(ConfigError, match=r"models\.qwen2\.5-7b\.context_length"):
        fit.check_fit(config, [pc.Run("qwen2.5-7b", "math500", "default", 128, 32)])
    config = load("config.yaml")
    del config["benchmarks"]["math500"]["longest_problem_bytes"]
    with pytest.raises(ConfigError, match=r"benchmarks\.math500\.longest_problem_bytes"):
        fit.check_fit(config, [pc.Run("qwen2.5-7b", "math500", "default", 128, 32)])


def test_fit_is_the_context_minus_the_longest_prompt() -> None:
    ctx = Context(4096, "backend max_model_len")
    assert resolve_max_tokens(model_name="m", benchmark_name="b", policy="fit", context=ctx, longest=Longest(300, "tokens", "p", "t")) == 3796
    with pytest.raises(ConfigError, match="leaves no room"):
        resolve_max_tokens(model_name="m", benchmark_name="b", policy="fit", context=ctx, longest=Longest(4096, "tokens", "p", "t"))
    with pytest.raises(ConfigError, match=r"model 'm', benchmark 'b': longest prompt 300 tokens \(problem p, t\) \+ max_tokens 4000 = 4300 > context 4096"):
        resolve_max_tokens(model_name="m", benchmark_name="b", policy=4000, context=ctx, longest=Longest(300, "tokens", "p", "t"))
    assert model_context(model_name="m", max_model_len=None, context_length=None, default=4096).source.startswith("the tiny")


def test_model_max_tokens_and_precedence() -> None:
    config = load("config.yaml")
    assert pc.run_max_tokens(config, "oat-zero-7b", "aime24") == "fit"
    assert pc.run_max_tokens(config, "qwen2.5-7b", "aime24") == 16384
    assert pc.run_max_tokens(config, "deepcoder-14b", "lcb_2408_2501", "long32k") == 32768  # the setting wins
    assert pc.run_sampling(config, "qwen2.5-math-7b", "minerva_math", "default")["max_tokens"] == "fit"
    assert pc.run_n(config, "oat-zero-7b", "aime24") == 2048  # Fig 10's Oat curve runs to k = 2048


def test_user_supplied_models_skip_their_figures_with_a_message() -> None:
    config = load("config.yaml")
    config["models"]["my-rl"] = {"label": "My RL", "role": "rl", "template": "qwen-boxed",
                                 "supply": "your own GRPO checkpoint of Qwen2.5-7B"}
    config["figures"]["fig_mine"] = {"kind": "passk_curves", "benchmarks": ["math500"], "models": [["qwen2.5-7b", "my-rl"]]}
    cv.validate_schema(config)
    cv.check_config(config)  # a supply note stands for the source until it is filled in
    filled = copy.deepcopy(config)
    skipped = skip_unfilled(config)
    assert list(skipped) == ["fig_mine"]
    assert "models.my-rl.path" in skipped["fig_mine"] and "your own GRPO checkpoint" in skipped["fig_mine"]
    assert "fig_mine" not in config["figures"] and "my-rl" not in config["models"]
    assert all(r.model != "my-rl" for r in pc.all_runs(config))
    fit.check_fit(config, pc.all_runs(config))  # the rest of the grid still plans
    filled["models"]["my-rl"]["path"] = "/checkpoints/grpo-450"  # filled in: the figure is planned
    assert skip_unfilled(filled) == {} and "fig_mine" in filled["figures"]
    del filled["models"]["my-rl"]["supply"], filled["models"]["my-rl"]["path"]
    with pytest.raises(ConfigError, match="give exactly one of hf_id, path, tiny.*supply"):
        cv.check_config(filled)
