"""vLLM backend for GPU sampling, coded against vLLM's public offline API.

vLLM cannot be installed on the development machines (no GPU), so the code that touches vLLM
is kept to a few lines in ``VLLMBackend``; everything that decides *what* we ask vLLM for is in
plain functions that the unit tests check without vLLM:

- ``llm_kwargs``: our backend options -> keyword arguments of ``vllm.LLM``.
- ``sampling_params_kwargs``: a shard's settings + one problem's request -> keyword arguments of
  ``vllm.SamplingParams``: ONE ``SamplingParams(n=shard_size, seed=problem_seed)`` per problem,
  not n copies of the prompt. vLLM then shares the prompt's prefill (prefix caching) among the
  n samples, and in the V1 engine it expands ``n`` into child requests seeded ``seed + index``
  (``vllm/v1/engine/parallel_sampling.py``), so every sample has its own reproducible stream
  whatever else is in the batch (peers.md §16: per-request seeds, not the engine seed).
- ``completions_from_request_output``: a ``RequestOutput`` -> our ``Completion`` list (ordered by
  ``CompletionOutput.index``; ``finish_reason`` must be "stop" or "length"; ``num_tokens`` is
  ``len(token_ids)``).

Written against vLLM 0.30.0 (pinned in ``envs/vllm.yaml``); every parameter and field name used
here is documented public API, checked to exist in the 0.30.0 and 0.33.0 sources.

Reproducibility caveat (peers.md §16, vllm #13391): a per-request seed fixes the random stream,
but batched GPU kernels can still change logits in the last bits with batch composition, so
bitwise-identical reruns on GPUs are not guaranteed; the statistics are.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any

from passk.errors import ConfigError
from passk.sampling.base import Backend, BackendInfo, Completion, PromptRequest, SamplingSettings
from passk.sampling.stops import special_stop_token_ids, truncate_at_stop
from passk.sampling.vision import vllm_prompt

FINISH_REASONS = ("stop", "length")


def llm_kwargs(
    model_dir: str,
    *,
    tensor_parallel_size: int = 1,
    max_model_len: int | None = None,
    gpu_memory_utilization: float = 0.9,
    enable_prefix_caching: bool = True,
    dtype: str = "auto",
    seed: int = 0,
    limit_mm_per_prompt: dict[str, int] | None = None,
    mm_processor_kwargs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``vllm.LLM`` loading the downloaded snapshot in ``model_dir``.

    ``model`` is the local directory (never a hub id: the model was downloaded and hashed by the
    download rule, and sampling must not fetch anything). ``max_model_len`` is only passed when
    set, so vLLM otherwise derives it from the model config exactly as our guard does. The engine
    ``seed`` matters little (every request carries its own seed) but is fixed for completeness.
    """
    if int(tensor_parallel_size) < 1:
        raise ConfigError(f"backend.tensor_parallel_size: must be >= 1, got {tensor_parallel_size!r}")
    if not 0.0 < float(gpu_memory_utilization) <= 1.0:
        raise ConfigError(f"backend.gpu_memory_utilization: must be in (0, 1], got {gpu_memory_utilization!r}")
    kwargs: dict[str, Any] = {
        "model": str(model_dir),
        "tokenizer": str(model_dir),
        "tensor_parallel_size": int(tensor_parallel_size),
        "dtype": str(dtype),
        "seed": int(seed),
        "gpu_memory_utilization": float(gpu_memory_utilization),
        "enable_prefix_caching": bool(enable_prefix_caching),
    }
    if max_model_len is not None:
        kwargs["max_model_len"] = int(max_model_len)
    if limit_mm_per_prompt:  # image problems (passk.sampling.vision.engine_options)
        kwargs["limit_mm_per_prompt"] = {k: int(v) for k, v in limit_mm_per_prompt.items()}
        kwargs["mm_processor_kwargs"] = dict(mm_processor_kwargs or {})
    return kwargs


def sampling_params_kwargs(request: PromptRequest, settings: SamplingSettings, stop_token_ids: Sequence[int] = ()) -> dict[str, Any]:
    """Keyword arguments for the ONE ``vllm.SamplingParams`` of a problem in a shard.

    Mirrors math_eval.py: stop strings cut the text (and are not included in it), special tokens
    are skipped when detokenizing, and end-of-turn special tokens among the stop strings are also
    ``stop_token_ids``. Top-k and penalties are left at vLLM's neutral defaults, as the paper only
    sets temperature and top-p.
    """
    kwargs: dict[str, Any] = {
        "n": int(settings.n),
        "seed": int(request.seed),
        "temperature": float(settings.temperature),
        "top_p": float(settings.top_p),
        "max_tokens": int(settings.max_tokens),
        "stop": list(settings.stop),
        "include_stop_str_in_output": False,
        "skip_special_tokens": True,
    }
    if stop_token_ids:
        kwargs["stop_token_ids"] = [int(t) for t in stop_token_ids]
    return kwargs


