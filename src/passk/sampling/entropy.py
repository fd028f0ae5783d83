"""Measuring a model's output entropy from the engine's own log-probabilities (Fig 17).

The definition (after temperature, before top-p; token-weighted mean) is documented in
``passk.analysis.entropy``, which searches the matched temperature. This module draws the
responses, collects for every generated token the distribution it was drawn from, and computes
the entropies:

- ``transformers`` (CPU, tests): ``generate(output_logits=True)`` returns each step's raw logits
  over the whole vocabulary, before any logits processor, so the entropy of softmax(z / T) is
  exact. Responses end at the first end-of-sequence (or padding) token, which counts as generated,
  as in the sample files' ``num_tokens``.
- ``vllm`` (GPUs): ``SamplingParams(logprobs=K)`` returns the top-K log-probabilities of every
  generated token, computed by vLLM from the raw model output (before temperature); they are
  rescaled by 1/T and renormalised over the K tokens (``entropy_from_top_logprobs``). The code
  that touches vLLM is a few lines in ``VLLMEntropyMeter``; what we ask for and how the answer is
  read are plain functions the unit tests check with fakes, as ``test_sampling_vllm.py`` does.

Each meter loads its model once and measures at any number of temperatures (the bisection of
``passk.analysis.entropy.bisect_temperature``), drawing every measurement with the same seeds.
This module does not touch the sampling backends: it loads the model itself.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from passk.errors import ConfigError, DataError
from passk.sampling.stops import special_stop_token_ids
from passk.sampling.vllm_backend import llm_kwargs

DEFAULT_TOP_LOGPROBS = 20  # vLLM's default max_logprobs


def entropy_from_logits(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Entropy of softmax(logits / T) for each row of ``logits`` (float64, log-sum-exp stable)."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    log_z = np.log(np.exp(z).sum(axis=-1, keepdims=True))
    logp = z - log_z
    p = np.exp(logp)
    return -(np.where(p > 0, p * logp, 0.0)).sum(axis=-1)


def entropy_from_top_logprobs(logprobs: Sequence[float], temperature: float) -> float:
    """Entropy of the temperature-scaled distribution restricted to the given top-K tokens.

    ``logprobs`` are raw (T = 1) log-probabilities of the K most likely tokens of one step. Since
    log p(v) = z(v) − log Z, dividing them by T and renormalising over the K tokens gives exactly
    softmax(z / T) restricted to those tokens; the tokens beyond K are left out, which can only
    lower the entropy (by at most the tail's share of it).
    """
    return float(entropy_from_logits(np.asarray(list(logprobs), dtype=np.float64)[None, :], temperature)[0])


@dataclass
class EntropyMeasurement:
    """One measurement: a model's mean token entropy at one temperature on a set of prompts."""

    temperature: float
    entropy: float
    tokens: int
    responses: int
    per_response: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


def mean_token_entropy(per_token: Iterable[Sequence[float]], temperature: float) -> EntropyMeasurement:
    """Pool per-token entropies of several responses into one token-weighted mean."""
    rows = [list(map(float, r)) for r in per_token]
    tokens = sum(len(r) for r in rows)
    if tokens == 0:
        raise DataError("no generated tokens to measure the entropy of (every response was empty)")
    total = math.fsum(v for r in rows for v in r)
    per_response = [math.fsum(r) / len(r) if r else float("nan") for r in rows]
    return EntropyMeasurement(float(temperature), total / tokens, tokens, len(rows), per_response)


class TransformersEntropyMeter:
    """Draws responses with ``transformers`` and returns their per-token entropies."""

    def __init__(self, model_dir: str, *, device: str = "cpu", dtype: str = "float32", threads: int | None = None, **ignored: Any) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if threads is not None:
            torch.set_num_threads(int(threads))  # the job owns its process (as the sampling backend)
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}.get(dtype, dtype))
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype).to(device).eval()
        eos = self.model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            self.eos_ids.add(self.tokenizer.eos_token_id)
        pad = self.model.generation_config.pad_token_id
        self.pad_id = pad if pad is not None else (self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else min(self.eos_ids))

    def per_token_entropies(self, prompt: str, seed: int, *, n: int, temperature: float, top_p: float, max_tokens: int,
                            stop: Sequence[str] = ()) -> list[list[float]]:
        """``n`` responses to one prompt, each as the list of its tokens' entropies."""
        import torch
        from transformers import GenerationConfig

        eos_ids = sorted(self.eos_ids | set(special_stop_token_ids(self.tokenizer, stop)))
        enc = self.tokenizer(prompt, return_tensors="pt")
        ids = enc["input_ids"].to(self.device)
        config = GenerationConfig(
            do_sample=True, temperature=float(temperature), top_p=float(top_p), top_k=None, repetition_penalty=None,
            max_new_tokens=int(max_tokens), num_return_sequences=int(n), eos_token_id=eos_ids, pad_token_id=self.pad_id,
            bos_token_id=None, stop_strings=list(stop) or None, output_logits=True, return_dict_in_generate=True,
        )
        devices = [] if str(self.device).startswith("cpu") else None
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(int(seed))
            out = self.model.generate(input_ids=ids, attention_mask=enc["attention_mask"].to(self.device), generation_config=config, tokenizer=self.tokenizer)
        generated = out.sequences[:, ids.shape[1]:].tolist()
        logits = torch.stack(out.logits, dim=1).to(torch.float64).cpu().numpy()  # (n, steps, vocab), raw
        ends = set(eos_ids) | {self.pad_id}
        rows = []
        for row, tokens in enumerate(generated):
            length = next((i + 1 for i, t in enumerate(tokens) if t in ends), len(tokens))
            rows.append(entropy_from_logits(logits[row, :length], temperature).tolist())
        return rows

    def close(self) -> None:
        """Drop the model."""
        self.model = None
        gc.collect()


