"""The sampling interface every backend implements.

A backend receives, for one shard, one request per problem (prompt text plus that problem's seed)
and the shard's sampling settings, and returns ``n`` completions per request, each with its finish
reason and token count. Seeds are decided by the caller (see ``passk.sampling.seeds``), so every
backend draws the same logical samples for the same (model, benchmark, shard).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SamplingSettings:
    """Decoding settings of one shard; ``n`` is the number of completions per problem in the shard."""

    n: int
    temperature: float = 0.6
    top_p: float = 0.95
    max_tokens: int = 16384
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class PromptRequest:
    """One problem's prompt and the seed its ``n`` completions are drawn with; ``images`` are the
    problem's images (PIL, fitted to the run's pixel range; ``passk.sampling.vision``), one per
    ``<|image_pad|>`` placeholder of the prompt, empty for text problems."""

    problem_id: str
    prompt: str
    seed: int
    images: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Completion:
    """One sampled completion. ``finish_reason`` is ``stop`` (EOS or a stop string) or ``length``."""

    text: str
    finish_reason: str
    num_tokens: int


@dataclass
class BackendInfo:
    """What a backend reports about itself, kept beside the samples for provenance."""

    name: str
    versions: dict[str, str] = field(default_factory=dict)


class Backend(ABC):
    """A loaded model that samples completions."""

    name: str = "base"

    @abstractmethod
    def count_prompt_tokens(self, prompt: str) -> int:
        """Number of tokens the prompt occupies (for the context-length guard)."""

    @abstractmethod
    def generate(self, requests: list[PromptRequest], settings: SamplingSettings) -> list[list[Completion]]:
        """``settings.n`` completions for each request, in request order."""

    def info(self) -> BackendInfo:
        """Name and package versions of the backend."""
        return BackendInfo(self.name)

    def close(self) -> None:
        """Release the model (GPU memory); the default does nothing."""
