"""The processor side of Qwen2-VL-family checkpoints: images in, within the processor's limits.

Qwen2-VL and Qwen2.5-VL read an image as 14-pixel patches merged 2x2 into one token, after
resizing it to a multiple of 28 pixels per side with its pixel count inside the processor's
``[min_pixels, max_pixels]``. A benchmark image is first fitted into the run's own pixel range
(``fit_image``; EasyR1's defaults, 512² to 2048², are the paper's training setting), which must lie
inside the processor's, so both backends see the same image and no processor resizes it beyond
rounding to the patch grid.

``load_processor`` gives transformers' ``Qwen2VLProcessor`` without its video half: that half needs
torchvision, which the CPU stack here cannot install (PyPI's torchvision wheels are CUDA builds),
and no benchmark has videos. The image processor and tokenizer are the checkpoint's own.
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.records.images import check_image

# EasyR1's data.min_pixels / data.max_pixels (512x512 and 2048x2048).
DEFAULT_MIN_PIXELS = 262144
DEFAULT_MAX_PIXELS = 4194304
MAX_ASPECT_RATIO = 200  # Qwen2-VL's smart_resize refuses a longer side over 200x the shorter
PATCH_FACTOR = 28  # 14-pixel patches, merged 2x2


def is_vision_model(model_dir: str | os.PathLike[str]) -> bool:
    """Whether a model directory holds a vision-language checkpoint (its config has ``vision_config``)."""
    path = Path(model_dir) / "config.json"
    if not path.is_file():
        return False
    try:
        return "vision_config" in json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON ({exc})") from None


@functools.lru_cache(maxsize=1)
def image_processor_class() -> type:
    """``Qwen2VLProcessor`` with only its image processor and tokenizer as attributes (no video).

    transformers derives a processor's parts from its ``__init__`` parameters, so leaving
    ``video_processor`` out of the signature is how a processor declares it has none.
    """
    from transformers import Qwen2VLProcessor  # heavy; only sampling and the tiny builder need it

    class ImageQwen2VLProcessor(Qwen2VLProcessor):
        """Qwen2-VL's processor for images only (its video processor would need torchvision)."""

        def __init__(self, image_processor: Any = None, tokenizer: Any = None, chat_template: Any = None, **kwargs: Any) -> None:
            super().__init__(image_processor=image_processor, tokenizer=tokenizer, video_processor=None,
                             chat_template=chat_template, **kwargs)

    return ImageQwen2VLProcessor


def load_processor(model_dir: str | os.PathLike[str]) -> Any:
    """The image processor + tokenizer of a Qwen2-VL-family checkpoint, as one processor."""
    from transformers import AutoImageProcessor, AutoTokenizer  # heavy, see image_processor_class

    cls = image_processor_class()
    return cls(image_processor=AutoImageProcessor.from_pretrained(str(model_dir)), tokenizer=AutoTokenizer.from_pretrained(str(model_dir)))


def processor_pixel_limits(processor: Any) -> tuple[int, int]:
    """``(min_pixels, max_pixels)`` the checkpoint's image processor accepts."""
    ip = processor.image_processor
    size = getattr(ip, "size", None) or {}
    low = size.get("shortest_edge", getattr(ip, "min_pixels", None))
    high = size.get("longest_edge", getattr(ip, "max_pixels", None))
    if low is None or high is None:
        raise DataError(f"image processor {type(ip).__name__}: no min/max pixels in its config")
    return int(low), int(high)


def check_pixel_range(min_pixels: int, max_pixels: int, limits: tuple[int, int], where: str) -> None:
    """A run's pixel range must be a non-empty range inside the processor's."""
    low, high = limits
    if not 0 < min_pixels <= max_pixels:
        raise ConfigError(f"{where}: min_pixels {min_pixels} and max_pixels {max_pixels} must satisfy 0 < min <= max")
    if min_pixels < low or max_pixels > high:
        raise ConfigError(f"{where}: pixel range [{min_pixels}, {max_pixels}] is outside the model's image processor "
                          f"limits [{low}, {high}]; choose a range inside them")


def fitted_size(width: int, height: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """The size an image is resized to: its own when its pixel count is in range, else scaled
    (aspect ratio kept) to the nearest bound; never a side under one patch factor."""
    pixels = width * height
    scale = 1.0
    if pixels > max_pixels:
        scale = math.sqrt(max_pixels / pixels)
    elif pixels < min_pixels:
        scale = math.sqrt(min_pixels / pixels)
    w, h = width * scale, height * scale
    w, h = (math.floor(w), math.floor(h)) if scale < 1 else (math.ceil(w), math.ceil(h))
    return max(w, PATCH_FACTOR), max(h, PATCH_FACTOR)


def fit_image(image: Any, min_pixels: int, max_pixels: int) -> Any:
    """An RGB copy of ``image`` whose pixel count lies in ``[min_pixels, max_pixels]`` (bicubic)."""
    from PIL import Image  # Pillow (see passk.records.images)

    rgb = image.convert("RGB")
    w, h = rgb.size
    if max(w, h) > MAX_ASPECT_RATIO * min(w, h):
        raise DataError(f"image of {w}x{h} pixels: aspect ratio over {MAX_ASPECT_RATIO}, which Qwen2-VL's processor refuses")
    size = fitted_size(w, h, min_pixels, max_pixels)
    return rgb if size == (w, h) else rgb.resize(size, Image.Resampling.BICUBIC)


def open_image(ref: dict[str, Any], min_pixels: int, max_pixels: int, where: str = "") -> Any:
    """A problem's image (``{"path", "sha256"}``) checked (bytes as prepared, no placeholder) and fitted."""
    from PIL import Image  # Pillow (see passk.records.images)

    check_image(ref["path"], sha256=ref.get("sha256"), where=where)
    with Image.open(ref["path"]) as img:
        img.load()
        return fit_image(img, min_pixels, max_pixels)


def image_tokens(processor: Any, image: Any) -> int:
    """The tokens one image takes in the prompt, as the image processor counts them: its patches
    (``get_number_of_image_patches``, the method vLLM uses too) over the 2x2 merge."""
    ip = processor.image_processor
    width, height = image.size
    merge = int(getattr(ip, "merge_size", 2))
    return int(ip.get_number_of_image_patches(height, width, {})) // (merge * merge)
