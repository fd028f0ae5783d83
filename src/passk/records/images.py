"""Images of problem records: how a problem names its images, and the test placeholders no run may use.

A visual problem record carries ``images``: a list of ``{"path": <absolute file>, "sha256": …}``.
The hash is taken when the benchmark is prepared, so a stage that opens the file later (sampling,
the tiny model's training) can tell that the bytes are still the ones the problem file was made
from (``check_image``). Why paths and not the bytes: MathVista's 460 free-form images are 82 MB,
too much to copy into every problem file.

MathVista's images cannot be fetched here, so its loader is tested on generated stand-ins. Each
stand-in is a PNG with a text chunk ``PLACEHOLDER_KEY`` (``write_placeholder``); every run outside
the tests refuses an image that carries it (``check_image`` with ``allow_placeholder=False``, the
only setting a workflow stage uses), so a stand-in can never be sampled as if it were the figure.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from passk.errors import DataError
from passk.io import atomic_path, sha256_file

PLACEHOLDER_KEY = "passk-placeholder"
PLACEHOLDER_VALUE = "generated stand-in for a benchmark image (tests only)"


def image_ref(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The record of one image file: its absolute path and sha256."""
    p = Path(path).resolve()
    return {"path": str(p), "sha256": sha256_file(p)}


def is_placeholder(path: str | os.PathLike[str]) -> bool:
    """Whether the file is a generated stand-in: a PNG whose text chunks hold ``PLACEHOLDER_KEY``."""
    from PIL import Image  # Pillow: the one image library of the stack (matplotlib and transformers use it)

    try:
        with Image.open(path) as img:
            return img.format == "PNG" and PLACEHOLDER_KEY in getattr(img, "text", {})
    except OSError as exc:
        raise DataError(f"{path}: not a readable image ({exc})") from None


def check_image(path: str | os.PathLike[str], *, sha256: str | None = None, allow_placeholder: bool = False,
                where: str = "") -> None:
    """Refuse a missing image, one whose bytes differ from ``sha256``, or a placeholder.

    ``allow_placeholder`` is for the loaders' tests only: no config key or command sets it.
    """
    prefix = f"{where}: " if where else ""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{prefix}image {p} not found")
    if sha256 is not None:
        actual = sha256_file(p)
        if actual != sha256:
            raise DataError(f"{prefix}image {p} has sha256 {actual}, not the {sha256} recorded when the benchmark was "
                            "prepared; the file changed: prepare the benchmark again (snakemake does it by itself)")
    if not allow_placeholder and is_placeholder(p):
        raise DataError(f"{prefix}image {p} is a generated placeholder ({PLACEHOLDER_KEY} text chunk), made for tests; "
                        "a run needs the benchmark's real images")


def write_placeholder(path: str | os.PathLike[str], width: int = 64, height: int = 48, label: str = "") -> None:
    """Write a grey PNG stand-in marked with ``PLACEHOLDER_KEY`` (for loader tests; refused by runs)."""
    from PIL import Image  # Pillow (see is_placeholder)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(PLACEHOLDER_KEY, PLACEHOLDER_VALUE + (f": {label}" if label else ""))
    with atomic_path(path) as tmp:
        Image.new("RGB", (int(width), int(height)), (200, 200, 200)).save(tmp, format="PNG", pnginfo=info)
