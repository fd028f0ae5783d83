"""Teacher-forced perplexity (passk.sampling.scoring and passk.analysis.perplexity, paper Fig 6) on a real tiny Qwen2 model.

The reference in these tests is deliberately naive and independent of the code under test: for
every response position t it runs the whole model on ``prompt_ids + response_ids[:t]`` and reads
the last row of the model's own ``forward`` logits, in float64. The scorer instead runs one
batched, right-padded decoder pass and applies the output head in chunks; agreement therefore
checks the position offsets, the padding, the chunked head and the response-only average.

vLLM HONESTY NOTE. vLLM cannot be installed here (no GPU). The ``recorded-vllm-0.30.0`` contract
tests check only that the ``SamplingParams`` keywords, the ``LLM.generate`` parameters and the
``RequestOutput``/``Logprob`` fields we use exist in vLLM's source (names recorded as in
``test_sampling_vllm.py``; ``Logprob`` from ``vllm/logprobs.py``: ``logprob, rank,
decoded_token``; ``PromptLogprobs = list[dict[int, Logprob] | None]``). The fake engine below
returns prompt log-probs that *we* compute with transformers in vLLM's documented shape, so the
end-to-end vLLM test proves our plumbing and parsing, not vLLM's numbers. The ``installed-vllm``
variants run only where ``import vllm`` works.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from passk.analysis.perplexity import PERPLEXITY_COLUMNS, perplexity_table, read_perplexity_table, select_responses, with_prompts
from passk.errors import ConfigError, DataError
from passk.io import write_jsonl
from passk.models.tiny import IM_END, build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.prompts import render_prompt
from passk.records.samples import write_samples
from passk.sampling.scoring import (
    encode_pair,
    perplexity_stats,
    response_logprobs_from_request_output,
    score_responses,
    vllm_prompt,
    vllm_sampling_params_kwargs,
)

try:  # pragma: no cover - only on GPU nodes
    import vllm as _vllm
except Exception:  # noqa: BLE001
    _vllm = None

PROBLEMS = toy_arithmetic_problems(8, seed=3)


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("ppl")
    build_tiny_model(root / "model", seed=0, train_texts=problem_train_texts(PROBLEMS), train_steps=40)
    write_jsonl(root / "toy.jsonl", PROBLEMS)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(root / "model", dtype="float32")
    model.eval()
    return {"root": root, "model_dir": str(root / "model"), "problems": str(root / "toy.jsonl"), "hf": model, "tok": AutoTokenizer.from_pretrained(root / "model")}


def _item(problem: dict[str, Any], response: str, source: str = "base", idx: int = 0) -> dict[str, Any]:
    return {"problem_id": problem["id"], "prompt": render_prompt(problem, template="qwen-boxed"), "response": response, "source": source, "sample_index": idx}


def _slow_logprobs(env: dict[str, Any], prompt: str, response: str) -> list[float]:
    """Independent reference: one full forward per response position, float64 log-softmax."""
    import torch

    tok, model = env["tok"], env["hf"]
    p = tok(prompt)["input_ids"]
    r = tok(response, add_special_tokens=False)["input_ids"]
    out = []
    with torch.inference_mode():
        for t in range(len(r)):
            x = torch.tensor([p + r[:t]])
            logits = model(input_ids=x).logits[0, -1].double()
            out.append(float(torch.log_softmax(logits, dim=-1)[r[t]]))
    return out


def _shuffled(text: str, seed: int = 0) -> str:
    chars = list(text)
    random.Random(seed).shuffle(chars)
    return "".join(chars)


# ---- the definition --------------------------------------------------------------------------------
def test_ppl_equals_exp_minus_mean_of_slow_per_position_logprobs(env: dict[str, Any]) -> None:
    responses = ["\\boxed{12}", "Let me think. 3 + 4 = 7, so the answer is \\boxed{7}.", "\n\n  spaces and\nnewlines 42", "x"]
    items = [_item(PROBLEMS[i % len(PROBLEMS)], r, idx=i) for i, r in enumerate(responses)]
    scored = score_responses(env["model_dir"], items, batch_size=3)  # padding: 3 lengths in one batch
    assert [s["sample_index"] for s in scored] == [0, 1, 2, 3]  # input order kept
    for item, got in zip(items, scored):
        ref = _slow_logprobs(env, item["prompt"], item["response"])
        assert got["num_tokens"] == len(ref) == len(env["tok"](item["response"], add_special_tokens=False)["input_ids"])
        mean = sum(ref) / len(ref)
        # float32 kernels on different shapes (one padded batch vs. growing prefixes) differ in
        # the last bits; an off-by-one position or a scored prompt token would be off by O(1).
        assert got["mean_logprob"] == pytest.approx(mean, abs=2e-5)
        assert got["ppl"] == pytest.approx(math.exp(-mean), rel=2e-5)
        assert got["ppl"] == pytest.approx(math.exp(-got["mean_logprob"]), rel=1e-12)


def test_only_response_tokens_are_scored_and_the_prompt_conditions_them(env: dict[str, Any]) -> None:
    tok = env["tok"]
    prompt = render_prompt(PROBLEMS[0], template="qwen-boxed")
    response = "\nThe answer is \\boxed{5}."
    p, r = encode_pair(tok, prompt, response)
    assert p == tok(prompt)["input_ids"] and r == tok(response, add_special_tokens=False)["input_ids"]
    # Why separately: byte-level BPE attaches a space to the next word, so a joint encoding of a
    # prompt ending in " " moves that space into the response's first token (and so would score it).
    p2, r2 = encode_pair(tok, "Answer: ", "the answer is 4")
    assert p2 + r2 != tok("Answer: the answer is 4")["input_ids"]
    assert tok.decode(p2) == "Answer: " and tok.decode(r2) == "the answer is 4"
    short, long_ = score_responses(
        env["model_dir"],
        [
            {"problem_id": "a", "prompt": prompt, "response": response, "source": "s", "sample_index": 0},
            {"problem_id": "a", "prompt": prompt + " Some extra words in the prompt.", "response": response, "source": "s", "sample_index": 1},
        ],
    )
    assert short["num_tokens"] == long_["num_tokens"] == len(r)  # T counts response tokens only
    assert short["ppl"] != long_["ppl"]  # ... but the prompt conditions them


def test_trained_response_has_lower_ppl_than_a_shuffled_one(env: dict[str, Any]) -> None:
    items = []
    for i, problem in enumerate(PROBLEMS):
        trained = "\\boxed{" + problem["answer"] + "}"
        items.append(_item(problem, trained, "trained", i))
        items.append(_item(problem, _shuffled(trained, i), "shuffled", i))
    scored = score_responses(env["model_dir"], items)
    for a, b in zip(scored[::2], scored[1::2]):
        assert a["num_tokens"] > 0 and b["num_tokens"] > 0
        assert a["ppl"] < b["ppl"], (a["response"], a["ppl"], b["response"], b["ppl"])
    assert max(a["ppl"] for a in scored[::2]) < 5.0  # memorised format: close to 1


def test_batching_does_not_change_results(env: dict[str, Any]) -> None:
    items = [_item(PROBLEMS[i], "\\boxed{" + str(i) * (i + 1) + "} done", idx=i) for i in range(5)]
    one = score_responses(env["model_dir"], items, batch_size=1)
    many = score_responses(env["model_dir"], items, batch_size=5)
    for a, b in zip(one, many):
        assert a["num_tokens"] == b["num_tokens"]
        assert a["ppl"] == pytest.approx(b["ppl"], rel=1e-6)


def test_empty_response_long_input_and_bad_options(env: dict[str, Any]) -> None:
    (row,) = score_responses(env["model_dir"], [_item(PROBLEMS[0], "")], scorer="base")
    assert row["num_tokens"] == 0 and math.isnan(row["ppl"]) and row["scorer"] == "base"
    with pytest.raises(ConfigError, match="max_model_len 20"):
        score_responses(env["model_dir"], [_item(PROBLEMS[0], "\\boxed{1}")], max_model_len=20)
    with pytest.raises(ConfigError, match="unknown backend"):
        score_responses(env["model_dir"], [_item(PROBLEMS[0], "x")], backend="tgi")
    with pytest.raises(DataError, match="missing keys"):
        score_responses(env["model_dir"], [{"problem_id": "a", "prompt": "x"}])
    with pytest.raises(DataError, match="empty prompt"):
        score_responses(env["model_dir"], [{"problem_id": "a", "prompt": "", "response": "x", "source": "s"}])
    assert math.isnan(perplexity_stats([])["ppl"])
    assert perplexity_stats([math.log(0.5)] * 3)["ppl"] == pytest.approx(2.0)


# ---- the table ---------------------------------------------------------------------------------------
def test_perplexity_table_bytes_are_deterministic_and_order_free(env: dict[str, Any], tmp_path: Path) -> None:
    items = [_item(PROBLEMS[i % 3], f"\\boxed{{{i}}}", source=("base" if i % 2 else "rl"), idx=i) for i in range(6)]
    rows_a = score_responses(env["model_dir"], items, scorer="base")
    rows_b = score_responses(env["model_dir"], list(reversed(items)), scorer="base")  # same batches: content-ordered
    perplexity_table(rows_a, str(tmp_path / "a.csv"))
    perplexity_table(rows_b, str(tmp_path / "b.csv"))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    text = (tmp_path / "a.csv").read_text()
    assert text.splitlines()[0] == ",".join(PERPLEXITY_COLUMNS)
    back = read_perplexity_table(tmp_path / "a.csv")
    assert len(back) == 6 and all(len(line.split(",")[-1].split(".")[1]) == 10 for line in text.splitlines()[1:])
    with pytest.raises(DataError, match="duplicate"):
        perplexity_table(rows_a + rows_a[:1], str(tmp_path / "c.csv"))
    with pytest.raises(DataError, match="missing keys"):
        perplexity_table([{k: v for k, v in rows_a[0].items() if k != "scorer"}], str(tmp_path / "c.csv"))
    assert not (tmp_path / "c.csv").exists()


# ---- choosing responses and prompts -----------------------------------------------------------------
def _write_shard(path: Path, shard: int, size: int, *, model: str = "m", empty: set[tuple[str, int]] = frozenset()) -> None:
    rows = []
    for p in PROBLEMS[:3]:
        for j in range(size):
            idx = shard * size + j
            rows.append(
                {"problem_id": p["id"], "sample_index": idx, "seed": 1, "text": "" if (p["id"], idx) in empty else f"resp {p['id']} {idx}",
                 "finish_reason": "stop", "num_tokens": 3, "prompt_tokens": 9, "backend": "transformers", "model": model,
                 "model_revision": "r", "template": "qwen-boxed"}
            )
    write_samples(path, rows)


def test_select_responses_is_deterministic_and_shard_order_free(tmp_path: Path) -> None:
    paths = [str(tmp_path / f"shard-{i}.parquet") for i in range(3)]
    for i, p in enumerate(paths):
        _write_shard(Path(p), i, 8, empty={(PROBLEMS[0]["id"], 5)})
    ids = [PROBLEMS[2]["id"], PROBLEMS[0]["id"]]
    a = select_responses(paths, ids, per_problem=6, seed=0)
    b = select_responses(list(reversed(paths)), ids, per_problem=6, seed=0)
    assert a == b and len(a) == 12
    assert [r["problem_id"] for r in a] == [ids[0]] * 6 + [ids[1]] * 6  # problem order as asked
    for pid in ids:
        got = [r["sample_index"] for r in a if r["problem_id"] == pid]
        assert got == sorted(got) and len(set(got)) == 6
    assert (PROBLEMS[0]["id"], 5) not in {(r["problem_id"], r["sample_index"]) for r in a}  # empty text skipped
    assert {r["source"] for r in a} == {"m"} and a[0]["response"].startswith("resp ")
    assert select_responses(paths, ids, per_problem=6, seed=1) != a  # another seed, another subset
    assert {r["source"] for r in select_responses(paths, ids, per_problem=2, source="Y_RL")} == {"Y_RL"}
    with pytest.raises(DataError, match="need 24"):
        select_responses(paths, ids, per_problem=24)  # problem 0 has only 23 non-empty
    with pytest.raises(DataError, match="duplicate sample"):
        select_responses(paths + paths[:1], ids, per_problem=2)


def test_with_prompts_renders_the_sampling_prompt_and_checks_the_template(env: dict[str, Any]) -> None:
    items = [{"problem_id": PROBLEMS[1]["id"], "response": "x", "source": "s", "template": "qwen-boxed"}]
    (out,) = with_prompts(items, env["problems"], template="qwen-boxed")
    assert out["prompt"] == render_prompt(PROBLEMS[1], template="qwen-boxed")
    with pytest.raises(ConfigError, match="sampled with template"):
        with_prompts(items, env["problems"], template="qwen25-math-cot")
    (gt,) = with_prompts([{"problem_id": PROBLEMS[1]["id"], "response": "x", "source": "gt"}], env["problems"], template="qwen25-math-cot")
    assert gt["prompt"].startswith("<|im_start|>system\nPlease reason")
    with pytest.raises(DataError, match="no problem"):
        with_prompts([{"problem_id": "nope", "response": "x", "source": "s"}], env["problems"], template="qwen-boxed")


# ---- vLLM: contract tests and the vLLM-facing path through a fake engine ----------------------------
RECORDED_SAMPLING_PARAMS = {"n", "temperature", "top_p", "seed", "stop", "max_tokens", "logprobs", "prompt_logprobs", "detokenize", "skip_special_tokens"}
RECORDED_GENERATE = {"prompts", "sampling_params", "use_tqdm", "lora_request", "priority", "tokenization_kwargs"}
RECORDED_REQUEST_OUTPUT = {"request_id", "prompt", "prompt_token_ids", "prompt_logprobs", "outputs", "finished", "metrics", "lora_request", "num_cached_tokens"}
RECORDED_LOGPROB = {"logprob", "rank", "decoded_token"}  # vllm/logprobs.py (0.30.0, 0.33.0)
RECORDED_TOKENS_PROMPT = {"prompt_token_ids"}  # vllm/inputs TokensPrompt (a TypedDict)


def _real_names() -> dict[str, set[str]]:  # pragma: no cover - only with vllm installed
    from vllm.inputs import TokensPrompt
    from vllm.logprobs import Logprob
    from vllm.outputs import RequestOutput

    return {
        "sampling_params": set(getattr(_vllm.SamplingParams, "__struct_fields__", ())) or set(inspect.signature(_vllm.SamplingParams).parameters),
        "generate": set(inspect.signature(_vllm.LLM.generate).parameters) - {"self"},
        "request_output": set(inspect.signature(RequestOutput.__init__).parameters) - {"self", "kwargs"},
        "logprob": {f.name for f in dataclasses.fields(Logprob)},
        "tokens_prompt": set(TokensPrompt.__annotations__),
    }


def _recorded_names() -> dict[str, set[str]]:
    return {"sampling_params": RECORDED_SAMPLING_PARAMS, "generate": RECORDED_GENERATE, "request_output": RECORDED_REQUEST_OUTPUT,
            "logprob": RECORDED_LOGPROB, "tokens_prompt": RECORDED_TOKENS_PROMPT}


SOURCES = [
    pytest.param(_recorded_names, id="recorded-vllm-0.30.0"),
    pytest.param(_real_names, id="installed-vllm", marks=pytest.mark.skipif(_vllm is None, reason="vllm is not importable here (no GPU)")),
]


@pytest.mark.parametrize("names", SOURCES)
def test_contract_names_we_use_exist_in_vllm(names: Any) -> None:
    n = names()
    kwargs = vllm_sampling_params_kwargs()
    assert set(kwargs) <= n["sampling_params"]
    assert kwargs["prompt_logprobs"] == 0 and kwargs["max_tokens"] == 1
    assert {"prompts", "sampling_params", "use_tqdm"} <= n["generate"]
    assert {"request_id", "prompt_token_ids", "prompt_logprobs"} <= n["request_output"]
    assert "logprob" in n["logprob"]
    assert set(vllm_prompt([1], [2])) <= n["tokens_prompt"]
    assert {f.name for f in dataclasses.fields(FakeLogprob)} <= n["logprob"]
    assert {f.name for f in dataclasses.fields(FakeRequestOutput)} <= n["request_output"]


@pytest.mark.skipif(_vllm is None, reason="vllm is not importable here (no GPU)")
def test_contract_real_SamplingParams_accepts_our_kwargs() -> None:  # pragma: no cover
    params = _vllm.SamplingParams(**vllm_sampling_params_kwargs())
    assert params.prompt_logprobs == 0 and params.max_tokens == 1


@dataclass
class FakeLogprob:
    """vllm.logprobs.Logprob's fields."""

    logprob: float
    rank: int | None = None
    decoded_token: str | None = None


