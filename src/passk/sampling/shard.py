"""Sample one shard: ``shard_size`` completions for every problem of a benchmark, with one model.

A shard is the unit of work and of storage (``results/samples/{model}/{bench}/shard-{i}.parquet``).
Its seeds follow from (model name, benchmark name, shard index, base seed) alone, so raising n adds
shards with new indices and never changes or repeats an existing shard (peers.md §18.1);
``sample_index = shard * shard_size + j`` numbers the completions of a problem globally.

Before any sampling we check the context length (peers.md §18.3): the paper's own code silently
capped prompt + output at 4096 tokens while asking for 16k. If ``max_model_len`` (the backend's
option, else the model config's ``max_position_embeddings``) is below the longest prompt plus
``max_tokens``, we stop with a ConfigError instead of writing truncated samples.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from passk.errors import ConfigError
from passk.progress import Progress
from passk.models.manifest import model_context_length
from passk.prompts import BASE_STOPS, render_prompt, stop_strings
from passk.records.problems import load_problems
from passk.records.samples import write_samples
from passk.sampling.backends import get_backend
from passk.sampling.base import PromptRequest, SamplingSettings
from passk.sampling.seeds import problem_seed, shard_seed
from passk.sampling.vision import engine_options, image_prompt_tokens, request_images

log = logging.getLogger(__name__)


def shard_stop_strings(model: dict[str, Any], benchmark: dict[str, Any]) -> list[str]:
    """Stop strings of a (model, benchmark): the model template's (math_eval.py) for template
    prompts; only the end-of-turn strings for code chat prompts, because the ``qwen`` family's
    "user"/"assistant"/"_start"/"_end" would cut ordinary code (``user_id = ...``). A benchmark's
    explicit ``stop`` list wins."""
    if benchmark.get("stop") is not None:
        return list(benchmark["stop"])
    if benchmark.get("prompt", "model") == "model":
        return stop_strings(model["template"])
    return list(BASE_STOPS)


def shard_template_label(model: dict[str, Any], benchmark: dict[str, Any]) -> str:
    """What the ``template`` column records: the math template name, or ``{prompt}:{chat}`` for
    benchmark chat prompts (the model's math template is not used there)."""
    prompt = benchmark.get("prompt", "model")
    if prompt == "model":
        return str(model["template"])
    return f"{prompt}:{model.get('chat', 'chatml')}"


def check_context_length(*, model_name: str, benchmark_name: str, max_model_len: int | None, longest_prompt: int, max_tokens: int, source: str) -> None:
    """Raise ConfigError unless prompt + ``max_tokens`` fits in ``max_model_len``."""
    if max_model_len is None:
        raise ConfigError(
            f"model {model_name!r}, benchmark {benchmark_name!r}: cannot tell the model's context length "
            "(no max_position_embeddings in config.json); set backend.max_model_len"
        )
    if longest_prompt + max_tokens > max_model_len:
        raise ConfigError(
            f"model {model_name!r}, benchmark {benchmark_name!r}: max_model_len {max_model_len} ({source}) < "
            f"longest prompt {longest_prompt} tokens + sampling.max_tokens {max_tokens} = {longest_prompt + max_tokens}; "
            "lower sampling.max_tokens or raise backend.max_model_len (if the model supports it)"
        )


def _require(section: dict[str, Any], keys: Iterable[str], where: str) -> None:
    missing = [k for k in keys if k not in section]
    if missing:
        raise ConfigError(f"{where}: missing keys {missing}")


def _generate_with_progress(engine: Any, requests: list[PromptRequest], settings: SamplingSettings, what: str) -> list[Any]:
    """``engine.generate`` with its progress in the log at least once a minute (``passk.progress``).
    vLLM gets the whole shard in one call (its scheduler needs it) and reports finished prompts
    through a tqdm bar; other engines sample problem by problem anyway, so they get one call each
    (the same samples: every request is seeded on its own)."""
    with Progress(what, len(requests) * settings.n, "samples", log=log) as progress:
        if engine.name == "vllm":
            engine.progress_bar = progress.tqdm_class(per_update=settings.n)
            return engine.generate(requests, settings)
        outputs = []
        for request in requests:
            outputs += engine.generate([request], settings)
            progress.advance(settings.n)
        return outputs


def sample_shard(
    *,
    model: dict[str, Any],
    benchmark: dict[str, Any],
    problems_path: str,
    shard: int,
    shard_size: int,
    sampling: dict[str, Any],
    backend: dict[str, Any],
    out_path: str,
    model_dir: str,
) -> None:
    """Sample shard ``shard`` (``shard_size`` completions per problem) and write it to ``out_path``.

    ``model``: {name, hf_id, revision, template, role, chat}; ``benchmark``: {name, prompt, [stop]};
    ``sampling``: {temperature, top_p, max_tokens, seed}; ``backend``: {name, ...options passed to
    the backend}. Raises ConfigError (before loading the backend's model) if a prompt plus
    ``max_tokens`` does not fit the context.
    """
    sample_shards(
        model=model, benchmark=benchmark, problems_path=problems_path, shards=[shard], shard_size=shard_size,
        sampling=sampling, backend=backend, out_paths=[out_path], model_dir=model_dir,
    )


def sample_shards(
    *,
    model: dict[str, Any],
    benchmark: dict[str, Any],
    problems_path: str,
    shards: Sequence[int],
    shard_size: int,
    sampling: dict[str, Any],
    backend: dict[str, Any],
    out_paths: Sequence[str],
    model_dir: str,
) -> None:
    """Sample several shards of one run with one loaded model, shard ``shards[i]`` to ``out_paths[i]``.

    Each shard's file is what :func:`sample_shard` writes for it alone (same seeds, same rows):
    backends seed every request on its own, so what else the engine sampled before does not matter.
    """
    _require(model, ["name", "template"] if benchmark.get("prompt", "model") == "model" else ["name"], "model")
    _require(benchmark, ["name"], "benchmark")
    _require(backend, ["name"], "backend")
    if len(shards) != len(out_paths) or not shards:
        raise ConfigError(f"shards {list(shards)} / out_paths {list(out_paths)}: need one output per shard")
    if min(shards) < 0 or shard_size < 1:
        raise ConfigError(f"shards {list(shards)} / shard_size {shard_size}: need shard >= 0 and shard_size >= 1")
    problems = list(load_problems(problems_path).values())
    ids = [p["id"] for p in problems]

    from transformers import AutoTokenizer

    # The tokenizer alone (cheap) renders chat prompts and counts tokens, so the guard runs before
    # a GPU engine is started.
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    prompt_kind = benchmark.get("prompt", "model")
    chat = model.get("chat", "chatml")
    prompts = [
        render_prompt(p, template=model.get("template", ""), prompt=prompt_kind, chat=chat, tokenizer=tokenizer if chat == "tokenizer" else None)
        for p in problems
    ]
    # Visual problems: their images (checked, fitted to the pixel range) and the tokens they add.
    images, processor = request_images(problems, benchmark, model_dir, model["name"])
    prompt_tokens = [len(tokenizer(text)["input_ids"]) + (image_prompt_tokens(processor, imgs) if imgs else 0)
                     for text, imgs in zip(prompts, images)]

    options = {k: v for k, v in backend.items() if k != "name"}
    options.update(engine_options(backend["name"], benchmark, images))
    max_tokens = int(sampling.get("max_tokens", 16384))
    if options.get("max_model_len") is not None:
        max_model_len, source = int(options["max_model_len"]), "backend.max_model_len"
    else:
        max_model_len, source = model_context_length(model_dir), "config.json max_position_embeddings"
    check_context_length(
        model_name=model["name"], benchmark_name=benchmark["name"], max_model_len=max_model_len,
        longest_prompt=max(prompt_tokens), max_tokens=max_tokens, source=source,
    )

    base_seed = int(sampling.get("seed", 0))
    settings = SamplingSettings(
        n=shard_size,
        temperature=float(sampling.get("temperature", 0.6)),
        top_p=float(sampling.get("top_p", 0.95)),
        max_tokens=max_tokens,
        stop=tuple(shard_stop_strings(model, benchmark)),
    )
    template_label = shard_template_label(model, benchmark)

    engine = get_backend(backend["name"], model_dir, **options)
    try:
        backend_name = engine.name
        for shard, out_path in zip(shards, out_paths):
            s_seed = shard_seed(model["name"], benchmark["name"], shard, base_seed)
            requests = [PromptRequest(pid, text, problem_seed(s_seed, pid), imgs) for pid, text, imgs in zip(ids, prompts, images)]
            outputs = _generate_with_progress(engine, requests, settings, f"sample {model['name']}/{benchmark['name']} shard {shard}")
            if len(outputs) != len(requests) or any(len(c) != shard_size for c in outputs):
                raise RuntimeError(f"backend {backend['name']} returned {[len(c) for c in outputs]} completions, expected {shard_size} each")
            rows = []
            for request, n_prompt, completions in zip(requests, prompt_tokens, outputs):
                for j, completion in enumerate(completions):
                    rows.append(
                        {
                            "problem_id": request.problem_id,
                            "sample_index": shard * shard_size + j,
                            "seed": request.seed,
                            "text": completion.text,
                            "finish_reason": completion.finish_reason,
                            "num_tokens": completion.num_tokens,
                            "prompt_tokens": n_prompt,
                            "backend": backend_name,
                            "model": model["name"],
                            "model_revision": model.get("revision"),
                            "template": template_label,
                        }
                    )
            write_samples(out_path, rows)
    finally:
        engine.close()
