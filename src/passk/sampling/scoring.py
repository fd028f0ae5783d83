"""Teacher-forced perplexity of responses under a model (paper §4, Fig 6).

The paper asks whether RL-trained models' outputs are already likely under the base model. It
scores a response Y to a prompt x by

    PPL_m(Y | x) = exp(-(1/T) * sum_{t=1..T} log P_m(y_t | x, y_<t)),

T = the number of *response* tokens: the prompt conditions every position but is never scored.
Fig 6 shows, per AIME24 problem, PPL_Base(Y_Base), PPL_Base(Y_RL), PPL_RL(Y_RL) and PPL_Base(Y_GT).

Tokenisation (the one choice that changes the numbers). The prompt is tokenised alone with the
tokenizer's default special tokens — exactly the ids the sampling stage fed the model
(``passk.sampling``) — and the response alone with ``add_special_tokens=False``; the two id
lists are concatenated. Tokenising ``prompt + response`` as one string instead lets BPE merge
across the boundary (e.g. the template's trailing ``"\\n"`` with a response that starts with
``"\\n"`` or a space), so some response text would be conditioned on rather than scored, or a prompt
token scored. Sample shards keep the text, not the generated token ids, so re-tokenising the
response is the best available reconstruction: it gives the canonical tokenisation, which is what
a model almost always samples, and it is the same for every scorer and every response source
(including responses the scorer did not write, like Y_GT). No end-of-turn token is appended: the
stored text is cut at the stop string, and an o1 / reference response has none, so scoring only
the text keeps Y_Base, Y_RL and Y_GT comparable.

Backends:

- ``transformers``: one forward pass of the decoder per batch (right padding, so every real token
  keeps its position and attends only to real tokens), then the output head applied only at the
  response positions, in chunks: a 16k-token response times a 152k vocabulary would be ~10 GB of
  float32 logits if the model's own forward materialised them all. Before scoring, a one-off check
  compares this head-on-hidden-states path with the model's own ``forward`` logits on the first
  prompt and refuses (ConfigError) architectures whose forward post-processes logits (soft-capping,
  scaling). The logits are cast to float64 before the log-softmax (a float32 log-softmax is off
  by ~1e-6 per token, visible in the 10th decimal of the table), and the log-probs are summed
  with ``math.fsum``, so the result does not depend on summation order.
- ``vllm``: ``SamplingParams(prompt_logprobs=0, max_tokens=1)`` on the concatenated token ids and
  ``RequestOutput.prompt_logprobs`` read at the response positions. vLLM returns the log-prob of
  each actual prompt token (plus the top ``prompt_logprobs`` others; 0 others here), computed from
  the raw logits. Only the code that touches vLLM lives in ``_score_vllm``; what we ask for and how
  we read the answer are plain functions that ``tests/unit/test_perplexity.py`` contract-tests the
  way ``test_sampling_vllm.py`` does (names recorded from vLLM's source; vLLM is not installable
  here).

The table of scores is ``passk.analysis.perplexity``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from passk.errors import ConfigError, DataError
from passk.models.manifest import model_context_length
from passk.sampling.vllm_backend import llm_kwargs

__all__ = [
    "encode_pair",
    "perplexity_stats",
    "response_logprobs_from_request_output",
    "score_responses",
    "vllm_prompt",
    "vllm_sampling_params_kwargs",
]

_DTYPES = {"float32": "float32", "fp32": "float32", "float16": "float16", "fp16": "float16", "bfloat16": "bfloat16", "bf16": "bfloat16"}
_HEAD_CHUNK = 256  # response positions per output-head call: 256 x 152k vocab x 8 B ≈ 310 MB of float64 log-probs


# --------------------------------------------------------------------------------------------
# Shared by both backends


def encode_pair(tokenizer: Any, prompt: str, response: str) -> tuple[list[int], list[int]]:
    """``(prompt_ids, response_ids)``: each string tokenised on its own (see the module docstring).

    The prompt gets the tokenizer's default special tokens, as at sampling time; the response
    none, because it continues the prompt rather than starting a new text.
    """
    prompt_ids = list(tokenizer(prompt)["input_ids"])
    response_ids = list(tokenizer(response, add_special_tokens=False)["input_ids"])
    return prompt_ids, response_ids


def perplexity_stats(logprobs: Sequence[float]) -> dict[str, Any]:
    """``{"num_tokens", "mean_logprob", "ppl"}`` from the response tokens' log-probabilities.

    ``math.fsum`` sums exactly (then rounds once), so the result is the same in any order and on
    any machine. An empty response has no perplexity: NaN, with ``num_tokens`` 0.
    """
    values = [float(x) for x in logprobs]
    if not values:
        return {"num_tokens": 0, "mean_logprob": math.nan, "ppl": math.nan}
    mean = math.fsum(values) / len(values)
    return {"num_tokens": len(values), "mean_logprob": mean, "ppl": math.exp(-mean)}


def _check_items(items: Sequence[dict[str, Any]]) -> None:
    for i, item in enumerate(items):
        missing = [k for k in ("problem_id", "prompt", "response", "source") if k not in item]
        if missing:
            raise DataError(f"perplexity item {i}: missing keys {missing}")
        if not isinstance(item["prompt"], str) or not item["prompt"]:
            raise DataError(f"perplexity item {i} (problem {item['problem_id']!r}): empty prompt; the first response token needs a context")
        if not isinstance(item["response"], str):
            raise DataError(f"perplexity item {i} (problem {item['problem_id']!r}): response is not a string")


def _check_lengths(encoded: Sequence[tuple[list[int], list[int]]], items: Sequence[dict[str, Any]], limit: int | None, source: str) -> None:
    """Refuse sequences longer than the context: a scorer must not silently truncate a response."""
    if limit is None:
        raise ConfigError("perplexity: cannot tell the scoring model's context length (no max_position_embeddings in config.json); pass max_model_len")
    for (p, r), item in zip(encoded, items):
        if len(p) + len(r) > limit:
            raise ConfigError(
                f"perplexity: problem {item['problem_id']!r} ({item['source']}): prompt {len(p)} + response {len(r)} tokens "
                f"> max_model_len {limit} ({source})"
            )


# --------------------------------------------------------------------------------------------
# transformers


def _check_head_path(model: Any, decoder: Any, head: Any, ids: list[int]) -> None:
    """Refuse models whose ``forward`` does more to the logits than ``lm_head(hidden)``.

    We apply the output head ourselves (to avoid full-sequence logits), which is only right if the
    model's own forward computes logits that way; Qwen2/Llama do, Gemma2 (soft-capping) and Cohere
    (logit scale) do not. Comparing the two on a short prefix catches any such architecture.
    """
    import torch

    x = torch.tensor([ids[:64]], device=next(model.parameters()).device)
    with torch.inference_mode():
        full = model(input_ids=x).logits[0].float()
        ours = head(decoder(input_ids=x).last_hidden_state[0]).float()
    scale = max(1.0, float(full.abs().max()))
    if full.shape != ours.shape or not torch.allclose(full, ours, rtol=0.0, atol=1e-3 * scale):
        raise ConfigError(
            f"perplexity: {type(model).__name__}'s forward post-processes the output head's logits "
            "(e.g. soft-capping or scaling); the chunked scorer does not support it"
        )


def _score_transformers(
    model_dir: str,
    items: Sequence[dict[str, Any]],
    *,
    device: str,
    dtype: str,
    batch_size: int,
    max_model_len: int | None,
    threads: int | None,
) -> list[list[float]]:
    """Per item, the log-probabilities of its response tokens (float64 Python floats)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if dtype != "auto" and dtype not in _DTYPES:
        raise ConfigError(f"perplexity: unknown dtype {dtype!r}; known: {['auto', *sorted(_DTYPES)]}")
    if threads is not None:
        torch.set_num_threads(int(threads))  # process-wide, as TransformersBackend: the job owns its process
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    encoded = [encode_pair(tokenizer, it["prompt"], it["response"]) for it in items]
    limit, source = (int(max_model_len), "max_model_len") if max_model_len is not None else (model_context_length(model_dir), "config.json")
    _check_lengths(encoded, items, limit, source)

    torch_dtype = "auto" if dtype == "auto" else getattr(torch, _DTYPES[dtype])
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch_dtype)
    model.to(device)
    model.eval()
    decoder = model.base_model
    head = model.get_output_embeddings()
    if decoder is model or head is None:
        raise ConfigError(f"perplexity: {type(model).__name__} has no separate decoder and output head")
    if items:
        _check_head_path(model, decoder, head, encoded[0][0])
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    # Longest first, so an out-of-memory batch fails at the start; ties broken by content, not by
    # position, so the same items meet in the same batches in any input order (padding width can
    # move float32 results in the last bits, so batch composition is part of byte determinism).
    order = sorted(range(len(items)), key=lambda i: (-(len(encoded[i][0]) + len(encoded[i][1])), items[i]["prompt"], items[i]["response"]))
    results: list[list[float]] = [[] for _ in items]
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch = [i for i in order[start : start + batch_size] if encoded[i][1]]
            if not batch:
                continue
            width = max(len(encoded[i][0]) + len(encoded[i][1]) for i in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                seq = encoded[i][0] + encoded[i][1]
                ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
                mask[row, : len(seq)] = 1
            hidden = decoder(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
            for row, i in enumerate(batch):
                p, r = len(encoded[i][0]), len(encoded[i][1])
                targets = torch.tensor(encoded[i][1], dtype=torch.long, device=hidden.device)
                values: list[float] = []
                for c0 in range(0, r, _HEAD_CHUNK):  # hidden state at p-1+t predicts response token t
                    c1 = min(r, c0 + _HEAD_CHUNK)
                    logits = head(hidden[row, p - 1 + c0 : p - 1 + c1]).double()
                    logp = torch.log_softmax(logits, dim=-1).gather(1, targets[c0:c1, None])[:, 0]
                    values.extend(logp.tolist())
                results[i] = values
    return results


# --------------------------------------------------------------------------------------------
# vLLM (coded against the public offline API; see the module docstring)


def vllm_sampling_params_kwargs() -> dict[str, Any]:
    """Keyword arguments of the ``vllm.SamplingParams`` that turns generation into scoring.

    ``prompt_logprobs=0``: the log-prob of every actual prompt token and no alternatives;
    ``max_tokens=1``: the one generated token is discarded; ``temperature=0``: no sampling
    randomness at all (prompt log-probs come from the raw logits either way); ``detokenize=False``:
    nothing we read needs text.
    """
    return {"prompt_logprobs": 0, "max_tokens": 1, "temperature": 0.0, "detokenize": False}


def vllm_prompt(prompt_ids: Sequence[int], response_ids: Sequence[int]) -> dict[str, list[int]]:
    """A ``vllm.inputs.TokensPrompt`` (a TypedDict, so a plain dict) of the concatenated ids:
    vLLM must see our token boundary, not re-tokenise the text."""
    return {"prompt_token_ids": [int(t) for t in prompt_ids] + [int(t) for t in response_ids]}


def response_logprobs_from_request_output(request_output: Any, prompt_ids: Sequence[int], response_ids: Sequence[int]) -> list[float]:
    """The response tokens' log-probs from ``RequestOutput.prompt_logprobs``.

    ``prompt_logprobs`` has one entry per prompt token (``None`` for the first, which has no
    context), each a ``{token_id: Logprob}`` mapping that contains the actual token. We check that
    vLLM scored exactly our ids and that every response token is present, so an API change fails
    loudly instead of producing wrong perplexities.
    """
    expected = [int(t) for t in prompt_ids] + [int(t) for t in response_ids]
    got = getattr(request_output, "prompt_token_ids", None)
    if got is not None and [int(t) for t in got] != expected:
        raise RuntimeError(f"vLLM request {getattr(request_output, 'request_id', '?')}: prompt_token_ids differ from the ids sent")
    entries = request_output.prompt_logprobs
    if entries is None or len(entries) != len(expected):
        size = None if entries is None else len(entries)
        raise RuntimeError(f"vLLM request {getattr(request_output, 'request_id', '?')}: prompt_logprobs has {size} entries, expected {len(expected)}")
    out = []
    for pos in range(len(prompt_ids), len(expected)):
        entry = entries[pos]
        token = expected[pos]
        if entry is None or token not in entry:
            raise RuntimeError(f"vLLM request {getattr(request_output, 'request_id', '?')}: no log-prob for token {token} at position {pos}")
        out.append(float(entry[token].logprob))
    return out


def _score_vllm(
    model_dir: str,
    items: Sequence[dict[str, Any]],
    *,
    dtype: str,
    max_model_len: int | None,
    llm_factory: Callable[..., Any] | None = None,
    sampling_params_factory: Callable[..., Any] | None = None,
    **options: Any,
) -> list[list[float]]:
    """Score with vLLM's offline engine; ``llm_factory``/``sampling_params_factory`` are for tests."""
    from transformers import AutoTokenizer

    if llm_factory is None or sampling_params_factory is None:
        try:
            import vllm
        except ImportError as exc:
            raise ConfigError(f"perplexity backend 'vllm': cannot import vllm ({exc}); use backend 'transformers' or the vllm environment") from None
        llm_factory = llm_factory or vllm.LLM
        sampling_params_factory = sampling_params_factory or vllm.SamplingParams
    tokenizer = AutoTokenizer.from_pretrained(model_dir)  # the same tokenizer files vLLM loads
    encoded = [encode_pair(tokenizer, it["prompt"], it["response"]) for it in items]
    limit, source = (int(max_model_len), "max_model_len") if max_model_len is not None else (model_context_length(model_dir), "config.json")
    _check_lengths(encoded, items, limit, source)
    todo = [i for i, (_, r) in enumerate(encoded) if r]
    results: list[list[float]] = [[] for _ in items]
    if not todo:
        return results
    llm = llm_factory(**llm_kwargs(model_dir, max_model_len=max_model_len, dtype="auto" if dtype is None else dtype, **options))
    params = sampling_params_factory(**vllm_sampling_params_kwargs())
    outputs = llm.generate([vllm_prompt(*encoded[i]) for i in todo], params, use_tqdm=False)
    if len(outputs) != len(todo):
        raise RuntimeError(f"vLLM returned {len(outputs)} outputs for {len(todo)} prompts")
    for i, out in zip(todo, outputs):
        results[i] = response_logprobs_from_request_output(out, *encoded[i])
    return results


# --------------------------------------------------------------------------------------------
# Public entry points


def score_responses(
    model_dir: str,
    items: list[dict[str, Any]],
    *,
    backend: str = "transformers",
    device: str = "cpu",
    dtype: str = "float32",
    batch_size: int = 4,
    max_model_len: int | None = None,
    threads: int | None = None,
    scorer: str | None = None,
    **backend_options: Any,
) -> list[dict[str, Any]]:
    """Perplexity of each item's response under the model in ``model_dir``.

    ``items``: ``{"problem_id", "prompt", "response", "source"}`` (other keys, e.g.
    ``sample_index``, are kept). ``prompt`` must be the prompt rendered with the scoring model's
    template — the one the responses were sampled with (:func:`with_prompts` does it). Returns the
    items in the same order with ``ppl``, ``mean_logprob`` (natural log, per response token) and
    ``num_tokens`` added, plus ``scorer`` when given (the name :func:`perplexity_table` groups by).
    An empty response gets NaN and 0 tokens. A prompt + response longer than ``max_model_len``
    (default: the model config's context length) is a ConfigError, never a silent truncation.
    ``threads`` sets torch's intra-op threads (transformers); ``backend_options`` go to
    ``vllm.LLM`` (``tensor_parallel_size``, ``gpu_memory_utilization``, …).
    """
    _check_items(items)
    if int(batch_size) < 1:
        raise ConfigError(f"perplexity: batch_size must be >= 1, got {batch_size!r}")
    if backend == "transformers":
        if backend_options:
            raise ConfigError(f"perplexity backend 'transformers': unknown options {sorted(backend_options)}")
        logprobs = _score_transformers(
            str(model_dir), items, device=device, dtype=dtype, batch_size=int(batch_size), max_model_len=max_model_len, threads=threads
        )
    elif backend == "vllm":
        logprobs = _score_vllm(str(model_dir), items, dtype=dtype, max_model_len=max_model_len, **backend_options)
    else:
        raise ConfigError(f"perplexity: unknown backend {backend!r}; known: ['transformers', 'vllm']")
    out = []
    for item, values in zip(items, logprobs):
        row = {**item, **perplexity_stats(values)}
        if scorer is not None:
            row["scorer"] = scorer
        out.append(row)
    return out