@dataclass
class FakeRequestOutput:
    """The RequestOutput fields the scorer reads."""

    request_id: str
    prompt_token_ids: list[int]
    prompt_logprobs: list[dict[int, FakeLogprob] | None] | None


class FakeLLM:
    """Stands in for ``vllm.LLM``: takes the documented constructor keywords and answers
    ``generate(prompts, sampling_params, use_tqdm=...)`` for TokensPrompt dicts with
    ``prompt_logprobs`` in vLLM's shape ([None, {actual_id: Logprob}, ...]), computed by the real
    tiny model through transformers. Records every call."""

    instances: list["FakeLLM"] = []

    def __init__(self, **kwargs: Any) -> None:
        from transformers import AutoModelForCausalLM

        self.kwargs = kwargs
        self.calls: list[tuple[list[Any], Any]] = []
        self.model = AutoModelForCausalLM.from_pretrained(kwargs["model"], dtype="float32")
        FakeLLM.instances.append(self)

    def generate(self, prompts: list[Any], sampling_params: Any, *, use_tqdm: bool = True) -> list[FakeRequestOutput]:
        import torch

        self.calls.append((list(prompts), sampling_params))
        out = []
        for i, prompt in enumerate(prompts):
            ids = prompt["prompt_token_ids"]
            with torch.inference_mode():
                logp = torch.log_softmax(self.model(input_ids=torch.tensor([ids])).logits[0].double(), dim=-1)
            entries: list[dict[int, FakeLogprob] | None] = [None]
            entries += [{ids[t]: FakeLogprob(float(logp[t - 1, ids[t]]), rank=1)} for t in range(1, len(ids))]
            out.append(FakeRequestOutput(str(i), list(ids), entries))
        return out


