"""Batches of programs handed to sandbox workers as each frees up, smaller toward the end of a run.

Why: a batch's run time is not known in advance. Batches are ordered by the canonical solutions'
run time, but a looping program costs its time limit (4 s and more) whatever its problem, and a
wrong one may stop at its first test. With batches fixed up front, the last one a worker takes
can hold several such programs while the other workers sit idle: on 40 HumanEval+ problems (300
distinct programs, 2 workers) one worker ran a 12.5 s batch of 27 programs, three of them
looping, alone at the end of a 55 s run.

So batches are cut when a worker asks for one (guided self-scheduling): as full as the caller's
rules allow (``batch_size`` programs, ``seconds`` of estimated cost) while much work is left,
then at most ``1 / (TAIL_SHARE * workers)`` of the programs left (but ``TAIL_MIN`` at least), so
the last batches hold a few programs each and the workers end close together. The extra sandboxes
this starts at the end (about ``TAIL_SHARE * workers * log2(batch_size / TAIL_MIN)``) cost a
fraction of a second each; ``TAIL_MIN`` keeps a handful of programs from taking a sandbox each.

Chunks (a problem's programs, in the caller's order) are kept together where they fit; a chunk
longer than the batch being cut is split, its rest staying first in line. A verdict never
depends on which programs shared a sandbox (``passk.sandbox.session``), so how the programs are
cut into batches changes only the time.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

TAIL_SHARE = 2  # a batch holds at most 1 / (TAIL_SHARE * workers) of the programs left ...
TAIL_MIN = 4  # ... or this many programs, whichever is more (within ``batch_size``)
BATCH_PROGRAMS = 32  # programs in one batch at most, however many a sandbox may hold


def batch_programs(per_sandbox: int) -> int:
    """The ``batch_size`` of a run's queue: ``BATCH_PROGRAMS``, or fewer when a sandbox may hold
    fewer (``sandbox.batch_size``). A batch is the unit of scheduling; a fork server goes on from
    one batch to the next (``passk.sandbox.session.Servers``) until it has run ``per_sandbox``."""
    return max(1, min(int(per_sandbox), BATCH_PROGRAMS))


class BatchQueue(Generic[T]):
    """Cuts batches from ``chunks`` on demand (thread-safe); see the module docstring."""

    def __init__(self, chunks: Sequence[Sequence[T]], batch_size: int, workers: int, seconds: float = float("inf"),
                 cost: Callable[[Sequence[T]], float] = lambda chunk: 0.0) -> None:
        self._chunks: deque[list[T]] = deque(list(c) for c in chunks if c)
        self._left = sum(len(c) for c in self._chunks)
        self._batch_size = max(1, int(batch_size))
        self._workers = max(1, int(workers))
        self._seconds = seconds
        self._cost = cost
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Programs not yet handed out."""
        return self._left

    def take(self) -> list[T] | None:
        """The next batch, or None when every program has been handed out."""
        with self._lock:
            if not self._chunks:
                return None
            cap = min(self._batch_size, max(TAIL_MIN, -(-self._left // (TAIL_SHARE * self._workers))))
            batch: list[T] = []
            spent = 0.0
            while self._chunks and len(batch) < cap:
                chunk = self._chunks[0]
                room = cap - len(batch)
                cost = self._cost(chunk)
                if batch and (len(chunk) > room or spent + cost > self._seconds):
                    break
                if len(chunk) > room:  # the first chunk of this batch, longer than the batch: split it
                    self._chunks[0] = chunk[room:]
                    chunk = chunk[:room]
                    cost = self._cost(chunk)
                else:
                    self._chunks.popleft()
                batch += chunk
                spent += cost
            self._left -= len(batch)
            return batch


def run_batches(queue: BatchQueue[T], workers: int, run: Callable[[list[T]], list[R]]) -> list[R]:
    """``run`` on every batch of ``queue``, ``workers`` batches at a time (threads: the sandboxes
    are subprocesses); the results of all batches, in no particular order.

    A batch that raises stops the workers from taking more, and the error is raised here once
    the batches already running have ended: a fault of the verifier fails the run.
    """
    stop = threading.Event()

    def worker() -> list[R]:
        got: list[R] = []
        while not stop.is_set():
            batch = queue.take()
            if batch is None:
                break
            try:
                got += run(batch)
            except BaseException:
                stop.set()
                raise
        return got

    n = max(1, int(workers))
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(worker) for _ in range(n)]
        out: list[R] = []
        for future in futures:
            out += future.result()
    return out
