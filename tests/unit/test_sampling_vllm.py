"""vLLM adapter: contract tests of our translation functions against vLLM's documented API, and
the vLLM-facing code path run end to end through a fake ``LLM``.

HONESTY NOTE. vLLM cannot be installed on the development machines (no GPU). The contract tests
therefore run against one of two sources, and their test ids say which:

- ``recorded-vllm-0.30.0``: parameter and field names recorded from the source of the vllm
  wheels on PyPI (``vllm/entrypoints/llm.py`` ``LLM.__init__`` and ``LLM.generate``,
  ``vllm/engine/arg_utils.py`` ``EngineArgs`` for the options ``LLM`` forwards through
  ``**kwargs``, ``vllm/sampling_params.py`` ``SamplingParams``, ``vllm/outputs.py``
  ``CompletionOutput``/``RequestOutput``). Each recorded name was checked (by parsing those files)
  to exist in 0.30.0, the version pinned in envs/vllm.yaml, and in 0.33.0. These tests only prove
  that we use names that exist in those releases; they cannot catch a behaviour change.
- ``installed-vllm``: the same checks against the real classes, run only where ``import vllm``
  works (GPU nodes with envs/vllm.yaml); skipped here.

Neither kind samples from vLLM. The fake ``LLM`` below mimics the documented ``RequestOutput``
shape (and its field names are checked against the same source), and the n-child seeding
``seed + index`` of vLLM's V1 parallel sampling.
"""

from __future__ import annotations

import dataclasses
import inspect
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from passk.errors import ConfigError
from passk.io import write_jsonl
from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.records.samples import SAMPLE_SCHEMA, read_samples
from passk.sampling.base import Completion, PromptRequest, SamplingSettings
from passk.sampling.shard import sample_shard
from passk.sampling.vllm_backend import (
    VLLMBackend,
    completion_from_output,
    completions_from_request_output,
    llm_kwargs,
    sampling_params_kwargs,
)

try:  # pragma: no cover - only on GPU nodes
    import vllm as _vllm
except Exception:  # noqa: BLE001 - any import failure means "not available"
    _vllm = None

# ---- names recorded from the vllm 0.30.0 / 0.33.0 wheels (see module docstring) ----------------------------
RECORDED_LLM_INIT = {
    "model", "runner", "convert", "tokenizer", "tokenizer_mode", "skip_tokenizer_init", "trust_remote_code",
    "allowed_local_media_path", "allowed_media_domains", "tensor_parallel_size", "dtype", "quantization",
    "revision", "tokenizer_revision", "chat_template", "seed", "gpu_memory_utilization", "cpu_offload_gb",
    "enforce_eager", "disable_custom_all_reduce", "hf_token", "hf_overrides", "mm_processor_kwargs",
    "pooler_config", "compilation_config", "kv_cache_memory_bytes", "logits_processors",
}
# EngineArgs fields that LLM(**kwargs) forwards (only those we use are listed).
RECORDED_ENGINE_ARGS = {"max_model_len", "enable_prefix_caching", "generation_config", "dtype", "seed",
                        "tensor_parallel_size", "gpu_memory_utilization", "revision"}
RECORDED_GENERATE = {"prompts", "sampling_params", "use_tqdm", "lora_request", "priority", "tokenization_kwargs"}
RECORDED_SAMPLING_PARAMS = {
    "n", "presence_penalty", "frequency_penalty", "repetition_penalty", "temperature", "top_p", "top_k",
    "min_p", "seed", "stop", "stop_token_ids", "ignore_eos", "max_tokens", "min_tokens", "logprobs",
    "prompt_logprobs", "detokenize", "skip_special_tokens", "spaces_between_special_tokens",
    "include_stop_str_in_output", "output_kind", "logit_bias", "allowed_token_ids", "extra_args", "bad_words",
}
RECORDED_COMPLETION_OUTPUT = {"index", "text", "token_ids", "cumulative_logprob", "logprobs", "finish_reason",
                              "stop_reason", "lora_request"}
