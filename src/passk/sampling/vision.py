"""Image inputs of a sampling job, for both backends (visual math; paper Fig 4 right).

The backends keep one interface: a ``PromptRequest`` carries its problem's images (PIL images,
already fitted to the run's pixel range) beside the prompt text, whose ``<|image_pad|>``
placeholders the engine expands into the image's tokens. What this module decides:

- ``request_images``: each problem's images, opened from the paths the problem file records,
  checked (the bytes the benchmark was prepared from, never a test placeholder) and fitted into the
  benchmark's ``[min_pixels, max_pixels]`` (default EasyR1's 512² to 2048²), which must lie inside
  the model's image processor limits;
- ``image_prompt_tokens``: what the images add to a prompt's length, for the context guard;
- vLLM: ``engine_options`` (``limit_mm_per_prompt`` = the most images any problem has, and
  ``mm_processor_kwargs`` with the same pixel range, so vLLM's processor does not resize again)
  and ``vllm_prompt`` (``{"prompt", "multi_modal_data": {"image": [...]}}``, vLLM's documented
  multimodal prompt);
- transformers: ``load_transformers_model`` (the checkpoint with its processor) and
  ``encode_request`` (the processor's ``input_ids``, ``pixel_values``, ``image_grid_thw``…).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from passk.errors import ConfigError
from passk.models.vision_processor import (
    DEFAULT_MAX_PIXELS,
    DEFAULT_MIN_PIXELS,
    check_pixel_range,
    image_tokens,
    is_vision_model,
    load_processor,
    open_image,
    processor_pixel_limits,
)
from passk.sampling.base import PromptRequest


def pixel_range(benchmark: dict[str, Any]) -> tuple[int, int]:
    """The benchmark's ``(min_pixels, max_pixels)`` (config keys of the same names)."""
    return int(benchmark.get("min_pixels", DEFAULT_MIN_PIXELS)), int(benchmark.get("max_pixels", DEFAULT_MAX_PIXELS))


def request_images(problems: Sequence[dict[str, Any]], benchmark: dict[str, Any], model_dir: str,
                   model_name: str = "") -> tuple[list[tuple[Any, ...]], Any]:
    """The images of each problem (``()`` for a text problem) and the model's processor (None when
    no problem has an image). Raises ConfigError when the model cannot read images or the pixel
    range is outside its processor's limits."""
    if not any(p.get("images") for p in problems):
        return [() for _ in problems], None
    where = f"benchmark {benchmark.get('name')!r}"
    if not is_vision_model(model_dir):
        raise ConfigError(f"{where} has images, but model {model_name!r} ({model_dir}) is not a vision-language model "
                          "(its config.json has no vision_config)")
    processor = load_processor(model_dir)
    low, high = pixel_range(benchmark)
    check_pixel_range(low, high, processor_pixel_limits(processor), f"config keys benchmarks.{benchmark.get('name')}.min_pixels/max_pixels")
    images = [tuple(open_image(ref, low, high, where=f"problem {p['id']}") for ref in p.get("images") or []) for p in problems]
    return images, processor


def image_prompt_tokens(processor: Any, images: Sequence[Any]) -> int:
    """Tokens the images add to a prompt whose text holds one ``<|image_pad|>`` per image."""
    return sum(image_tokens(processor, image) - 1 for image in images)


def engine_options(backend: str, benchmark: dict[str, Any], images: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """Backend options that image inputs need: vLLM's multimodal limits (none for text, none for
    transformers, whose processor gets the fitted images directly)."""
    most = max((len(i) for i in images), default=0)
    if backend != "vllm" or most == 0:
        return {}
    low, high = pixel_range(benchmark)
    return {"limit_mm_per_prompt": {"image": most}, "mm_processor_kwargs": {"min_pixels": low, "max_pixels": high}}


def vllm_prompt(request: PromptRequest) -> str | dict[str, Any]:
    """What ``vllm.LLM.generate`` takes for one request: the text, or for an image problem the text
    with its images as ``multi_modal_data``."""
    if not request.images:
        return request.prompt
    return {"prompt": request.prompt, "multi_modal_data": {"image": list(request.images)}}


def load_transformers_model(model_dir: str, dtype: Any) -> tuple[Any, Any]:
    """A vision-language checkpoint for ``generate`` and its processor."""
    from transformers import AutoModelForImageTextToText  # heavy; only the CPU backend loads it

    return AutoModelForImageTextToText.from_pretrained(model_dir, dtype=dtype), load_processor(model_dir)


def encode_request(request: PromptRequest, tokenizer: Any, processor: Any = None) -> dict[str, Any]:
    """The model inputs of one request: the tokenizer's ids for text, the processor's ids and image
    tensors when the request has images."""
    if not request.images:
        encoded = tokenizer(request.prompt, return_tensors="pt")
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    if processor is None:
        raise ConfigError(f"problem {request.problem_id}: has images, but the model has no image processor")
    return dict(processor(text=[request.prompt], images=list(request.images), return_tensors="pt"))
