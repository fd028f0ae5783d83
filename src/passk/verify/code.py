"""Verification of HumanEval+/MBPP+ samples: extract the program, run it once per distinct program
in the sandbox with every test in one process, and turn the harness's report into a verdict.

Why: evalplus forks twice per sample (base, plus) behind an in-process guard and re-runs identical
programs; here each distinct (problem, program) runs once in an isolated sandbox and its verdict is
shared by every sample that produced it. A pass needs the harness's ``done`` line carrying this
run's nonce and the number of tests (see ``passk.sandbox.harness_evalplus``); an exit code of 0
alone is never a pass.

``sandbox_cfg`` (the config's ``sandbox:`` section) keys and defaults — see ``DEFAULTS``:

- ``backend`` ("bwrap"): ``bwrap`` | ``docker`` | ``process``; unavailable is a ConfigError.
- ``memory_mb`` (4096, evalplus's 4 GiB), ``max_processes`` (32), ``scratch_mb`` (64),
  ``max_output_bytes`` (1 MiB), ``max_file_bytes`` (16 MiB): per-run limits.
- ``min_time_limit`` (4.0 s) and ``time_limit_factor`` (4.0): a test's limit is
  ``max(min_time_limit, factor * canonical runtime on this machine)`` as in evalplus.
- ``timeout_per_task`` (60 s): caps the sum of test limits of base and of plus, as evalplus's
  ``EVALPLUS_TIMEOUT_PER_TASK``; the wall clock of one run is ``cap(base) + cap(plus) + startup_slack``.
- ``startup_slack`` (10 s): interpreter start and module-level code on a loaded machine.
- ``python`` (null = this interpreter), ``site_packages`` (null = this interpreter's), passed to
  the backend; ``docker_image`` ("passk-sandbox:latest") for the docker backend.
- ``groundtruth_workers`` (1): parallel canonical runs when computing the ground truth (1 keeps
  the measured runtimes free of contention).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.sandbox import Sandbox, SandboxLimits, get_sandbox
from passk.sandbox import harness_evalplus as H
from passk.sandbox.base import RunResult

DEFAULTS: dict[str, Any] = {
    "backend": "bwrap",
    "memory_mb": 4096,
    "max_processes": 32,
    "scratch_mb": 64,
    "max_output_bytes": 1 << 20,
    "max_file_bytes": 16 << 20,
    "min_time_limit": 4.0,
    "time_limit_factor": 4.0,
    "timeout_per_task": 60.0,
    "startup_slack": 10.0,
    "python": None,
    "site_packages": None,
    "docker_image": "passk-sandbox:latest",
    "groundtruth_workers": 1,
}
HARNESS_SOURCE = Path(H.__file__).read_bytes()
PREFILL_FENCE = "```python"

_gt_cache: dict[str, dict[str, Any]] = {}
_gt_lock = threading.Lock()


def sandbox_settings(cfg: dict[str, Any] | None) -> dict[str, Any]:
    """``DEFAULTS`` overlaid with the config section; unknown keys are an error naming them."""
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"sandbox: unknown keys {unknown}; known: {sorted(DEFAULTS)}")
    return {**DEFAULTS, **cfg}


def make_sandbox(settings: dict[str, Any]) -> Sandbox:
    """The configured backend (ConfigError naming ``sandbox.backend`` when unavailable)."""
    backend = settings["backend"]
    opts: dict[str, Any] = {}
    if backend in ("bwrap", "process", "docker"):
        if settings.get("python"):
            opts["python"] = settings["python"]
        if settings.get("site_packages") is not None and backend != "docker":
            opts["site_packages"] = tuple(settings["site_packages"])
    if backend == "docker":
        opts["image"] = settings["docker_image"]
    return get_sandbox(backend, **opts)


def limits_of(settings: dict[str, Any], wall: float) -> SandboxLimits:
    """The per-run limits from settings and a wall-clock budget."""
    return SandboxLimits(
        wall_seconds=wall,
        memory_mb=int(settings["memory_mb"]),
        max_processes=int(settings["max_processes"]),
        max_output_bytes=int(settings["max_output_bytes"]),
        scratch_mb=int(settings["scratch_mb"]),
        max_file_bytes=int(settings["max_file_bytes"]),
    )


def run_harness(
    sandbox: Sandbox, settings: dict[str, Any], program: str, payload: dict[str, Any], *, wall: float
) -> tuple[RunResult, list[dict[str, Any]]]:
    """Run the harness on ``program`` with task ``payload``; returns the result and its JSON report lines."""
    payload = {**payload, "site": list(getattr(sandbox, "site_packages", ()) or ())}
    files = {
        "harness.py": HARNESS_SOURCE,
        "program.py": program.encode("utf-8", "surrogatepass"),
    }
    python = getattr(sandbox, "python", "python3")
    # The task goes through stdin: it can exceed the file-size limit and the scratch tmpfs.
    res = sandbox.run(
        [python, "-I", "-S", "-B", "harness.py"], files=files, stdin=H.task_payload(**payload), limits=limits_of(settings, wall)
    )
    lines = []
    for raw in res.stdout.splitlines():
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(obj, dict):
            lines.append(obj)
    return res, lines


# ---------------------------------------------------------------- extraction


def extract_program(text: str, entry_point: str, *, prefill: str = PREFILL_FENCE) -> str:
    """The program in a completion, through evalplus's sanitizer (fenced blocks, or plain code).

    ``text`` is what the model wrote after the prompt; with the paper's Fig 25 prompt that is after
    the prefill "...tests:\\n```python", so the fence the model closes was opened by the prefill and
    is put back before sanitizing. Text that already opens its own fence, or has none, works too.
    """
    from evalplus.sanitize import sanitize

    body = text
    if prefill and not text.lstrip().startswith("```"):
        body = prefill + ("" if text.startswith("\n") else "\n") + text
    code = sanitize(body, entry_point)
    if not code.strip() and "```" not in text:
        code = sanitize(text, entry_point)
    return code


def program_of_sample(problem: dict[str, Any], sample: dict[str, Any]) -> str:
    """The program to run: ``solution`` as is, ``completion`` appended to the prompt, or extracted ``text``."""
    if sample.get("solution") is not None:
        return sample["solution"]
    if sample.get("completion") is not None:
        return problem["question"] + sample["completion"]
    return extract_program(sample.get("text") or "", problem["tests"]["entry_point"])


# ---------------------------------------------------------------- ground truth


def load_groundtruth(path: str) -> dict[str, Any]:
    """The ground truth written by ``benchmarks.evalplus.compute_groundtruth`` (decoded, cached per path)."""
    key = str(Path(path).resolve())
    with _gt_lock:
        if key in _gt_cache:
            return _gt_cache[key]
        p = Path(path)
        if not p.exists():
            raise DataError(f"{p}: ground-truth file not found")
        try:
            with gzip.open(p, "rt", encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, EOFError, ValueError) as exc:
            raise DataError(f"{p}: unreadable ground truth ({exc})") from None
        tasks = {
            tid: {
                "base": [H.decode(v) for v in e["base"]],
                "plus": [H.decode(v) for v in e["plus"]],
                "base_time": e["base_time"],
                "plus_time": e["plus_time"],
                "plus_kept": e.get("plus_kept"),
            }
            for tid, e in raw["tasks"].items()
        }
        _gt_cache[key] = tasks
        return tasks


class TaskPlan:
    """Everything needed to run any program of one problem (built once per problem, reused per program)."""

    def __init__(self, problem: dict[str, Any], gt: dict[str, Any], settings: dict[str, Any]) -> None:
        from passk.benchmarks.evalplus import test_inputs

        base, plus = test_inputs(problem, "base_input"), test_inputs(problem, "plus_input")
        plus_ids = list(range(len(plus)))
        if gt.get("plus_kept") is not None:  # inputs whose expected output the sandbox could not hold
            plus_ids = list(gt["plus_kept"])
            plus = [plus[i] for i in plus_ids]
        mn, fac = float(settings["min_time_limit"]), float(settings["time_limit_factor"])
        tl_base = [max(mn, fac * t) for t in gt["base_time"]]
        tl_plus = [max(mn, fac * t) for t in gt["plus_time"]]
        if len(tl_base) != len(base) or len(tl_plus) != len(plus):
            raise DataError(f"ground truth of {problem['id']} does not match its tests (stale ground-truth file?)")
        cap = float(settings["timeout_per_task"])
        self.wall = min(cap, sum(tl_base)) + min(cap, sum(tl_plus)) + mn + float(settings["startup_slack"])
        self.payload = dict(
            mode="check",
            dataset=problem["tests"]["dataset"],
            entry_point=problem["tests"]["entry_point"],
            atol=problem["tests"].get("atol") or 0,
            inputs=base + plus,
            expected=gt["base"] + gt["plus"],
            time_limits=tl_base + tl_plus,
            plus_start=len(base),
            exec_limit=mn,
            labels=[f"base[{i}]" for i in range(len(base))] + [f"plus[{i}]" for i in plus_ids],
        )
        self.n = len(base) + len(plus)


STATUS_OF = {"fail": "fail", "timeout": "timeout", "error": "runtime_error", "memory": "memory"}


def judge(res: RunResult, lines: list[dict[str, Any]], nonce: str, n: int) -> tuple[str, str]:
    """(status, detail) of one run: pass only with the harness's nonce-signed count of passed tests."""
    if res.error:
        return "sandbox_error", res.error[:500]
    for ln in lines:
        if ln.get("done") == nonce and ln.get("n") == n:
            return "pass", ""
    for ln in lines:
        if "t" in ln and ln.get("s") in STATUS_OF:
            return STATUS_OF[ln["s"]], str(ln.get("d", ""))[:1000]
    if res.timed_out:
        return "timeout", f"killed at the wall-clock limit ({res.wall_seconds:.1f}s)"
    if res.memory_exceeded:
        return "memory", "memory limit exceeded"
    if res.output_truncated:
        return "runtime_error", "output exceeded the cap; run stopped"
    if res.signal is not None:
        return "runtime_error", f"killed by signal {res.signal} before finishing the tests"
    tail = res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    return "runtime_error", f"exited with code {res.exit_code} before finishing the tests {tail[0][:200]}".strip()


