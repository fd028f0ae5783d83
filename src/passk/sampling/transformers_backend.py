"""In-process ``transformers`` backend: CPU runs, tests, the tiny-model smoke run, and GPUs without vLLM.

It follows vLLM's semantics wherever the results could differ, so the two backends write
interchangeable sample files:

- Decoding uses a fresh ``GenerationConfig`` with only the shard's settings (temperature, top-p,
  no top-k, no repetition penalty), never the checkpoint's ``generation_config.json`` sampling
  defaults (Qwen instruct checkpoints ship top_k=20, repetition_penalty=1.05), because vLLM also
  ignores those when explicit ``SamplingParams`` are passed.
- The prompt is tokenized with the tokenizer's default special tokens, as vLLM does.
- The text is decoded with special tokens skipped and cut at the first stop string; a stop
  string that is a single special token also stops generation (see ``passk.sampling.stops``).
- ``num_tokens`` counts generated tokens up to and including the one that ended generation
  (EOS, or the token that completed a stop string), like ``len(CompletionOutput.token_ids)``.

Seeding: ``torch.manual_seed(request.seed)`` immediately before each request's generation, inside
a forked RNG state, so a problem's completions depend only on (prompt, seed, settings,
batch_size) and not on the other problems of the shard or their order; the caller's global RNG
is left untouched. ``threads`` (optional) sets torch's intra-op threads for the process; give a
job's thread allowance. ``batch_size`` bounds the sequences generated together; the ``n`` completions
of a request are drawn from one RNG stream in chunks of ``batch_size``.
"""

from __future__ import annotations

from typing import Any

from passk.errors import ConfigError
from passk.sampling.base import Backend, BackendInfo, Completion, PromptRequest, SamplingSettings
from passk.sampling.stops import first_stop, special_stop_token_ids, truncate_at_stop
from passk.sampling.vision import encode_request, is_vision_model, load_transformers_model

_DTYPES = {"float32": "float32", "fp32": "float32", "float16": "float16", "fp16": "float16", "bfloat16": "bfloat16", "bf16": "bfloat16"}


class TransformersBackend(Backend):
    """A ``transformers`` causal LM sampled with ``model.generate``."""

    name = "transformers"

    def __init__(
        self,
        model_dir: str,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        batch_size: int = 16,
        threads: int | None = None,
        **ignored: Any,
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if dtype != "auto" and dtype not in _DTYPES:
            raise ConfigError(f"backend.dtype: unknown dtype {dtype!r}; known: {['auto', *sorted(_DTYPES)]}")
        if int(batch_size) < 1:
            raise ConfigError(f"backend.batch_size: must be >= 1, got {batch_size!r}")
        if threads is not None:
            # Process-wide: a sampling job owns its process, and torch's default (all cores) makes
            # small models crawl when the job shares a node with others (oversubscribed threads).
            torch.set_num_threads(int(threads))
        self.model_dir = str(model_dir)
        self.device = device
        self.batch_size = int(batch_size)
        torch_dtype = "auto" if dtype == "auto" else getattr(torch, _DTYPES[dtype])
        self.processor = None  # a vision-language model's (images in; passk.sampling.vision)
        if is_vision_model(self.model_dir):
            self.model, self.processor = load_transformers_model(self.model_dir, torch_dtype)
            self.tokenizer = self.processor.tokenizer
        else:
            self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
            self.model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=torch_dtype)
        self.model.to(device)
        self.model.eval()
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            eos_ids.add(self.tokenizer.eos_token_id)
        self._eos_ids = eos_ids
        pad = self.model.generation_config.pad_token_id
        if pad is None:
            pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = min(eos_ids) if eos_ids else 0
        self._pad_id = pad

    def count_prompt_tokens(self, prompt: str) -> int:
        """Prompt length in tokens, with the tokenizer's default special tokens (as vLLM counts it)."""
        return len(self.tokenizer(prompt)["input_ids"])

    def info(self) -> BackendInfo:
        """Backend name and the torch/transformers versions that produced the samples."""
        import torch
        import transformers

        return BackendInfo(self.name, {"torch": torch.__version__, "transformers": transformers.__version__})

    def close(self) -> None:
        """Drop the model so its memory can be reclaimed."""
        self.model = None

    def generate(self, requests: list[PromptRequest], settings: SamplingSettings) -> list[list[Completion]]:
        """``settings.n`` completions per request, each request seeded on its own."""
        return [self._sample(request, settings) for request in requests]

    def _generation_config(self, settings: SamplingSettings, num_sequences: int, eos_ids: list[int]) -> Any:
        from transformers import GenerationConfig

        greedy = settings.temperature <= 0.0
        return GenerationConfig(
            do_sample=not greedy,
            temperature=None if greedy else float(settings.temperature),
            top_p=None if greedy else float(settings.top_p),
            top_k=None,
            repetition_penalty=None,
            max_new_tokens=int(settings.max_tokens),
            num_return_sequences=num_sequences,
            eos_token_id=eos_ids,
            pad_token_id=self._pad_id,
            bos_token_id=None,
            stop_strings=list(settings.stop) or None,
        )

    def _sample(self, request: PromptRequest, settings: SamplingSettings) -> list[Completion]:
        import torch

        eos_ids = sorted(self._eos_ids | set(special_stop_token_ids(self.tokenizer, settings.stop)))
        inputs = {k: v.to(self.device) for k, v in encode_request(request, self.tokenizer, self.processor).items()}
        prompt_len = inputs["input_ids"].shape[1]
        completions: list[Completion] = []
        devices = [] if str(self.device).startswith("cpu") else None
        with torch.random.fork_rng(devices=devices), torch.inference_mode():
            torch.manual_seed(request.seed)
            greedy = settings.temperature <= 0.0
            remaining = 1 if greedy else settings.n  # greedy: one decode, repeated n times (as vLLM returns)
            while remaining > 0:
                chunk = min(remaining, self.batch_size)
                output = self.model.generate(
                    **inputs,
                    generation_config=self._generation_config(settings, chunk, eos_ids),
                    tokenizer=self.tokenizer,
                )
                for row in output[:, prompt_len:].tolist():
                    completions.append(self._finish(row, settings, set(eos_ids)))
                remaining -= chunk
        if greedy:
            completions = completions * settings.n
        return completions

    def _finish(self, tokens: list[int], settings: SamplingSettings, eos_ids: set[int]) -> Completion:
        """Cut one generated row at EOS / the first stop string and classify why it ended."""
        end = next((i for i, t in enumerate(tokens) if t in eos_ids), None)
        real = tokens if end is None else tokens[: end + 1]
        text = self.tokenizer.decode(real, skip_special_tokens=True)
        cut, hit = truncate_at_stop(text, settings.stop)
        if hit:
            return Completion(cut, "stop", self._tokens_to_stop(real, settings.stop))
        if end is not None:
            return Completion(text, "stop", end + 1)
        reason = "length" if len(real) >= settings.max_tokens else "stop"
        return Completion(text, reason, len(real))

    def _tokens_to_stop(self, tokens: list[int], stops: tuple[str, ...]) -> int:
        """The fewest leading tokens whose decoded text already contains a stop string (binary search;
        containment is monotone in the prefix length)."""
        lo, hi = 1, len(tokens)
        while lo < hi:
            mid = (lo + hi) // 2
            if first_stop(self.tokenizer.decode(tokens[:mid], skip_special_tokens=True), stops) != -1:
                hi = mid
            else:
                lo = mid + 1
        return hi