RECORDED_REQUEST_OUTPUT = {"request_id", "prompt", "prompt_token_ids", "prompt_logprobs", "outputs", "finished",
                           "metrics", "lora_request", "num_cached_tokens"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see tests/conftest.py


def _real_names() -> dict[str, set[str]]:  # pragma: no cover - only with vllm installed
    from vllm.engine.arg_utils import EngineArgs
    from vllm.outputs import CompletionOutput, RequestOutput

    return {
        "llm_init": set(inspect.signature(_vllm.LLM.__init__).parameters) - {"self", "kwargs"},
        "engine_args": {f.name for f in dataclasses.fields(EngineArgs)},
        "generate": set(inspect.signature(_vllm.LLM.generate).parameters) - {"self"},
        "sampling_params": set(getattr(_vllm.SamplingParams, "__struct_fields__", ()))
        or set(inspect.signature(_vllm.SamplingParams).parameters),
        "completion_output": {f.name for f in dataclasses.fields(CompletionOutput)},
        "request_output": set(inspect.signature(RequestOutput.__init__).parameters) - {"self", "kwargs"},
    }


def _recorded_names() -> dict[str, set[str]]:
    return {
        "llm_init": RECORDED_LLM_INIT, "engine_args": RECORDED_ENGINE_ARGS, "generate": RECORDED_GENERATE,
        "sampling_params": RECORDED_SAMPLING_PARAMS, "completion_output": RECORDED_COMPLETION_OUTPUT,
        "request_output": RECORDED_REQUEST_OUTPUT,
    }


SOURCES = [
    pytest.param(_recorded_names, id="recorded-vllm-0.30.0"),
    pytest.param(_real_names, id="installed-vllm",
                 marks=pytest.mark.skipif(_vllm is None, reason="vllm is not importable here (no GPU); recorded names only")),
]

SETTINGS = SamplingSettings(n=4, temperature=0.6, top_p=0.95, max_tokens=64, stop=("</s>", "<|im_end|>", "user"))
REQUEST = PromptRequest("p1", "What is 1+1?", 12345)


# ---- contract tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("names", SOURCES)
def test_contract_llm_kwargs_are_vllm_LLM_parameters(names: Any) -> None:
    n = names()
    kwargs = llm_kwargs("/models/x", tensor_parallel_size=2, max_model_len=4096, enable_prefix_caching=True)
    assert set(kwargs) <= n["llm_init"] | n["engine_args"]
    assert kwargs["model"] == "/models/x" and kwargs["max_model_len"] == 4096 and kwargs["tensor_parallel_size"] == 2
    assert "max_model_len" not in llm_kwargs("/models/x")  # unset: vLLM derives it from the config


@pytest.mark.parametrize("names", SOURCES)
def test_contract_sampling_params_kwargs_are_vllm_SamplingParams_fields(names: Any) -> None:
    kwargs = sampling_params_kwargs(REQUEST, SETTINGS, [7])
    assert set(kwargs) <= names()["sampling_params"]
    assert kwargs == {
        "n": 4, "seed": 12345, "temperature": 0.6, "top_p": 0.95, "max_tokens": 64,
        "stop": ["</s>", "<|im_end|>", "user"], "stop_token_ids": [7],
        "include_stop_str_in_output": False, "skip_special_tokens": True,
    }


@pytest.mark.parametrize("names", SOURCES)
def test_contract_generate_call_and_output_fields_we_read(names: Any) -> None:
    n = names()
    assert {"prompts", "sampling_params", "use_tqdm"} <= n["generate"]  # LLM.generate(prompts, params, use_tqdm=False)
    assert {"index", "text", "token_ids", "finish_reason"} <= n["completion_output"]
    assert {"request_id", "outputs"} <= n["request_output"]
    # the fake below has exactly vLLM's shape (a subset of the documented fields)
    assert {f.name for f in dataclasses.fields(FakeCompletionOutput)} <= n["completion_output"]
    assert {f.name for f in dataclasses.fields(FakeRequestOutput)} <= n["request_output"]


@pytest.mark.skipif(_vllm is None, reason="vllm is not importable here (no GPU)")
def test_contract_real_SamplingParams_accepts_our_kwargs() -> None:  # pragma: no cover
    params = _vllm.SamplingParams(**sampling_params_kwargs(REQUEST, SETTINGS, [7]))
    assert params.n == 4 and params.seed == 12345


# ---- translation of outputs ------------------------------------------------------------------------
@dataclass
class FakeCompletionOutput:
    """vllm.outputs.CompletionOutput's documented fields."""

    index: int
    text: str
    token_ids: list[int]
    cumulative_logprob: float | None = None
    logprobs: Any = None
    finish_reason: str | None = None
    stop_reason: int | str | None = None


@dataclass
class FakeRequestOutput:
    """vllm.outputs.RequestOutput's documented fields."""

    request_id: str
    prompt: str
    prompt_token_ids: list[int]
    prompt_logprobs: Any
    outputs: list[FakeCompletionOutput] = field(default_factory=list)
    finished: bool = True


def test_request_output_to_completions_orders_by_index_and_counts_tokens() -> None:
    ro = FakeRequestOutput("0", "p", [1, 2], None, [
        FakeCompletionOutput(1, "b", [5, 6, 7], finish_reason="length"),
        FakeCompletionOutput(0, "a user", [5], finish_reason="stop", stop_reason="user"),
    ])
    assert completions_from_request_output(ro, 2, ("user",)) == [Completion("a ", "stop", 1), Completion("b", "length", 3)]


def test_incomplete_outputs_are_errors_not_samples() -> None:
    with pytest.raises(RuntimeError, match="abort"):
        completion_from_output(FakeCompletionOutput(0, "x", [1], finish_reason="abort"))
    ro = FakeRequestOutput("0", "p", [1], None, [FakeCompletionOutput(0, "a", [1], finish_reason="stop")])
    with pytest.raises(RuntimeError, match="expected 0..1"):
        completions_from_request_output(ro, 2)


# ---- the vLLM-facing path through a fake engine ------------------------------------------------------
class FakeLLM:
    """Stands in for ``vllm.LLM``: same constructor keywords, ``get_tokenizer``, and
    ``generate(prompts, sampling_params, use_tqdm=...)`` returning RequestOutput-shaped objects.
    Child j of a request samples with ``seed + j``, as vLLM's V1 parallel sampling does."""

    instances: list["FakeLLM"] = []

    def __init__(self, **kwargs: Any) -> None:
        from transformers import AutoTokenizer

        assert set(kwargs) <= RECORDED_LLM_INIT | RECORDED_ENGINE_ARGS
        self.kwargs = kwargs
        self.calls: list[tuple[list[str], list[dict[str, Any]]]] = []
        self._tokenizer = AutoTokenizer.from_pretrained(kwargs["model"])
        FakeLLM.instances.append(self)

    def get_tokenizer(self) -> Any:
        return self._tokenizer

    def generate(self, prompts: list[str], sampling_params: list[dict[str, Any]], *, use_tqdm: bool = True) -> list[FakeRequestOutput]:
        assert isinstance(sampling_params, list) and len(sampling_params) == len(prompts)
        self.calls.append((list(prompts), list(sampling_params)))
        results = []
        for i, (prompt, params) in enumerate(zip(prompts, sampling_params)):
            outs = []
            for j in reversed(range(params["n"])):  # vLLM does not promise index order
                rng = random.Random(params["seed"] + j)
                text = "\\boxed{%d}" % rng.randint(2, 18)
                ids = self._tokenizer(text, add_special_tokens=False)["input_ids"]
                if len(ids) >= params["max_tokens"]:
                    outs.append(FakeCompletionOutput(j, self._tokenizer.decode(ids[: params["max_tokens"]]), ids[: params["max_tokens"]], finish_reason="length"))
                else:
                    outs.append(FakeCompletionOutput(j, text, ids + [params["stop_token_ids"][0]], finish_reason="stop", stop_reason=params["stop_token_ids"][0]))
            results.append(FakeRequestOutput(str(i), prompt, self._tokenizer(prompt)["input_ids"], None, outs))
        return results


PROBLEMS = toy_arithmetic_problems(4)
MODEL = {"name": "tiny", "hf_id": "local/tiny", "revision": "r1", "template": "qwen-boxed", "role": "base", "chat": "chatml"}
BENCH = {"name": "toy", "prompt": "model"}
SAMPLING = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 16, "seed": 0}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("vllm")
    build_tiny_model(root / "model", seed=0, train_texts=problem_train_texts(PROBLEMS), train_steps=20)
    write_jsonl(root / "toy.jsonl", PROBLEMS)
    return {"root": root, "model": root / "model", "problems": root / "toy.jsonl"}