def run_program(sandbox: Sandbox, settings: dict[str, Any], plan: TaskPlan, program: str) -> tuple[str, str]:
    """Verdict (status, detail) of one program against one problem's tests."""
    if not program.strip():
        return "fail", "no code could be extracted from the completion"
    nonce = secrets.token_hex(16)
    res, lines = run_harness(sandbox, settings, program, {**plan.payload, "nonce": nonce}, wall=plan.wall)
    return judge(res, lines, nonce, plan.n)


def verify_shard(
    problems: dict[str, dict[str, Any]],
    samples: list[dict[str, Any]],
    bench_cfg: dict[str, Any],
    *,
    workers: int,
    groundtruth_path: str,
    sandbox_cfg: dict[str, Any],
) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order; identical programs of a problem run once.

    Samples need ``problem_id``, ``sample_index`` and ``text`` (what the model wrote after the
    prompt's prefill), or evalplus-style ``solution``/``completion``.
    """
    settings = sandbox_settings(sandbox_cfg)
    sandbox = make_sandbox(settings)
    gt = load_groundtruth(groundtruth_path)
    programs: list[str] = []
    keys: list[tuple[str, str]] = []
    for s in samples:
        pid = s["problem_id"]
        if pid not in problems:
            raise DataError(f"sample {s.get('sample_index')}: unknown problem {pid!r}")
        if pid not in gt:
            raise DataError(f"{groundtruth_path}: no ground truth for {pid!r}")
        prog = program_of_sample(problems[pid], s)
        programs.append(prog)
        keys.append((pid, hashlib.sha256(prog.encode("utf-8", "surrogatepass")).hexdigest()))
    unique: dict[tuple[str, str], int] = {}
    for i, k in enumerate(keys):
        unique.setdefault(k, i)
    plans: dict[str, TaskPlan] = {}
    for pid in {k[0] for k in unique}:
        plans[pid] = TaskPlan(problems[pid], gt[pid], settings)

    def one(item: tuple[tuple[str, str], int]) -> tuple[tuple[str, str], tuple[str, str]]:
        key, idx = item
        return key, run_program(sandbox, settings, plans[key[0]], programs[idx])

    # Longest plans first, so a slow problem does not start last and stretch the tail.
    order = sorted(unique.items(), key=lambda kv: -plans[kv[0][0]].n)
    with ThreadPoolExecutor(max_workers=max(1, int(workers))) as pool:
        verdicts = dict(pool.map(one, order))
    rows = []
    for s, k, prog in zip(samples, keys, programs):
        status, detail = verdicts[k]
        rows.append(
            {
                "problem_id": s["problem_id"],
                "sample_index": int(s["sample_index"]),
                "correct": status == "pass",
                "status": status,
                "extracted": prog,
                "detail": detail,
            }
        )
    return rows
