"""Math verification: extract each completion's answer and check it against the gold with Math-Verify.

Pipeline per shard (``verify``):

1. In this process, cut each completion where the paper's template would have stopped
   (``abel``), extract the answer with the paper's rules and normalise it
   (``passk.benchmarks.math.answers``). No answer → ``no_answer``.
2. Deduplicate: real sampling repeats the same final answer many times (n = 128…1024 per
   problem), so each distinct (gold, answer) pair is checked once. Pairs whose normalised strings
   are identical are correct without calling Math-Verify.
3. The remaining pairs go to a pool of ``workers`` long-lived worker processes
   (``passk.benchmarks.math.worker``), one pair at a time each. Each pair may use ``timeout``
   seconds of CPU time; one that needs more is abandoned by its worker (a CPU timer), or, when
   the timer cannot stop it (C-level loops such as ``5^{5^{5^{5^5}}}``, Math-Verify #65), its
   worker is SIGKILLed and replaced. Either way its status is ``timeout``, counted as incorrect,
   as in the paper (whose pebble pool used a 3 s wall-clock limit). CPU time rather than wall
   time, so that a check's verdict does not depend on how loaded the machine is.

Verdict rows are ``passk.records.verdicts.verdict_row``'s.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from passk.benchmarks.math import fastpath, worker
from passk.benchmarks.math.answers import extract_answer
from passk.benchmarks.math.latex import normalize_answer
from passk.errors import ConfigError, DataError
from passk.records.verdicts import verdict_row
from passk.verify.family import VerifyContext

DEFAULT_TIMEOUT = 5.0  # CPU seconds per distinct pair
DEFAULT_MEMORY_MB = 4096
_READY_TIMEOUT = 60.0  # importing sympy on a loaded machine can take a while
KILL_GRACE = 0.5  # CPU seconds past its budget before a worker whose timer did not stop it is killed
_WALL_FACTOR = 10.0  # a pair never holds a worker longer than this many times its budget, in wall time
_POLL = 0.25  # seconds between looks at a worker that is past its budget in wall time


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from /proc (None where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass(frozen=True)
class MathVerdict:
    """The verdict for one completion. ``status`` is correct | wrong | no_answer | timeout."""

    correct: bool
    status: str
    extracted: str | None
    detail: str


@dataclass(frozen=True)
class PairResult:
    """Outcome of checking one (gold, answer) pair in a worker."""

    status: str  # "correct" | "wrong" | "timeout"
    detail: str


class _Worker:
    """One checker subprocess with a line-buffered JSON protocol over its stdin/stdout pipes.

    ``module`` is the worker's entry module (``worker`` for Math-Verify, ``panel_worker`` for the
    verifier panel's other checkers), run as ``python -m module *args``; both serve the protocol of
    ``passk.benchmarks.math.worker.serve``.
    """

    def __init__(self, module: ModuleType, args: Sequence[str]) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        env["OMP_NUM_THREADS"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module.__name__, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal goes to the parent, which cleans up
        )
        self.args = tuple(args)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.buf = b""
        self.ready = False
        self.task: int | None = None  # index of the pair being checked
        self.deadline = 0.0  # when to look next at the pair's CPU time
        self.sent = 0.0
        self.cpu_at_send: float | None = None
        self.started = time.monotonic()

    def send(self, task: int, gold: str, pred: str, timeout: float) -> None:
        line = json.dumps({"i": task, "g": gold, "p": pred, "b": timeout}) + "\n"
        assert self.proc.stdin is not None
        self.cpu_at_send = process_cpu_seconds(self.proc.pid)
        self.proc.stdin.write(line.encode("utf-8"))
        self.proc.stdin.flush()
        self.task = task
        self.sent = time.monotonic()
        self.deadline = self.sent + timeout + KILL_GRACE  # CPU time never runs ahead of wall time

    def overran(self, timeout: float, now: float) -> bool:
        """Whether the pair in hand has used more than its budget (plus ``KILL_GRACE``) of CPU time.

        Looked at only once the budget has passed in wall time; then every ``_POLL`` seconds.
        Where CPU time cannot be read, wall time stands in for it. A pair never holds its worker
        longer than ``_WALL_FACTOR`` times its budget, however starved of CPU the worker is.
        """
        if now < self.deadline:
            return False
        used = process_cpu_seconds(self.proc.pid)
        if used is None or self.cpu_at_send is None or now - self.sent >= _WALL_FACTOR * timeout + KILL_GRACE:
            return True
        if used - self.cpu_at_send > timeout + KILL_GRACE:
            return True
        self.deadline = now + _POLL
        return False

    def read_lines(self) -> tuple[list[dict[str, Any]], bool]:
        """Complete reply lines available now, and whether the pipe hit EOF (the worker died)."""
        eof = False
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                eof = True
                break
            self.buf += chunk
        lines = []
        while b"\n" in self.buf:
            raw, self.buf = self.buf.split(b"\n", 1)
            if raw.strip():
                lines.append(json.loads(raw))
        return lines, eof

    def kill(self) -> None:
        """SIGKILL the worker (it may be stuck in C code) and reap it."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a SIGKILLed process always exits
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def close(self) -> None:
        """Ask the worker to exit (EOF on stdin); kill it if it does not."""
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class MathCheckPool:
    """A pool of killable checker workers (Math-Verify by default); use as a context manager.

    Workers start lazily (only when a pair actually needs checking) and are reused across calls
    to ``check``, so one pool can serve many shards. ``module`` and ``args`` choose the worker
    program (``python -m module memory_mb *args``): the verifier panel runs its checkers through
    this same pool with ``panel_worker``.
    """

    def __init__(self, workers: int = 1, timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 *, module: ModuleType = worker, args: Sequence[str] = ()) -> None:
        if workers < 1:
            raise ConfigError(f"workers: must be at least 1, got {workers}")
        if not timeout > 0:
            raise ConfigError(f"timeout: must be positive, got {timeout}")
        self.max_workers = workers
        self.timeout = float(timeout)
        self.memory_mb = memory_mb
        self.module = module
        self.args = tuple(str(a) for a in args)
        self._workers: list[_Worker] = []
        self.restarts = 0

    def __enter__(self) -> MathCheckPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker."""
        for w in self._workers:
            w.close()
        self._workers = []

    def _spawn(self) -> _Worker:
        w = _Worker(self.module, (str(self.memory_mb), *self.args))
        self._workers.append(w)
        return w

    def _retire(self, w: _Worker) -> None:
        w.kill()
        self._workers.remove(w)

    def _replace(self, w: _Worker, sel: selectors.BaseSelector, respawn: bool) -> None:
        """Stop watching and kill ``w`` (counted as a restart); start a new worker if ``respawn``."""
        sel.unregister(w.fd)
        self._retire(w)
        self.restarts += 1
        if respawn:
            nw = self._spawn()
            sel.register(nw.fd, selectors.EVENT_READ, nw)

    def check(self, pairs: Sequence[tuple[str, str]]) -> list[PairResult]:
        """Check each (gold, answer) pair with the pool's checker; results in input order.

        Every pair gets its own budget of ``timeout`` CPU seconds, counted from when it is handed
        to a ready worker (worker start-up is not charged to the pair).
        """
        results: list[PairResult | None] = [None] * len(pairs)
        if not pairs:
            return []
        pending = deque(range(len(pairs)))
        wanted = min(self.max_workers, len(pairs))
        while len(self._workers) < wanted:
            self._spawn()
        sel = selectors.DefaultSelector()
        for w in self._workers:
            sel.register(w.fd, selectors.EVENT_READ, w)
        done = 0
        try:
            while done < len(pairs):
                # hand out work to idle, ready workers
                for w in list(self._workers):
                    if w.ready and w.task is None and pending:
                        i = pending.popleft()
                        gold, pred = pairs[i]
                        try:
                            w.send(i, gold, pred, self.timeout)
                        except OSError:  # it died between pairs: the pair was never started
                            pending.appendleft(i)
                            w.task = None
                            self._replace(w, sel, respawn=True)
                now = time.monotonic()
                waits = [w.deadline - now for w in self._workers if w.task is not None]
                waits += [w.started + _READY_TIMEOUT - now for w in self._workers if not w.ready]
                wait = max(0.0, min(waits)) if waits else 0.05
                events = sel.select(timeout=min(wait, 1.0))
                for key, _ in events:
                    w = key.data
                    lines, eof = w.read_lines()
                    for msg in lines:
                        if msg.get("ready"):
                            w.ready = True
                            continue
                        i = msg["i"]
                        if i == w.task and results[i] is None:
                            detail = str(msg.get("d", ""))
                            if msg.get("r"):
                                status = "correct"
                            elif msg.get("t") or detail == worker.MEMORY_DETAIL:
                                status = "timeout"  # resource exhaustion: the checker gave up
                            else:
                                status = "wrong"
                            results[i] = PairResult(status, detail)
                            done += 1
                        w.task = None
                        if msg.get("x"):  # the worker exits after this reply (see worker.serve)
                            eof = True
                    if eof:
                        if w.task is not None and results[w.task] is None:
                            rc = w.proc.poll()
                            results[w.task] = PairResult("timeout", f"checker process died (exit {rc})")
                            done += 1
                        elif not w.ready:
                            rc = w.proc.wait()
                            raise RuntimeError(f"math checker worker failed to start (exit {rc}); run "
                                               f"'{sys.executable} -m {self.module.__name__} {' '.join(w.args)}' "
                                               "to see why")
                        self._replace(w, sel, respawn=bool(pending))
                now = time.monotonic()
                for w in list(self._workers):
                    if w.task is not None and w.overran(self.timeout, now):
                        results[w.task] = PairResult("timeout", f"no verdict within {self.timeout:g} CPU s; checker killed")
                        done += 1
                        self._replace(w, sel, respawn=bool(pending))
                    elif not w.ready and now - w.started > _READY_TIMEOUT:
                        raise RuntimeError(f"math checker worker not ready after {_READY_TIMEOUT:g}s")
        except BaseException:
            self.close()  # never leave half-busy workers behind (also on KeyboardInterrupt)
            raise
        finally:
            sel.close()
        return [r for r in results if r is not None]


# --- single-pair API ----------------------------------------------------------------------------

_SHARED_POOL: MathCheckPool | None = None


def _shared_pool(timeout: float) -> MathCheckPool:
    """A lazily started one-worker pool reused by ``check_answer`` (closed at interpreter exit)."""
    global _SHARED_POOL
    if _SHARED_POOL is None:
        _SHARED_POOL = MathCheckPool(workers=1, timeout=timeout)
        atexit.register(_SHARED_POOL.close)
    _SHARED_POOL.timeout = float(timeout)
    return _SHARED_POOL


_REUSABLE: dict[tuple[str, tuple[str, ...], int, float], MathCheckPool] = {}


def reusable_pool(workers: int, timeout: float, *, module: ModuleType = worker, args: Sequence[str] = ()) -> MathCheckPool:
    """A pool kept across verifier calls of this process (closed at interpreter exit).

    One live pool at a time: asking for another (other workers, timeout or checker) closes the
    old one, so a process never runs more checker workers than it was given cores.
    """
    key = (module.__name__, tuple(str(a) for a in args), int(workers), float(timeout))
    if key not in _REUSABLE:
        for old in _REUSABLE.values():
            old.close()
        _REUSABLE.clear()
        _REUSABLE[key] = MathCheckPool(workers=key[2], timeout=key[3], module=module, args=key[1])
        atexit.register(_REUSABLE[key].close)
    return _REUSABLE[key]


_FAST_RESULTS = {True: PairResult("correct", fastpath.EQUAL_DETAIL), False: PairResult("wrong", fastpath.DIFFERENT_DETAIL)}


def _verdict_for(gold_norm: str, extracted: str | None, result: PairResult | None) -> MathVerdict:
    if extracted is None:
        return MathVerdict(False, "no_answer", None, "no answer found")
    if result is None:  # identical normalised strings
        return MathVerdict(True, "correct", extracted, "exact match")
    return MathVerdict(result.status == "correct", result.status, extracted, result.detail)


def check_answer(gold: str, completion: str, benchmark: str = "", timeout: float = DEFAULT_TIMEOUT,
                 template: str | None = None) -> MathVerdict:
    """Verify one completion against one gold answer (the gold is a bare answer string, e.g. "27").

    Convenient for tests and notebooks; runs the check in a shared killable worker process, so
    even a pathological answer returns within about ``timeout`` seconds.
    """
    gold_norm = normalize_answer(str(gold), benchmark)
    extracted = extract_answer(completion, benchmark, template)
    [verdict], _ = verify_pairs([(gold_norm, extracted)], workers=1, pool=_shared_pool(timeout))
    return verdict


# --- shard API ----------------------------------------------------------------------------------


def _dataset_of(problem: dict[str, Any], bench_cfg: Mapping[str, Any]) -> str:
    meta = problem.get("metadata") or {}
    return str(bench_cfg.get("dataset") or meta.get("dataset") or problem.get("benchmark") or "")


def verify_pairs(items: Iterable[tuple[str, str | None]], *, workers: int, timeout: float = DEFAULT_TIMEOUT,
                 pool: MathCheckPool | None = None) -> tuple[list[MathVerdict], int]:
    """Verdicts for (normalised gold, normalised extracted answer) items, deduplicated.

    Identical strings are right, and pairs of numbers are decided by ``fastpath`` (Math-Verify's
    own verdict, without parsing); every other distinct pair goes to the workers once. Returns the
    verdicts in input order and the number of distinct pairs sent to Math-Verify.
    """
    items = list(items)
    decided: dict[tuple[str, str], PairResult] = {}
    unique: dict[tuple[str, str], int] = {}
    for gold, ext in items:
        if ext is None or ext == gold or (gold, ext) in decided or (gold, ext) in unique:
            continue
        fast = fastpath.decide(gold, ext)
        if fast is None:
            unique[(gold, ext)] = len(unique)
        else:
            decided[(gold, ext)] = _FAST_RESULTS[fast]
    pairs = list(unique)
    if pairs:
        if pool is None:
            with MathCheckPool(workers=workers, timeout=timeout) as own:
                results = own.check(pairs)
        else:
            results = pool.check(pairs)
    else:
        results = []
    verdicts = []
    for gold, ext in items:
        if ext is None or ext == gold:
            res = None
        else:
            res = decided.get((gold, ext)) or results[unique[(gold, ext)]]
        verdicts.append(_verdict_for(gold, ext, res))
    return verdicts, len(pairs)


def sample_items(problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]], ctx: VerifyContext,
                 prepare_gold: Callable[[str, str], str] = normalize_answer,
                 extract: Callable[[str, str, str | None], str | None] = extract_answer) -> list[tuple[str, str | None]]:
    """(prepared gold, extracted answer) per sample, in sample order; DataError for bad input.

    ``prepare_gold(gold, dataset)`` and ``extract(text, dataset, template)`` default to the
    family's (Math-Verify's) forms; the verifier panel passes each checker's own. The dataset is
    ``ctx.bench["dataset"]`` or the problem's, the template the sample's or ``ctx.bench["template"]``.
    """
    bench_cfg = ctx.bench
    golds: dict[str, str] = {}
    items: list[tuple[str, str | None]] = []
    for pos, sample in enumerate(samples):
        pid = sample.get("problem_id")
        if pid not in problems:
            raise DataError(f"sample {pos} (sample_index {sample.get('sample_index')}): unknown problem id {pid!r}")
        dataset = _dataset_of(problems[pid], bench_cfg)
        if pid not in golds:
            problem = problems[pid]
            if problem.get("answer") is None:
                raise DataError(f"problem {pid!r}: no gold answer")
            golds[pid] = prepare_gold(str(problem["answer"]), dataset)
        text = sample.get("text")
        if not isinstance(text, str):
            raise DataError(f"sample {pos} of problem {pid!r}: missing completion text")
        items.append((golds[pid], extract(text, dataset, sample.get("template") or bench_cfg.get("template"))))
    return items


def verify(problems: Mapping[str, dict[str, Any]], samples: list[dict[str, Any]], ctx: VerifyContext) -> list[dict[str, Any]]:
    """One verdict row per sample, in sample order (the math family's verifier).

    ``problems`` maps problem id to its canonical record (``answer`` is the gold string); each
    sample needs ``problem_id``, ``sample_index`` and ``text`` (its ``template``, if present,
    selects the per-template quirks). ``ctx.bench`` may set ``dataset`` and ``template``;
    ``ctx.verify["math_timeout"]`` is seconds per distinct check. The worker pool is kept for the
    next call with the same workers/timeout (a job verifying a shard in chunks pays start-up once).
    A sample of an unknown problem raises DataError.
    """
    timeout = float(ctx.verify.get("math_timeout", DEFAULT_TIMEOUT))
    items = sample_items(problems, samples, ctx)
    verdicts, _ = verify_pairs(items, workers=ctx.workers, timeout=timeout, pool=reusable_pool(ctx.workers, timeout))
    return [verdict_row(s, v.status, extracted=v.extracted, detail=v.detail) for s, v in zip(samples, verdicts)]