def _shard(env: dict[str, Path], backend: dict[str, Any], out: str, shard: int = 1) -> Path:
    path = env["root"] / out
    sample_shard(model=MODEL, benchmark=BENCH, problems_path=str(env["problems"]), shard=shard, shard_size=3,
                 sampling=SAMPLING, backend=backend, out_path=str(path), model_dir=str(env["model"]))
    return path


def test_vllm_backend_sends_one_seeded_sampling_params_per_problem(env: dict[str, Path]) -> None:
    FakeLLM.instances.clear()
    _shard(env, {"name": "vllm", "llm_factory": FakeLLM, "sampling_params_factory": dict, "max_model_len": 512}, "v/a.parquet")
    (llm,) = FakeLLM.instances
    assert llm.kwargs["model"] == str(env["model"]) and llm.kwargs["max_model_len"] == 512
    assert llm.kwargs["enable_prefix_caching"] is True
    (prompts, params), = llm.calls  # one generate call for the shard
    assert len(prompts) == len(set(prompts)) == len(PROBLEMS)  # no prompt repeated n times
    assert all(p["n"] == 3 for p in params)
    rows = read_samples(env["root"] / "v/a.parquet")
    assert [p["seed"] for p in params] == [rows[3 * i]["seed"] for i in range(len(PROBLEMS))]
    im_end = llm.get_tokenizer().convert_tokens_to_ids("<|im_end|>")
    assert all(im_end in p["stop_token_ids"] and "user" in p["stop"] for p in params)


