"""sample_shard: schema, seeds, sample indices, incremental n, the max_model_len guard, truncation report."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from passk.analysis.sampling_report import write_sampling_report
from passk.errors import ConfigError
from passk.io import write_jsonl
from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.prompts import label_template_known
from passk.records.samples import SAMPLE_SCHEMA, read_samples
from passk.sampling import shard as shard_mod
from passk.sampling.seeds import problem_seed, shard_seed
from passk.sampling.shard import sample_shard, shard_stop_strings

PROBLEMS = toy_arithmetic_problems(5)
MODEL = {"name": "tiny-base", "hf_id": "local/tiny", "revision": "rev-abc", "template": "qwen-boxed", "role": "base", "chat": "chatml"}
BENCH = {"name": "toy", "prompt": "model"}
SAMPLING = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 16, "seed": 0}
BACKEND = {"name": "transformers", "batch_size": 8}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("shard")
    model_dir = root / "model"
    build_tiny_model(model_dir, seed=0, train_texts=problem_train_texts(PROBLEMS), train_steps=30, max_position_embeddings=256)
    problems = root / "toy.jsonl"
    write_jsonl(problems, PROBLEMS)
    return {"root": root, "model": model_dir, "problems": problems}


def _run(env: dict[str, Path], out: Path, shard: int, *, shard_size: int = 3, backend: dict | None = None, sampling: dict | None = None, model: dict | None = None) -> Path:
    sample_shard(
        model=model or MODEL, benchmark=BENCH, problems_path=str(env["problems"]), shard=shard, shard_size=shard_size,
        sampling=sampling or SAMPLING, backend=backend or BACKEND, out_path=str(out), model_dir=str(env["model"]),
    )
    return out


def test_rows_have_every_schema_field_and_global_sample_indices(env: dict[str, Path]) -> None:
    out = _run(env, env["root"] / "a" / "tiny-base" / "toy" / "shard-2.parquet", 2)
    rows = read_samples(out)
    assert len(rows) == len(PROBLEMS) * 3
    for row in rows:
        assert set(row) == set(SAMPLE_SCHEMA.names)
        assert all(row[k] is not None for k in SAMPLE_SCHEMA.names)
    assert [r["problem_id"] for r in rows[:3]] == [PROBLEMS[0]["id"]] * 3
    assert [r["sample_index"] for r in rows[:3]] == [6, 7, 8]
    expected_seed = problem_seed(shard_seed("tiny-base", "toy", 2, 0), PROBLEMS[0]["id"])
    assert rows[0]["seed"] == expected_seed
    assert {r["backend"] for r in rows} == {"transformers"}
    assert {(r["model"], r["model_revision"], r["template"]) for r in rows} == {("tiny-base", "rev-abc", "qwen-boxed")}
    assert all(r["finish_reason"] in ("stop", "length") and r["num_tokens"] > 0 and r["prompt_tokens"] > 10 for r in rows)


def test_seeds_are_stable_and_distinct_across_shards_problems_and_base_seed() -> None:
    seeds = {shard_seed("m", "b", s) for s in range(200)}
    assert len(seeds) == 200
    assert shard_seed("m", "b", 3) == shard_seed("m", "b", 3)
    assert shard_seed("m", "b", 3) != shard_seed("m", "b", 3, base_seed=1)
    assert shard_seed("m", "b", 0) != shard_seed("m", "b2", 0) != shard_seed("m2", "b", 0)
    per_problem = {problem_seed(shard_seed("m", "b", s), f"p{i}") for s in range(20) for i in range(50)}
    assert len(per_problem) == 1000
    assert all(0 <= s < 2**31 - 1 for s in seeds | per_problem)


def test_growing_n_adds_only_new_shards(env: dict[str, Path]) -> None:
    """n=6 then n=12 (shard_size 3): shards 0-1 are the same bytes in both runs; 2-3 are new samples."""
    small = [_run(env, env["root"] / "n6" / f"shard-{i}.parquet", i) for i in range(2)]
    large = [_run(env, env["root"] / "n12" / f"shard-{i}.parquet", i) for i in range(4)]
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert [digest(p) for p in small] == [digest(p) for p in large[:2]]
    rows = [r for p in large for r in read_samples(p)]
    keys = [(r["problem_id"], r["sample_index"]) for r in rows]
    assert len(set(keys)) == len(keys) == len(PROBLEMS) * 12
    assert sorted({r["sample_index"] for r in rows}) == list(range(12))
    assert len({r["seed"] for r in rows}) == len(PROBLEMS) * 4  # one seed per (problem, shard)


def test_guard_from_backend_max_model_len_names_model_benchmark_and_numbers(env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    def no_backend(*args: object, **kwargs: object) -> None:
        raise AssertionError("the guard must run before the backend is loaded")

    monkeypatch.setattr(shard_mod, "get_backend", no_backend)
    with pytest.raises(ConfigError) as err:
        _run(env, env["root"] / "g" / "x.parquet", 0, backend={"name": "transformers", "max_model_len": 40})
    msg = str(err.value)
    assert "tiny-base" in msg and "toy" in msg and "context 40 (backend max_model_len)" in msg and "max_tokens 16" in msg
    assert not (env["root"] / "g" / "x.parquet").exists()


def test_guard_from_config_max_position_embeddings(env: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shard_mod, "get_backend", lambda *a, **k: pytest.fail("backend loaded"))
    with pytest.raises(ConfigError, match=r"context 256 \(config.json"):
        _run(env, env["root"] / "g" / "y.parquet", 0, sampling={**SAMPLING, "max_tokens": 250})


def test_stop_strings_for_code_prompts_do_not_cut_code() -> None:
    assert "user" in shard_stop_strings(MODEL, BENCH)
    code = shard_stop_strings(MODEL, {"name": "humaneval", "prompt": "evalplus"})
    assert "user" not in code and "<|im_end|>" in code
    assert shard_stop_strings(MODEL, {"name": "x", "prompt": "evalplus", "stop": ["```"]}) == ["```"]


def test_sampling_report(env: dict[str, Path]) -> None:
    """One row per run as the rule names it (no run is read out of a path), sorted by run."""
    base = env["root"] / "tr" / "tiny-base" / "toy"
    ok = _run(env, base / "shard-0.parquet", 0)
    short = _run(env, env["root"] / "tr" / "tiny-rl" / "toy" / "shard-0.parquet", 0,
                 model={**MODEL, "name": "tiny-rl"}, sampling={**SAMPLING, "max_tokens": 2})
    out = env["root"] / "report.csv"
    write_sampling_report([("tiny-rl", "toy", "t0.6"), ("tiny-base", "toy", "default")], [[short], [ok]], str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == "model,benchmark,setting,samples,truncated,truncation_rate,mean_tokens,max_tokens"
    assert lines[1].startswith("tiny-base,toy,default,15,0,0.000000,")
    assert lines[2] == "tiny-rl,toy,t0.6,15,15,1.000000,2.000,2"


def test_chat_prompts_rendered_with_the_tokenizer_template(env: dict[str, Path]) -> None:
    out = env["root"] / "chat" / "shard-0.parquet"
    sample_shard(model={**MODEL, "chat": "tokenizer"}, benchmark={"name": "code", "prompt": "evalplus"},
                 problems_path=str(env["problems"]), shard=0, shard_size=2, sampling=SAMPLING, backend=BACKEND,
                 out_path=str(out), model_dir=str(env["model"]))
    rows = read_samples(out)
    assert len(rows) == 2 * len(PROBLEMS)
    # the label names the chat template by its hash: this one is none of those traced to a source
    (label,) = {r["template"] for r in rows}
    assert label.startswith("evalplus:tokenizer@") and label_template_known(label) is False


def test_fit_fills_the_context_and_is_recorded(env: dict[str, Path]) -> None:
    """max_tokens: fit = the context (here config.json's 256) minus the longest prompt, in every row."""
    out = _run(env, env["root"] / "fit" / "shard-0.parquet", 0, sampling={**SAMPLING, "max_tokens": "fit"}, shard_size=1)
    rows = read_samples(out)
    longest = max(r["prompt_tokens"] for r in rows)
    assert {r["max_tokens"] for r in rows} == {256 - longest}
    out = _run(env, env["root"] / "fit" / "shard-1.parquet", 1, shard_size=1)
    assert {r["max_tokens"] for r in read_samples(out)} == {16}