def vllm_entropy_params_kwargs(seed: int, *, n: int, temperature: float, top_p: float, max_tokens: int, stop: Sequence[str],
                               top_logprobs: int, stop_token_ids: Sequence[int] = ()) -> dict[str, Any]:
    """Keyword arguments of the ``vllm.SamplingParams`` of one prompt of an entropy measurement:
    the sampling settings of a shard plus ``logprobs=K`` (top-K log-probs of every generated token)."""
    kwargs: dict[str, Any] = {
        "n": int(n), "seed": int(seed), "temperature": float(temperature), "top_p": float(top_p),
        "max_tokens": int(max_tokens), "stop": list(stop), "include_stop_str_in_output": False,
        "skip_special_tokens": True, "logprobs": int(top_logprobs),
    }
    if stop_token_ids:
        kwargs["stop_token_ids"] = [int(t) for t in stop_token_ids]
    return kwargs


def entropies_from_completion_output(output: Any, temperature: float, top_logprobs: int) -> list[float]:
    """Per-token entropies of one ``vllm.CompletionOutput`` read from its ``logprobs``: a list with,
    per generated token, a dict {token id: Logprob(logprob=…)} of the top-K (vLLM adds the sampled
    token when it is not among them; only the K largest are used, so every step has the same K)."""
    steps = getattr(output, "logprobs", None)
    if steps is None:
        raise RuntimeError("vLLM returned no logprobs; the request must set SamplingParams(logprobs=K)")
    out = []
    for step in steps:
        values = sorted((float(getattr(lp, "logprob", lp)) for lp in step.values()), reverse=True)[: int(top_logprobs)]
        out.append(entropy_from_top_logprobs(values, temperature))
    return out


class VLLMEntropyMeter:
    """vLLM's offline engine on the local model directory, asked for top-K log-probs."""

    def __init__(self, model_dir: str, *, top_logprobs: int = DEFAULT_TOP_LOGPROBS, llm_factory: Callable[..., Any] | None = None,
                 sampling_params_factory: Callable[..., Any] | None = None, **options: Any) -> None:
        if llm_factory is None or sampling_params_factory is None:
            try:
                import vllm
            except ImportError as exc:
                raise ConfigError(f"backend vllm: cannot import vllm ({exc}); run this rule in envs/vllm.yaml on a GPU node") from None
            llm_factory = llm_factory or vllm.LLM
            sampling_params_factory = sampling_params_factory or vllm.SamplingParams
        known = ("tensor_parallel_size", "max_model_len", "gpu_memory_utilization", "enable_prefix_caching", "dtype", "seed")
        self.top_logprobs = int(top_logprobs)
        self._params = sampling_params_factory
        self._llm = llm_factory(**llm_kwargs(model_dir, **{k: v for k, v in options.items() if k in known}), max_logprobs=self.top_logprobs)
        self.tokenizer = self._llm.get_tokenizer()

    def per_token_entropies(self, prompt: str, seed: int, *, n: int, temperature: float, top_p: float, max_tokens: int,
                            stop: Sequence[str] = ()) -> list[list[float]]:
        """``n`` responses to one prompt, each as the list of its tokens' entropies."""
        kwargs = vllm_entropy_params_kwargs(seed, n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, stop=stop,
                                            top_logprobs=self.top_logprobs, stop_token_ids=special_stop_token_ids(self.tokenizer, stop))
        (result,) = self._llm.generate([prompt], [self._params(**kwargs)], use_tqdm=False)
        return [entropies_from_completion_output(o, temperature, self.top_logprobs) for o in sorted(result.outputs, key=lambda o: o.index)]

    def close(self) -> None:
        """Drop the engine and free GPU memory."""
        self._llm = None
        gc.collect()


def entropy_meter(backend: dict[str, Any], model_dir: str, **extra: Any) -> Any:
    """The meter of a backend config ``{name, ...options}`` (the sampling backend's options)."""
    options = {k: v for k, v in backend.items() if k != "name"}
    if backend["name"] == "transformers":
        return TransformersEntropyMeter(model_dir, **options)
    if backend["name"] == "vllm":
        return VLLMEntropyMeter(model_dir, **options, **extra)
    raise ConfigError(f"backend {backend['name']!r}: no entropy measurement for it (transformers or vllm)")


def measure(meter: Any, prompts: Sequence[str], seeds: Sequence[int], *, n: int, temperature: float, top_p: float, max_tokens: int,
            stop: Sequence[str] = ()) -> EntropyMeasurement:
    """The mean token entropy of ``n`` responses to each prompt at ``temperature``."""
    rows: list[list[float]] = []
    for prompt, seed in zip(prompts, seeds):
        rows += meter.per_token_entropies(prompt, seed, n=n, temperature=temperature, top_p=top_p, max_tokens=max_tokens, stop=stop)
    return mean_token_entropy(rows, temperature)