def test_both_backends_write_the_same_sample_schema(env: dict[str, Path]) -> None:
    tf = _shard(env, {"name": "transformers"}, "s/tf.parquet")
    vl = _shard(env, {"name": "vllm", "llm_factory": FakeLLM, "sampling_params_factory": dict}, "s/vllm.parquet")
    assert pq.read_schema(tf).remove_metadata() == pq.read_schema(vl).remove_metadata() == SAMPLE_SCHEMA
    a, b = read_samples(tf), read_samples(vl)
    same = ("problem_id", "sample_index", "seed", "prompt_tokens", "model", "model_revision", "template")
    assert [tuple(r[k] for k in same) for r in a] == [tuple(r[k] for k in same) for r in b]
    assert {r["backend"] for r in a} == {"transformers"} and {r["backend"] for r in b} == {"vllm"}
    assert all(r["text"].startswith("\\boxed{") and r["finish_reason"] == "stop" for r in b)
    assert [r["sample_index"] for r in b[:3]] == [3, 4, 5]  # index order restored


def test_vllm_backend_length_finish_reason(env: dict[str, Path]) -> None:
    sample_shard(model=MODEL, benchmark=BENCH, problems_path=str(env["problems"]), shard=0, shard_size=2,
                 sampling={**SAMPLING, "max_tokens": 2}, backend={"name": "vllm", "llm_factory": FakeLLM, "sampling_params_factory": dict},
                 out_path=str(env["root"] / "l.parquet"), model_dir=str(env["model"]))
    rows = read_samples(env["root"] / "l.parquet")
    assert {(r["finish_reason"], r["num_tokens"]) for r in rows} == {("length", 2)}


@pytest.mark.skipif(_vllm is not None, reason="vllm is installed here")
def test_missing_vllm_is_a_clear_config_error(env: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="cannot import vllm"):
        VLLMBackend(str(env["model"]))
