"""Image inputs behind the backend interface: the transformers backend with a tiny Qwen2-VL pair
(real processor and image processor), and the vLLM path through a fake engine.

HONESTY NOTE (as in test_sampling_vllm.py): vLLM cannot run here. The names we pass it are checked
against names recorded from vLLM's source (``limit_mm_per_prompt``: an ``EngineArgs`` field that
``LLM(**kwargs)`` forwards; ``mm_processor_kwargs``: an ``LLM.__init__`` parameter; a prompt as
``TextPrompt``: ``{"prompt", "multi_modal_data"}``, ``vllm/inputs/data.py``), and the fake engine
below records what it was given. Neither runs Qwen2.5-VL.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from passk.benchmarks.vision.checker import verify
from passk.benchmarks.vision.prepare import prepare
from passk.errors import ConfigError, DataError
from passk.io import read_jsonl, write_jsonl
from passk.models.tiny_vision import TINY_MAX_PIXELS, TINY_MIN_PIXELS, build_tiny_vision_model
from passk.models.vision_processor import fit_image, fitted_size, image_tokens, load_processor
from passk.records.images import image_ref, write_placeholder
from passk.records.problems import load_problems
from passk.records.samples import read_samples
from passk.sampling.base import PromptRequest, SamplingSettings
from passk.sampling.shard import sample_shard
from passk.sampling.transformers_backend import TransformersBackend
from passk.sampling.vision import engine_options, vllm_prompt
from passk.sampling.vllm_backend import llm_kwargs
from passk.verify.family import VerifyContext

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# vLLM names this code uses, recorded from vLLM's source (see the module docstring).
RECORDED_VLLM_MM_NAMES = {"limit_mm_per_prompt", "mm_processor_kwargs"}
RECORDED_TEXT_PROMPT_KEYS = {"prompt", "multi_modal_data", "mm_processor_kwargs", "cache_salt"}

BENCH = {"name": "mathvision", "prompt": "easyr1", "min_pixels": TINY_MIN_PIXELS, "max_pixels": TINY_MAX_PIXELS}
MODEL = {"name": "tiny-vl", "role": "base", "chat": "chatml"}
SAMPLING = {"temperature": 0.6, "top_p": 0.95, "max_tokens": 12, "seed": 0}
TRANSFORMERS = {"name": "transformers", "device": "cpu", "dtype": "float32", "threads": 1}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    """Three MathVision problems with their staged images and a tiny VL pair trained on them."""
    root = tmp_path_factory.mktemp("vision")
    problems = root / "problems.jsonl"
    prepare("mathvision", {"family": "vision", "dataset": "mathvision", "limit": 3}, str(shared_data), problems)
    records = read_jsonl(problems)
    build_tiny_vision_model(root / "base", seed=1, train_problems=records, train_steps=4)
    build_tiny_vision_model(root / "rl", seed=1, train_problems=records, train_steps=30)
    return {"root": root, "problems": problems, "base": root / "base", "rl": root / "rl"}


def _shard(env: dict[str, Path], model: str, out: str, backend: dict[str, Any] | None = None, bench: dict[str, Any] | None = None,
           problems: Path | None = None) -> list[dict[str, Any]]:
    path = env["root"] / out
    sample_shard(model={**MODEL, "name": model}, benchmark=bench or BENCH, problems_path=str(problems or env["problems"]), shard=0,
                 shard_size=4, sampling=SAMPLING, backend=backend or TRANSFORMERS, out_path=str(path), model_dir=str(env[model]))
    return read_samples(path)


# ---- images within the processor's limits ----------------------------------------------------------
def test_images_are_fitted_into_the_pixel_range() -> None:
    assert fitted_size(3000, 2000, 262144, 4194304) == (2508, 1672)  # 4.19 M pixels at most
    assert fitted_size(100, 50, 262144, 4194304) == (725, 363)  # enlarged to 512² pixels at least
    assert fitted_size(800, 600, 262144, 4194304) == (800, 600)  # in range: untouched
    assert fitted_size(30, 10, 3136, 12544)[1] >= 28  # no side under one patch
    big = fit_image(Image.new("L", (1000, 700)), TINY_MIN_PIXELS, TINY_MAX_PIXELS)
    assert big.mode == "RGB" and TINY_MIN_PIXELS <= big.size[0] * big.size[1] <= TINY_MAX_PIXELS
    with pytest.raises(DataError, match="aspect ratio"):
        fit_image(Image.new("RGB", (2010, 10)), TINY_MIN_PIXELS, TINY_MAX_PIXELS)


def test_a_pixel_range_outside_the_processor_limits_is_refused(env: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match=r"outside the model's image processor limits \[3136, 12544\]"):
        _shard(env, "base", "bad.parquet", bench={**BENCH, "max_pixels": 4194304})


def test_image_tokens_are_counted_in_the_prompt_length(env: dict[str, Path]) -> None:
    rows = _shard(env, "base", "count.parquet")
    processor = load_processor(env["base"])
    problems = read_jsonl(env["problems"])
    from passk.prompts import render_prompt

    for problem in problems:
        with Image.open(problem["images"][0]["path"]) as img:
            image = fit_image(img, TINY_MIN_PIXELS, TINY_MAX_PIXELS)
        text_tokens = len(processor.tokenizer(render_prompt(problem, template="", prompt="easyr1"))["input_ids"])
        expected = text_tokens - 1 + image_tokens(processor, image)
        assert {r["prompt_tokens"] for r in rows if r["problem_id"] == problem["id"]} == {expected}
        assert image_tokens(processor, image) > 1


# ---- the transformers backend with the tiny VL pair -------------------------------------------------
def test_the_tiny_pair_draws_distinct_non_zero_curves(env: dict[str, Path]) -> None:
    problems = load_problems(env["problems"])
    correct = {}
    for model in ("base", "rl"):
        rows = _shard(env, model, f"{model}.parquet")
        assert len(rows) == 3 * 4 and {r["template"] for r in rows} == {"easyr1:chatml"}
        verdicts = verify(problems, rows, VerifyContext(bench={"name": "mathvision", "family": "vision"}))
        correct[model] = sum(v["correct"] for v in verdicts)
    assert correct["rl"] > correct["base"] and correct["rl"] > 0, correct


def test_samples_repeat_with_the_seed_and_follow_the_image(env: dict[str, Path]) -> None:
    backend = TransformersBackend(str(env["base"]), threads=1)
    problem = read_jsonl(env["problems"])[0]
    from passk.prompts import render_prompt

    prompt = render_prompt(problem, template="", prompt="easyr1")
    with Image.open(problem["images"][0]["path"]) as img:
        image = fit_image(img, TINY_MIN_PIXELS, TINY_MAX_PIXELS)
    other = Image.new("RGB", image.size, (0, 0, 0))
    settings = SamplingSettings(n=1, temperature=0.0, max_tokens=8)
    first, again, black = backend.generate([PromptRequest("p", prompt, 7, (image,)), PromptRequest("p", prompt, 7, (image,)),
                                             PromptRequest("p", prompt, 7, (other,))], settings)
    assert first == again
    logits = []
    for img in (image, other):  # the image reaches the model: its next-token logits change with it
        import torch

        inputs = backend.processor(text=[prompt], images=[img], return_tensors="pt")
        with torch.inference_mode():
            logits.append(backend.model(**inputs).logits[0, -1])
    assert not torch.allclose(logits[0], logits[1])
    assert black[0].num_tokens >= 1


def test_a_text_model_refuses_image_problems(env: dict[str, Path], tmp_path: Path) -> None:
    from passk.models.tiny import build_tiny_model

    build_tiny_model(tmp_path / "text", seed=0)
    with pytest.raises(ConfigError, match="not a vision-language model"):
        sample_shard(model={**MODEL, "name": "text"}, benchmark=BENCH, problems_path=str(env["problems"]), shard=0, shard_size=2,
                     sampling=SAMPLING, backend=TRANSFORMERS, out_path=str(tmp_path / "s.parquet"), model_dir=str(tmp_path / "text"))


def test_sampling_refuses_placeholders_and_changed_images(env: dict[str, Path], tmp_path: Path) -> None:
    """A run never samples a test placeholder, nor an image whose bytes changed since prepare."""
    placeholder = tmp_path / "1.jpg"
    write_placeholder(placeholder, 60, 40)
    problem = read_jsonl(env["problems"])[0]
    with_placeholder = tmp_path / "placeholder.jsonl"
    write_jsonl(with_placeholder, [dict(problem, images=[image_ref(placeholder)])])
    with pytest.raises(DataError, match="generated placeholder"):
        _shard(env, "base", "ph.parquet", problems=with_placeholder)
    changed = tmp_path / "changed.jsonl"
    write_jsonl(changed, [dict(problem, images=[dict(problem["images"][0], sha256="0" * 64)])])
    with pytest.raises(DataError, match="recorded when the benchmark was prepared"):
        _shard(env, "base", "changed.parquet", problems=changed)


# ---- the vLLM path through a fake engine ------------------------------------------------------------
@dataclass
class _Out:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str = "stop"


@dataclass
class _RequestOut:
    request_id: str
    outputs: list[_Out] = field(default_factory=list)


class FakeVisionLLM:
    """Stands in for ``vllm.LLM``: records its keywords and the prompts it is given."""

    instances: list[FakeVisionLLM] = []

    def __init__(self, **kwargs: Any) -> None:
        from transformers import AutoTokenizer

        self.kwargs = kwargs
        self.prompts: list[Any] = []
        self._tokenizer = AutoTokenizer.from_pretrained(kwargs["model"])
        FakeVisionLLM.instances.append(self)

    def get_tokenizer(self) -> Any:
        return self._tokenizer

    def generate(self, prompts: list[Any], params: list[dict[str, Any]], *, use_tqdm: bool = True) -> list[_RequestOut]:
        self.prompts.extend(prompts)
        out = []
        for i, p in enumerate(params):
            rng = random.Random(p["seed"])
            texts = ["\\boxed{%d}" % rng.randint(1, 9) for _ in range(p["n"])]
            out.append(_RequestOut(str(i), [_Out(j, t, [1, 2]) for j, t in enumerate(texts)]))
        return out


def test_vllm_gets_images_as_multi_modal_data_with_its_limits(env: dict[str, Path]) -> None:
    FakeVisionLLM.instances.clear()
    rows = _shard(env, "base", "vllm.parquet", backend={"name": "vllm", "llm_factory": FakeVisionLLM, "sampling_params_factory": dict})
    [llm] = FakeVisionLLM.instances
    assert llm.kwargs["limit_mm_per_prompt"] == {"image": 1}
    assert llm.kwargs["mm_processor_kwargs"] == {"min_pixels": TINY_MIN_PIXELS, "max_pixels": TINY_MAX_PIXELS}
    assert len(llm.prompts) == 3
    for prompt in llm.prompts:
        assert set(prompt) <= RECORDED_TEXT_PROMPT_KEYS
        assert prompt["prompt"].count("<|vision_start|><|image_pad|><|vision_end|>\n") == 1
        [image] = prompt["multi_modal_data"]["image"]
        assert TINY_MIN_PIXELS <= image.size[0] * image.size[1] <= TINY_MAX_PIXELS
    transformers_rows = _shard(env, "base", "tf.parquet")
    assert [r["prompt_tokens"] for r in rows] == [r["prompt_tokens"] for r in transformers_rows]


def test_contract_names_are_vllms() -> None:
    kwargs = llm_kwargs("/m", limit_mm_per_prompt={"image": 1}, mm_processor_kwargs={"min_pixels": 1, "max_pixels": 2})
    assert RECORDED_VLLM_MM_NAMES <= set(kwargs)
    assert "limit_mm_per_prompt" not in llm_kwargs("/m")  # text models: no multimodal options
    assert engine_options("vllm", BENCH, [()]) == {} and engine_options("transformers", BENCH, [(1,)]) == {}
    assert engine_options("vllm", {"name": "b"}, [(1,), (1, 2)]) == {
        "limit_mm_per_prompt": {"image": 2}, "mm_processor_kwargs": {"min_pixels": 262144, "max_pixels": 4194304}}
    assert vllm_prompt(PromptRequest("p", "text", 1)) == "text"


def test_tiny_vision_model_files_are_deterministic(tmp_path: Path, env: dict[str, Path]) -> None:
    records = read_jsonl(env["problems"])
    build_tiny_vision_model(tmp_path / "a", seed=1, train_problems=records, train_steps=2)
    build_tiny_vision_model(tmp_path / "b", seed=1, train_problems=records, train_steps=2)
    for name in ("model.safetensors", "tokenizer.json", "processor_config.json", "config.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["architectures"] == ["Qwen2VLForConditionalGeneration"]
