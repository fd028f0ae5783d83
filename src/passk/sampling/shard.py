"""Sample one shard: ``shard_size`` completions for every problem of a benchmark, with one model.

A shard is the unit of work and of storage (``results/samples/{model}/{bench}/shard-{i}.parquet``).
Its seeds follow from (model name, benchmark name, shard index, base seed) alone, so raising n adds
shards with new indices and never changes or repeats an existing shard (peers.md §18.1);
``sample_index = shard * shard_size + j`` numbers the completions of a problem globally.

The prompt of a (model, benchmark) is ``passk.prompts.run_prompt``: text, stop strings, and for
chat-template prompts the model's own template, whose sha256 the samples' ``template`` label
records. Prompts reach the engine as text tokenized with the tokenizer's default special tokens;
``passk.prompts.engine_prompt`` makes that exactly the template's tokens with one BOS.

Before any sampling we check the token budget (``passk.sampling.budget``; the plan-time check
applies the same rule): the longest prompt plus ``max_tokens`` must fit the model's context, and
``max_tokens: fit`` becomes the context minus the longest prompt. The number used is written in
every sample row (``max_tokens``) and so reaches the provenance and the figure captions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from passk.errors import ConfigError
from passk.progress import Progress
from passk.prompts import KNOWN_CHAT_TEMPLATES, chat_template_sha256, label_with_template, run_prompt
from passk.records.problems import load_problems
from passk.records.samples import write_samples
from passk.sampling.backends import get_backend
from passk.sampling.base import PromptRequest, SamplingSettings
from passk.sampling.budget import Longest, model_context, prompt_token_ids, resolve_max_tokens
from passk.sampling.seeds import problem_seed, shard_seed
from passk.sampling.vision import engine_options, image_prompt_tokens, request_images

log = logging.getLogger(__name__)


def shard_stop_strings(model: dict[str, Any], benchmark: dict[str, Any]) -> list[str]:
    """Stop strings of a (model, benchmark): the prompt family's (``passk.prompts``): math_eval's
    per template for math; evalplus's and lcb_runner's for the paper's code prompts (never the
    ``qwen`` family's "user"/"_start"/"_end", which would cut ordinary code); EOS only for the
    reasoning models. A benchmark's explicit ``stop`` list wins."""
    if benchmark.get("stop") is not None:
        return list(benchmark["stop"])
    return list(run_prompt(model, benchmark).stops)


def shard_template_label(model: dict[str, Any], benchmark: dict[str, Any]) -> str:
    """What the ``template`` column records (before the chat template's hash): the math template
    name, or ``{prompt}:{chat}`` for chat prompts."""
    return run_prompt(model, benchmark).label


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

    ``model``: {name, hf_id, revision, template, role, chat, [context_length]}; ``benchmark``:
    {name, prompt, [stop]}; ``sampling``: {temperature, top_p, max_tokens (an integer or "fit"),
    seed}; ``backend``: {name, ...options passed to the backend}. Raises ConfigError (before loading
    the backend's model) if a prompt plus ``max_tokens`` does not fit the context.
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
    _require(model, ["name"], "model")
    _require(benchmark, ["name"], "benchmark")
    _require(backend, ["name"], "backend")
    if len(shards) != len(out_paths) or not shards:
        raise ConfigError(f"shards {list(shards)} / out_paths {list(out_paths)}: need one output per shard")
    if min(shards) < 0 or shard_size < 1:
        raise ConfigError(f"shards {list(shards)} / shard_size {shard_size}: need shard >= 0 and shard_size >= 1")
    problems = list(load_problems(problems_path).values())
    ids = [p["id"] for p in problems]
    spec = run_prompt(model, benchmark)

    from transformers import AutoTokenizer

    # The tokenizer alone (cheap) renders chat prompts and counts tokens, so the budget is checked
    # before a GPU engine is started.
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rendered = prompt_token_ids(problems, spec, tokenizer)
    prompts = [text for text, _ in rendered]
    # Visual problems: their images (checked, fitted to the pixel range) and the tokens they add.
    images, processor = request_images(problems, benchmark, model_dir, model["name"])
    prompt_tokens = [len(token_ids) + (image_prompt_tokens(processor, imgs) if imgs else 0)
                     for (_, token_ids), imgs in zip(rendered, images)]

    options = {k: v for k, v in backend.items() if k != "name"}
    options.update(engine_options(backend["name"], benchmark, images))
    context = model_context(model_name=model["name"], max_model_len=options.get("max_model_len"),
                            context_length=model.get("context_length"), model_dir=model_dir)
    longest = max(range(len(ids)), key=prompt_tokens.__getitem__)
    max_tokens = resolve_max_tokens(
        model_name=model["name"], benchmark_name=benchmark["name"], policy=sampling.get("max_tokens"), context=context,
        longest=Longest(prompt_tokens[longest], "tokens", ids[longest], "tokenizer"),
    )

    template_label = spec.label
    if spec.chat_template:
        digest = chat_template_sha256(tokenizer)
        template_label = label_with_template(spec.label, digest)
        if digest not in KNOWN_CHAT_TEMPLATES:
            log.warning("%s: its chat template (sha256 %s) is none of those traced to a source (passk.prompts.KNOWN_CHAT_TEMPLATES); "
                        "figure captions will say 'prompt unverified'", model["name"], digest)
    log.info("%s on %s: prompt %s, context %d (%s), longest prompt %d tokens, max_tokens %s -> %d",
             model["name"], benchmark["name"], template_label, context.tokens, context.source, prompt_tokens[longest],
             sampling.get("max_tokens"), max_tokens)

    base_seed = int(sampling.get("seed", 0))
    settings = SamplingSettings(
        n=shard_size,
        temperature=float(sampling.get("temperature", 0.6)),
        top_p=float(sampling.get("top_p", 0.95)),
        max_tokens=max_tokens,
        stop=tuple(shard_stop_strings(model, benchmark)),
    )

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
                            "max_tokens": max_tokens,
                        }
                    )
            write_samples(out_path, rows)
    finally:
        engine.close()