def test_vllm_path_through_a_fake_engine_matches_transformers(env: dict[str, Any]) -> None:
    FakeLLM.instances.clear()
    items = [_item(PROBLEMS[i], r, idx=i) for i, r in enumerate(["\\boxed{3}", "", "so \\boxed{11} it is"])]
    via_vllm = score_responses(env["model_dir"], items, backend="vllm", max_model_len=512, dtype="auto",
                               llm_factory=FakeLLM, sampling_params_factory=dict, tensor_parallel_size=1)
    via_tf = score_responses(env["model_dir"], items)
    (llm,) = FakeLLM.instances
    assert llm.kwargs["model"] == env["model_dir"] and llm.kwargs["max_model_len"] == 512
    (prompts, params), = llm.calls  # one generate call; the empty response is not sent
    assert len(prompts) == 2 and params == vllm_sampling_params_kwargs()
    p, r = encode_pair(env["tok"], items[0]["prompt"], items[0]["response"])
    assert prompts[0] == {"prompt_token_ids": p + r}  # our token boundary, not vLLM's re-tokenisation
    for a, b in zip(via_vllm, via_tf):
        assert a["num_tokens"] == b["num_tokens"]
        if b["num_tokens"]:
            assert a["ppl"] == pytest.approx(b["ppl"], rel=1e-5)
    assert math.isnan(via_vllm[1]["ppl"])


