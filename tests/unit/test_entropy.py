"""Output entropy (Fig 17): the measured per-token entropy equals a direct torch computation, and
the temperature search finds the temperature of a model whose entropy is known in closed form."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.entropy import bisect_temperature, resolve_temperature
from passk.errors import ConfigError
from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.sampling.entropy import (
    TransformersEntropyMeter,
    entropies_from_completion_output,
    entropy_from_logits,
    entropy_from_top_logprobs,
    mean_token_entropy,
    vllm_entropy_params_kwargs,
)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory, one_torch_thread) -> Path:  # noqa: ANN001
    out = tmp_path_factory.mktemp("tiny")
    problems = toy_arithmetic_problems(8)
    build_tiny_model(out, seed=3, train_texts=problem_train_texts(problems), train_steps=20)
    return out


def test_entropy_from_logits_matches_closed_forms() -> None:
    assert entropy_from_logits(np.zeros((1, 8)), 0.6)[0] == pytest.approx(math.log(8))
    assert entropy_from_logits(np.array([[0.0, -1e9]]), 1.0)[0] == pytest.approx(0.0, abs=1e-12)
    z = np.array([[1.0, 2.0, 0.5]])
    p = np.exp(z / 0.7) / np.exp(z / 0.7).sum()
    assert entropy_from_logits(z, 0.7)[0] == pytest.approx(-(p * np.log(p)).sum(), rel=1e-12)


def test_top_logprobs_form_equals_the_full_form_when_k_covers_the_vocabulary() -> None:
    z = np.array([3.0, 1.0, 0.2, -1.0])
    logp = z - np.log(np.exp(z).sum())  # raw (T = 1) log-probs, as vLLM returns them
    assert entropy_from_top_logprobs(logp, 1.3) == pytest.approx(entropy_from_logits(z[None, :], 1.3)[0], rel=1e-12)
    assert entropy_from_top_logprobs(logp[:2], 1.3) < entropy_from_logits(z[None, :], 1.3)[0]  # the tail left out lowers it


def test_mean_is_token_weighted() -> None:
    m = mean_token_entropy([[1.0, 1.0, 1.0], [4.0]], 0.6)
    assert m.entropy == pytest.approx(7.0 / 4.0) and m.tokens == 4 and m.responses == 2 and m.per_response == [1.0, 4.0]


def test_tiny_model_entropy_equals_a_direct_torch_computation(tiny_dir: Path) -> None:
    """The meter's per-token entropies are those of softmax(logits / T) of a teacher-forced forward
    pass over the same generated tokens, computed with torch.distributions."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    meter = TransformersEntropyMeter(str(tiny_dir))
    prompt = "<|im_start|>user\nWhat is 3 + 4?<|im_end|>\n<|im_start|>assistant\n"
    t = 0.8
    rows = meter.per_token_entropies(prompt, 11, n=3, temperature=t, top_p=0.95, max_tokens=12)
    # the same draw again, keeping the tokens this time
    from transformers import GenerationConfig

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32).eval()
    enc = tok(prompt, return_tensors="pt")
    config = GenerationConfig(do_sample=True, temperature=t, top_p=0.95, top_k=None, max_new_tokens=12, num_return_sequences=3,
                              eos_token_id=sorted(meter.eos_ids), pad_token_id=meter.pad_id, bos_token_id=None)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(11)
        seqs = model.generate(**enc, generation_config=config)
    plen = enc["input_ids"].shape[1]
    assert len(rows) == 3 and all(rows)
    for row, seq in zip(rows, seqs):
        gen = seq[plen:].tolist()
        length = next((i + 1 for i, x in enumerate(gen) if x in meter.eos_ids | {meter.pad_id}), len(gen))
        assert len(row) == length
        with torch.no_grad():
            logits = model(seq[None, : plen + length - 1]).logits[0, plen - 1 : plen + length - 1].double()
        direct = torch.distributions.Categorical(logits=logits / t).entropy().tolist()
        assert row == pytest.approx(direct, rel=1e-5, abs=1e-6)


def test_temperature_search_on_a_model_of_known_entropy() -> None:
    """A 'model' whose next-token logits are fixed: its entropy at T is known exactly, and rises
    with T, so the searched temperature must reproduce a target made at T* = 1.37."""
    z = np.array([[4.0, 2.5, 1.0, 0.0, -0.5, -3.0]])
    measure = lambda temp: float(entropy_from_logits(z, temp)[0])  # noqa: E731
    target = measure(1.37)
    found = bisect_temperature(measure, target, low=0.5, high=3.0, tolerance=1e-6, max_steps=60)
    assert found.converged and found.temperature == pytest.approx(1.37, abs=1e-4)
    assert [s["temperature"] for s in found.steps[:3]] == [0.5, 3.0, 1.75]
    too_high = bisect_temperature(measure, measure(4.0), low=0.5, high=3.0, tolerance=1e-6)
    assert not too_high.converged and too_high.temperature == 3.0 and "raise `high`" in too_high.note


def test_resolve_temperature() -> None:
    assert resolve_temperature({"temperature": 0.6}, None) == {"temperature": 0.6}
    with pytest.raises(ConfigError):
        resolve_temperature({"temperature": "matched"}, [])


class _Logprob:
    def __init__(self, logprob: float) -> None:
        self.logprob = logprob


class _Output:
    def __init__(self, steps: list[dict[int, _Logprob]]) -> None:
        self.logprobs = steps


def test_vllm_contract() -> None:
    kwargs = vllm_entropy_params_kwargs(5, n=4, temperature=0.9, top_p=0.95, max_tokens=64, stop=["</s>"], top_logprobs=20)
    assert kwargs["logprobs"] == 20 and kwargs["seed"] == 5 and kwargs["n"] == 4 and kwargs["temperature"] == 0.9
    z = np.array([2.0, 1.0, 0.0])
    logp = z - np.log(np.exp(z).sum())
    # vLLM adds the sampled token when it is outside the top-K: only the K largest count
    step = {0: _Logprob(logp[0]), 1: _Logprob(logp[1]), 2: _Logprob(logp[2]), 9: _Logprob(-30.0)}
    got = entropies_from_completion_output(_Output([step]), 0.9, 3)
    assert got == [pytest.approx(entropy_from_logits(z[None, :], 0.9)[0])]
