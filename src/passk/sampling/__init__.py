"""Sampling backends behind one interface (transformers on CPU or GPU; vLLM on GPUs)."""

from passk.sampling.base import Backend, Completion, PromptRequest, SamplingSettings, get_backend

__all__ = ["Backend", "Completion", "PromptRequest", "SamplingSettings", "get_backend"]