def test_prompt_logprobs_parsing_fails_loudly() -> None:
    ok = FakeRequestOutput("0", [5, 6, 7], [None, {6: FakeLogprob(-1.0)}, {7: FakeLogprob(-2.0), 9: FakeLogprob(-0.1)}])
    assert response_logprobs_from_request_output(ok, [5], [6, 7]) == [-1.0, -2.0]
    assert response_logprobs_from_request_output(ok, [5, 6], [7]) == [-2.0]
    with pytest.raises(RuntimeError, match="prompt_token_ids differ"):
        response_logprobs_from_request_output(ok, [5], [6, 8])
    with pytest.raises(RuntimeError, match="no log-prob for token 7"):
        response_logprobs_from_request_output(FakeRequestOutput("0", [5, 6, 7], [None, {6: FakeLogprob(-1.0)}, {9: FakeLogprob(-0.1)}]), [5], [6, 7])
    with pytest.raises(RuntimeError, match="2 entries"):
        response_logprobs_from_request_output(FakeRequestOutput("0", [5, 6, 7], [None, {6: FakeLogprob(-1.0)}]), [5], [6, 7])


@pytest.mark.skipif(_vllm is not None, reason="vllm is installed here")
def test_missing_vllm_is_a_clear_config_error(env: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="cannot import vllm"):
        score_responses(env["model_dir"], [_item(PROBLEMS[0], "x")], backend="vllm", max_model_len=512)


def test_im_end_is_not_part_of_the_scored_text(env: dict[str, Any]) -> None:
    """The stored text is cut at the stop string; appending <|im_end|> would add a token."""
    a, b = score_responses(env["model_dir"], [_item(PROBLEMS[0], "\\boxed{1}"), _item(PROBLEMS[0], "\\boxed{1}" + IM_END, idx=1)])
    assert b["num_tokens"] == a["num_tokens"] + 1
