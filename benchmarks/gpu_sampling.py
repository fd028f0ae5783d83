#!/usr/bin/env python
"""GPU benchmark: passk's vLLM backend against a bare vLLM call on the same prompts.

Why: our backend adds per-problem seeded SamplingParams, stop-token translation, and output
conversion around ``LLM.generate``. This measures what that costs (target: <= 3% slower than
the bare call) on one engine, so both sides share the model, the GPU and the prefix cache.

    python benchmarks/gpu_sampling.py --model Qwen/Qwen2.5-0.5B-Instruct --revision main \
        --problems 48 --n 8 --max-tokens 512

``--model`` is a local folder or a hub id (downloaded with passk.models.download into --cache-dir).
Without vLLM or a CUDA GPU the script prints why and exits with status 0 (``--strict``: 1), so it
is safe to call from scripts on CPU machines.

Method: one engine; a warm-up call; then ``--repeats`` alternating rounds of (bare, passk) with
identical prompts, seeds and settings; medians of wall time; tokens = sum of
``len(CompletionOutput.token_ids)``. The bare call is what a user would write by hand: one
``SamplingParams(n, seed, ...)`` per prompt and one ``LLM.generate``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
if SRC.is_dir() and str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def _unavailable(reason: str, strict: bool) -> int:
    print(f"gpu_sampling: skipped: {reason}", file=sys.stderr)
    print("gpu_sampling: run it on a CUDA GPU machine in the envs/vllm.yaml environment", file=sys.stderr)
    return 1 if strict else 0


def _check_environment() -> str | None:
    """Why the benchmark cannot run here, or None."""
    try:
        import vllm  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any failure to import means "no vLLM here"
        return f"vllm is not importable ({type(exc).__name__}: {exc})"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return "no CUDA GPU is visible (torch.cuda.is_available() is False)"
    return None


def _problems(path: str | None, count: int) -> list[dict[str, Any]]:
    from passk.io import read_jsonl
    from passk.models.tiny import toy_arithmetic_problems

    if path:
        return read_jsonl(path)[:count]
    return toy_arithmetic_problems(count, seed=0, benchmark="bench")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="Qwen/Qwen2.5-0.5B-Instruct", help="local model folder or hub id")
    parser.add_argument("--revision", default="main", help="hub revision (ignored for a local folder)")
    parser.add_argument("--cache-dir", default="resources/models/bench", help="download folder for a hub id")
    parser.add_argument("--problems-file", default=None, help="problem JSONL (default: generated arithmetic problems)")
    parser.add_argument("--problems", type=int, default=48, help="number of problems")
    parser.add_argument("--n", type=int, default=8, help="samples per problem")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--template", default="qwen-boxed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-model-len", type=int, default=4096)
    parser.add_argument("--gpu-memory-utilization", type=float, default=0.85)
    parser.add_argument("--target", type=float, default=0.03, help="acceptable relative overhead")
    parser.add_argument("--strict", action="store_true", help="exit 1 (not 0) when vLLM or a GPU is missing")
    args = parser.parse_args(argv)

    reason = _check_environment()
    if reason:
        return _unavailable(reason, args.strict)

    import vllm

    from passk.models.download import download_model
    from passk.prompts import render_prompt, stop_strings
    from passk.sampling.base import PromptRequest, SamplingSettings
    from passk.sampling.seeds import problem_seed, shard_seed
    from passk.sampling.stops import special_stop_token_ids
    from passk.sampling.vllm_backend import VLLMBackend, llm_kwargs

    model_dir = download_model(args.model, args.revision, str(Path(args.cache_dir) / args.model.replace("/", "__")))["model_dir"]
    problems = _problems(args.problems_file, args.problems)
    prompts = [render_prompt(p, template=args.template) for p in problems]
    s_seed = shard_seed("bench", "bench", 0)
    requests = [PromptRequest(str(p["id"]), text, problem_seed(s_seed, str(p["id"]))) for p, text in zip(problems, prompts)]
    stops = tuple(stop_strings(args.template))
    settings = SamplingSettings(n=args.n, temperature=0.6, top_p=0.95, max_tokens=args.max_tokens, stop=stops)

    engine_kwargs = llm_kwargs(model_dir, max_model_len=args.max_model_len, gpu_memory_utilization=args.gpu_memory_utilization)
    print(f"loading {model_dir} with vllm {vllm.__version__} ...", file=sys.stderr)
    llm = vllm.LLM(**engine_kwargs)
    # Our backend on the SAME engine: only the code around LLM.generate differs.
    ours = VLLMBackend(model_dir, llm_factory=lambda **_: llm, sampling_params_factory=vllm.SamplingParams)

    # math_eval.py also passes the end-of-turn ids as stop_token_ids; give the bare call the same work.
    stop_ids = special_stop_token_ids(llm.get_tokenizer(), stops) or None

    def bare() -> tuple[int, list[list[str]]]:
        params = [
            vllm.SamplingParams(n=args.n, seed=r.seed, temperature=0.6, top_p=0.95, max_tokens=args.max_tokens,
                                stop=list(stops), stop_token_ids=stop_ids)
            for r in requests
        ]
        outs = llm.generate(prompts, params, use_tqdm=False)
        return sum(len(c.token_ids) for o in outs for c in o.outputs), [[c.text for c in o.outputs] for o in outs]

    def passk() -> tuple[int, list[list[str]]]:
        outs = ours.generate(requests, settings)
        return sum(c.num_tokens for cs in outs for c in cs), [[c.text for c in cs] for cs in outs]

    bare()  # warm-up: CUDA graphs, prefix cache
    times: dict[str, list[float]] = {"bare": [], "passk": []}
    tokens: dict[str, int] = {}
    texts: dict[str, list[list[str]]] = {}
    for _ in range(args.repeats):
        for name, fn in (("bare", bare), ("passk", passk)):
            start = time.perf_counter()
            tokens[name], texts[name] = fn()
            times[name].append(time.perf_counter() - start)

    t_bare, t_ours = statistics.median(times["bare"]), statistics.median(times["passk"])
    overhead = t_ours / t_bare - 1.0
    print(f"model            {args.model} ({model_dir})")
    print(f"problems x n     {len(requests)} x {args.n}, max_tokens {args.max_tokens}")
    print(f"bare vLLM        {t_bare:8.2f} s  {tokens['bare'] / t_bare:10.1f} tokens/s  ({tokens['bare']} tokens)")
    print(f"passk backend    {t_ours:8.2f} s  {tokens['passk'] / t_ours:10.1f} tokens/s  ({tokens['passk']} tokens)")
    print(f"overhead         {overhead * 100:+.2f} %  (target <= {args.target * 100:.0f} %): {'OK' if overhead <= args.target else 'ABOVE TARGET'}")
    same = sum(a == b for a, b in zip(texts["bare"], texts["passk"]))
    print(f"identical texts  {same}/{len(requests)} problems (differences would come from GPU batch numerics)")
    ours.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
