"""The sampling backends by config name (``sampling.backend``)."""

from __future__ import annotations

from typing import Any

from passk.errors import ConfigError
from passk.sampling.base import Backend
from passk.sampling.transformers_backend import TransformersBackend
from passk.sampling.vllm_backend import VLLMBackend

BACKENDS: dict[str, type[Backend]] = {"transformers": TransformersBackend, "vllm": VLLMBackend}


def get_backend(name: str, model_dir: str, **options: Any) -> Backend:
    """Load backend ``name`` for the model in ``model_dir`` (options come from the config's backend section)."""
    if name not in BACKENDS:
        raise ConfigError(f"sampling.backend: unknown backend {name!r}; known: {sorted(BACKENDS)}")
    return BACKENDS[name](model_dir, **options)