def completion_from_output(output: Any, stop: Sequence[str] = ()) -> Completion:
    """One ``vllm.CompletionOutput`` -> ``Completion`` (reads ``text``, ``token_ids``, ``finish_reason``).

    vLLM already cuts at stop strings; cutting again is idempotent and keeps the two backends'
    texts defined by the same function. Any other finish reason (``abort``, ``None``) means the
    request did not complete, which must not be written as a sample.
    """
    reason = getattr(output, "finish_reason", None)
    if reason not in FINISH_REASONS:
        raise RuntimeError(f"vLLM completion {getattr(output, 'index', '?')} finished with {reason!r}, expected one of {FINISH_REASONS}")
    text, _ = truncate_at_stop(output.text, stop)
    return Completion(text=text, finish_reason=reason, num_tokens=len(output.token_ids))


def completions_from_request_output(request_output: Any, n: int, stop: Sequence[str] = ()) -> list[Completion]:
    """A ``vllm.RequestOutput`` -> its ``n`` completions in ``CompletionOutput.index`` order."""
    outputs = sorted(request_output.outputs, key=lambda o: o.index)
    if [o.index for o in outputs] != list(range(n)):
        raise RuntimeError(
            f"vLLM request {getattr(request_output, 'request_id', '?')}: got completion indices "
            f"{[o.index for o in outputs]}, expected 0..{n - 1}"
        )
    return [completion_from_output(o, stop) for o in outputs]


class VLLMBackend(Backend):
    """vLLM's offline ``LLM`` engine on the local model directory.

    ``llm_factory`` and ``sampling_params_factory`` default to ``vllm.LLM`` and
    ``vllm.SamplingParams``; tests pass fakes so the vLLM-facing path runs without vLLM.
    """

    name = "vllm"

    def __init__(
        self,
        model_dir: str,
        *,
        tensor_parallel_size: int = 1,
        max_model_len: int | None = None,
        gpu_memory_utilization: float = 0.9,
        enable_prefix_caching: bool = True,
        dtype: str = "auto",
        seed: int = 0,
        limit_mm_per_prompt: dict[str, int] | None = None,
        mm_processor_kwargs: dict[str, Any] | None = None,
        llm_factory: Callable[..., Any] | None = None,
        sampling_params_factory: Callable[..., Any] | None = None,
        **ignored: Any,
    ) -> None:
        if llm_factory is None or sampling_params_factory is None:
            try:
                import vllm
            except ImportError as exc:
                raise ConfigError(
                    f"backend vllm: cannot import vllm ({exc}); run the sampling rule in envs/vllm.yaml on a GPU node, "
                    "or set backend.name: transformers"
                ) from None
            llm_factory = llm_factory or vllm.LLM
            sampling_params_factory = sampling_params_factory or vllm.SamplingParams
        self.model_dir = str(model_dir)
        self._sampling_params = sampling_params_factory
        self._llm = llm_factory(
            **llm_kwargs(
                self.model_dir,
                tensor_parallel_size=tensor_parallel_size,
                max_model_len=max_model_len,
                gpu_memory_utilization=gpu_memory_utilization,
                enable_prefix_caching=enable_prefix_caching,
                dtype=dtype,
                seed=seed,
                limit_mm_per_prompt=limit_mm_per_prompt,
                mm_processor_kwargs=mm_processor_kwargs,
            )
        )
        self.tokenizer = self._llm.get_tokenizer()

    def count_prompt_tokens(self, prompt: str) -> int:
        """Prompt tokens as vLLM counts them (its tokenizer, default special tokens)."""
        return len(self.tokenizer(prompt)["input_ids"])

    def generate(self, requests: list[PromptRequest], settings: SamplingSettings) -> list[list[Completion]]:
        """One ``LLM.generate`` call for the whole shard: one prompt and one seeded SamplingParams per problem."""
        stop_ids = special_stop_token_ids(self.tokenizer, settings.stop)
        params = [self._sampling_params(**sampling_params_kwargs(r, settings, stop_ids)) for r in requests]
        # progress_bar: a tqdm class the caller may set (passk.progress) to log finished prompts
        outputs = self._llm.generate([vllm_prompt(r) for r in requests], params, use_tqdm=getattr(self, "progress_bar", None) or False)
        if len(outputs) != len(requests):
            raise RuntimeError(f"vLLM returned {len(outputs)} outputs for {len(requests)} prompts")
        return [completions_from_request_output(o, settings.n, settings.stop) for o in outputs]

    def info(self) -> BackendInfo:
        """Backend name and vLLM version (if vLLM is the real one)."""
        try:
            import vllm

            return BackendInfo(self.name, {"vllm": vllm.__version__})
        except ImportError:
            return BackendInfo(self.name)

    def close(self) -> None:
        """Drop the engine and free GPU memory, so a job can load the next model."""
        self._llm = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass
