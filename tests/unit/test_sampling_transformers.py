"""The transformers backend on a tiny trained model: determinism, seeds, stops, finish reasons."""

from __future__ import annotations

import pytest

from passk.models.tiny import build_tiny_model, problem_train_texts, toy_arithmetic_problems
from passk.prompts import render_prompt, stop_strings
from passk.sampling.backends import get_backend
from passk.sampling.base import PromptRequest, SamplingSettings
from passk.sampling.transformers_backend import TransformersBackend

PROBLEMS = toy_arithmetic_problems(8)
STOPS = tuple(stop_strings("qwen-boxed"))


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see tests/conftest.py


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> TransformersBackend:
    out = tmp_path_factory.mktemp("tiny") / "base"
    build_tiny_model(out, seed=0, train_texts=problem_train_texts(PROBLEMS), train_steps=30)
    b = get_backend("transformers", str(out), batch_size=4, unknown_option_for_other_backends=1)
    assert isinstance(b, TransformersBackend)
    return b


def _requests(seeds: list[int]) -> list[PromptRequest]:
    return [PromptRequest(p["id"], render_prompt(p, template="qwen-boxed"), s) for p, s in zip(PROBLEMS, seeds)]


SETTINGS = SamplingSettings(n=6, temperature=0.6, top_p=0.95, max_tokens=24, stop=STOPS)


def test_same_inputs_give_identical_completions(backend: TransformersBackend) -> None:
    reqs = _requests([11, 12, 13])
    assert backend.generate(reqs, SETTINGS) == backend.generate(reqs, SETTINGS)


def test_a_problems_samples_do_not_depend_on_the_rest_of_the_shard(backend: TransformersBackend) -> None:
    reqs = _requests([21, 22, 23, 24])
    together = backend.generate(reqs, SETTINGS)
    alone = backend.generate([reqs[2]], SETTINGS)[0]
    reversed_ = backend.generate(reqs[::-1], SETTINGS)[::-1]
    assert together[2] == alone
    assert together == reversed_


def test_different_seeds_give_different_samples(backend: TransformersBackend) -> None:
    req = _requests([1])[0]
    a = backend.generate([req], SETTINGS)[0]
    b = backend.generate([PromptRequest(req.problem_id, req.prompt, 2)], SETTINGS)[0]
    assert [c.text for c in a] != [c.text for c in b]
    assert len({c.text for c in a}) > 1  # the n samples of one request differ among themselves


def test_global_rng_is_left_alone(backend: TransformersBackend) -> None:
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    backend.generate(_requests([5]), SETTINGS)
    assert torch.equal(torch.rand(3), expected)


def test_completions_end_at_eos_with_stop_reason_and_boxed_answers(backend: TransformersBackend) -> None:
    out = backend.generate(_requests([31, 32]), SETTINGS)
    flat = [c for cs in out for c in cs]
    assert len(flat) == 12
    assert all(c.finish_reason == "stop" for c in flat)
    assert all(c.text.startswith("\\boxed{") for c in flat)
    assert all("<|im_end|>" not in c.text for c in flat)  # special tokens skipped, as vLLM does
    assert all(0 < c.num_tokens <= SETTINGS.max_tokens for c in flat)


def test_max_tokens_gives_length_reason_and_exact_token_count(backend: TransformersBackend) -> None:
    settings = SamplingSettings(n=3, temperature=0.6, top_p=0.95, max_tokens=2, stop=STOPS)
    out = backend.generate(_requests([7]), settings)[0]
    assert [(c.finish_reason, c.num_tokens) for c in out] == [("length", 2)] * 3


def test_stop_string_cuts_text_and_counts_tokens_up_to_it(backend: TransformersBackend) -> None:
    settings = SamplingSettings(n=3, temperature=0.6, top_p=0.95, max_tokens=24, stop=("boxed",))
    out = backend.generate(_requests([8]), settings)[0]
    for c in out:
        assert c.text == "\\" and c.finish_reason == "stop"
        prefix_tokens = backend.tokenizer("\\boxed", add_special_tokens=False)["input_ids"]
        assert c.num_tokens == len(prefix_tokens)


def test_greedy_when_temperature_is_zero(backend: TransformersBackend) -> None:
    settings = SamplingSettings(n=3, temperature=0.0, top_p=1.0, max_tokens=24, stop=STOPS)
    a = backend.generate(_requests([1]), settings)[0]
    b = backend.generate([PromptRequest("x", _requests([1])[0].prompt, 999)], settings)[0]
    assert len({c.text for c in a + b}) == 1


def test_count_prompt_tokens_matches_tokenizer(backend: TransformersBackend) -> None:
    prompt = _requests([1])[0].prompt
    assert backend.count_prompt_tokens(prompt) == len(backend.tokenizer(prompt)["input_ids"])
    assert backend.info().name == "transformers" and "torch" in backend.info().versions
