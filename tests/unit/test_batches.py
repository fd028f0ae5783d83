"""Batches cut as workers free up (passk.verify.batches): every program once, slow problems apart,
chunks whole where they fit, small batches at the end, and a failing batch fails the run."""

from __future__ import annotations

import threading
import time

import pytest

from passk.benchmarks.evalplus import execute as C
from passk.verify.batches import TAIL_MIN, TAIL_SHARE, BatchQueue, run_batches


def _plan(cost: float) -> C.TaskPlan:
    p = C.TaskPlan.__new__(C.TaskPlan)
    p.cost = cost
    return p


def _drain(queue: BatchQueue) -> list[list]:
    out = []
    while (batch := queue.take()) is not None:
        out.append(batch)
    return out


def test_slow_problems_first_and_apart_every_program_once():
    fast = [_plan(0.001) for _ in range(40)]
    slow = _plan(5.0)
    chunks = [[(p, f"f{i}-{j}") for j in range(3)] for i, p in enumerate(fast)]
    assert C.batch_size_for(slow, 32) == 1
    chunks += [[(slow, f"s{j}")] for j in range(4)]
    chunks.sort(key=C.chunk_cost, reverse=True)
    queue = BatchQueue(chunks, 32, workers=2, seconds=C.BATCH_SECONDS, cost=C.chunk_cost)
    assert len(queue) == 124
    batches = _drain(queue)
    assert len(queue) == 0 and queue.take() is None
    assert sorted(x for b in batches for _, x in b) == sorted(x for c in chunks for _, x in c)
    assert all(1 <= len(b) <= 32 for b in batches)
    assert [len(b) for b in batches[:4]] == [1, 1, 1, 1] and all(b[0][0] is slow for b in batches[:4])
    for b in batches[4:]:  # the fast problems' batches stay within the cost bound
        assert C.chunk_cost(b) <= C.BATCH_SECONDS + 1e-9


def test_chunks_stay_whole_where_they_fit_and_the_tail_shrinks():
    chunks = [[f"p{i}-{j}" for j in range(8)] for i in range(50)]  # 400 programs, 8 per problem
    workers = 2
    queue = BatchQueue(chunks, 32, workers)
    sizes, left = [], len(queue)
    for batch in iter(queue.take, None):
        assert len(batch) <= min(32, max(TAIL_MIN, -(-left // (TAIL_SHARE * workers))))  # never more than the share left
        sizes.append(len(batch))
        left -= len(batch)
        problems = {x.split("-")[0] for x in batch}
        whole = [p for p in problems if sum(x.startswith(p + "-") for x in batch) == 8]
        assert len(whole) >= len(problems) - 1  # at most the one chunk split at the batch's start
    assert sizes[0] == 32 and sum(sizes) == 400
    assert max(sizes[-8:]) <= 8 < max(sizes[:8])
    assert max(sizes[-4:]) <= TAIL_MIN  # the last batches hold a few programs: the workers end together


def test_a_handful_of_programs_share_one_sandbox():
    assert BatchQueue([[1, 2], [3]], batch_size=32, workers=2).take() == [1, 2, 3]


def test_a_long_chunk_is_split_and_its_rest_stays_first():
    queue = BatchQueue([list(range(10)), [100, 101]], batch_size=4, workers=1)
    first = queue.take()
    assert first == [0, 1, 2, 3]
    assert queue.take() == [4, 5, 6, 7]
    rest = _drain(queue)
    assert [x for b in rest for x in b] == [8, 9, 100, 101]


def test_run_batches_collects_every_result_across_workers():
    queue = BatchQueue([[i] for i in range(100)], batch_size=8, workers=3)
    seen_threads = set()

    def run(batch: list[int]) -> list[int]:
        seen_threads.add(threading.get_ident())
        time.sleep(0.001)
        return [x * 2 for x in batch]

    got = run_batches(queue, 3, run)
    assert sorted(got) == [2 * i for i in range(100)]
    assert len(seen_threads) >= 2


def test_a_failing_batch_fails_the_run_and_stops_the_others_taking_more():
    queue = BatchQueue([[i] for i in range(200)], batch_size=2, workers=2)
    ran = []

    def run(batch: list[int]) -> list[int]:
        ran.extend(batch)
        if 10 in batch:
            raise RuntimeError("sandbox could not start")
        time.sleep(0.002)
        return batch

    with pytest.raises(RuntimeError, match="sandbox could not start"):
        run_batches(queue, 2, run)
    assert len(ran) < 200 and len(queue) > 0
