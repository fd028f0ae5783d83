"""The expected outputs and reference runtimes of an EvalPlus benchmark: its ground truth.

Why this shape: evalplus computes expected outputs in-process, outside any sandbox, and caches
them (with machine-specific timings) in ``~/.cache`` forever. Here the canonical solutions run once
in *our* sandbox, on this machine, and the result is an ordinary workflow output
(``compute_groundtruth``), so a stale or foreign cache can never leak into a verdict.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import platform
import threading
import time
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

import zstandard

from passk.benchmarks.evalplus.execute import HARNESS_NAME, HARNESS_SOURCE, not_none_task
from passk.benchmarks.evalplus.judge import ExpectedOutputs, RecordJudge, output_facts
from passk.benchmarks.evalplus.prepare import PAYLOAD, program_of_canonical, test_inputs
from passk.errors import DataError
from passk.io import atomic_open, sha256_file
from passk.records.problems import load_problems
from passk.sandbox import wire
from passk.sandbox.session import Harness, Program, Servers, run_programs, step_limits
from passk.sandbox.settings import SandboxSettings, make_sandbox

log = logging.getLogger(__name__)

_gt_cache: dict[str, _GroundTruthFile] = {}
_gt_lock = threading.Lock()
FORMAT = 5  # 5: zstd frames (write_groundtruth); the gzip layouts 4 (lines), 3 (per task JSON) and 2 (one object) are still read
RECORD_TEST_SECONDS = 300.0  # one canonical call; beyond it the input is dropped (plus) or the ground truth stops (base)
# An expected output over 256 MB encoded is dropped at the output cap, while it is being sent: a
# program would have to make and send as much on every run of that test. Only Mbpp/255's plus input
# 85 is (1.6 M tuples, 0.94 GB; evalplus fails its own canonical solution there); the largest kept
# output of HumanEval+ and MBPP+ is Mbpp/255's 70 MB.
RECORD_LINE_CAP = 1 << 28
# How the file is compressed: zstd level 3 with long-distance matching over a 128 MB window
# (libzstd's default limit for decompressing). Expected outputs repeat long stretches (HumanEval/15's
# 140 MB of outputs are mostly the same long strings), so HumanEval+'s 282 MB of lines become 8 MB
# in 0.3 s, and decompress in 0.19 s. gzip at level 1 (format 4) made 90 MB in 3.3 s, and took
# 1.2 s to decompress: a verify job waited for that before its first program ran.
WRITE_LEVEL = 3
WRITE_WINDOW_LOG = 27
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
SUFFIX = ".jsonl.zst"  # the name a ground-truth file ends in (any name is read: the first bytes tell the format)

RECORD_BATCH = 8  # problems whose canonical runs share one fork server: a sandbox start costs ~0.13 s, a trivial problem less
RECORDED = "_recorded"  # an entry's outputs as texts, with their flags, made while recording (not a key of the file)
RECORD = Harness(HARNESS_NAME, HARNESS_SOURCE, line_cap=RECORD_LINE_CAP, total_cap=3 << 30)


def _zstd_frame(data: bytes) -> bytes:
    """One zstd frame of ``data``: its size in its header (``_GroundTruthFile`` decompresses it in one
    call) and a checksum at its end (a damaged file is an error, never other expected outputs)."""
    params = zstandard.ZstdCompressionParameters.from_level(WRITE_LEVEL, enable_ldm=True, window_log=WRITE_WINDOW_LOG,
                                                            write_content_size=True, write_checksum=True)
    return zstandard.ZstdCompressor(compression_params=params).compress(data)


def compute_groundtruth(problems_path: str | os.PathLike[str], out_path: str | os.PathLike[str], sandbox_cfg: dict[str, Any]) -> None:
    """Run every canonical solution once in the sandbox; write expected outputs and per-test runtimes.

    Output (written atomically, in the per-task layout of ``write_groundtruth``; ``read_groundtruth``
    gives it back as ``{"meta": {...}, "tasks": {task_id: {"base": [...], "plus": [...],
    "base_time": [...], "plus_time": [...], "base_bytes": [...], "plus_bytes": [...],
    ["plus_kept": [...], "plus_dropped": [{"index", "why"}]]}}}``) with outputs in
    ``passk.sandbox.wire``'s encoding; every task's entry stands on its own. Problems are run
    ``sandbox.groundtruth_workers`` at a time. The canonical solution runs through the same fork
    server and harness as any program, in ``record`` mode.

    - A canonical solution that raises (or returns what is not plain data) on any input stops the
      ground truth with a ``DataError`` naming the task and input: verdicts against it would be wrong.
    - A plus input on which the canonical solution itself exceeds the program limits (time,
      memory, output cap) is dropped, and every drop is listed in the task's entry and in
      ``meta.dropped_plus_inputs`` with its reason; on a base input that stops the ground truth too.
    - The canonical runs of ``RECORD_BATCH`` problems share a fork server (one program per problem
      and input group, as in verification; a server that ends runs its program again alone).
    - A sandbox fault is a ``VerifierError`` (``passk.sandbox.session``), never a drop.
    """
    settings = SandboxSettings.from_config(sandbox_cfg)
    sandbox = make_sandbox(settings)
    problems = list(load_problems(problems_path, PAYLOAD, family="evalplus").values())
    limits = settings.limits(RECORD_TEST_SECONDS)
    site = list(getattr(sandbox, "site_packages", ()) or ())
    t0 = time.time()

    def task(problem: dict[str, Any], inputs: list[Any]) -> dict[str, Any]:
        return {"mode": "record", "entry_point": problem["tests"]["entry_point"], "not_none": not_none_task(problem),
                "inputs": wire.encode(inputs), "limits": step_limits(60.0, [RECORD_TEST_SECONDS] * len(inputs)), "site": site}

    def program(problem: dict[str, Any], inputs: list[Any]) -> Program:
        return Program(task(problem, inputs), program_of_canonical(problem), 60.0 + RECORD_TEST_SECONDS * len(inputs) + 5.0,
                       lambda n=len(inputs): RecordJudge(n))

    def record(problem: dict[str, Any], groups: list[list[Any]]) -> list[RecordJudge]:
        return run_programs(sandbox, limits, RECORD, [program(problem, inputs) for inputs in groups], servers)

    def failed(problem: dict[str, Any], which: str, judge: RecordJudge, offset: int = 0) -> str:
        """Why a record run (of the inputs from ``offset`` on) is incomplete; a DataError when the
        canonical solution itself failed."""
        i = offset + len(judge.outputs)
        where = f"{problems_path}: canonical solution of {problem['id']}"
        e = judge.ended
        assert e is not None  # run_programs ends every program
        if judge.memory:
            return f"exceeded the memory limit on {which} input {i} ({judge.error})"
        if judge.error:
            raise DataError(f"{where} failed on its {which} input {i}: {judge.error}")
        if e.oom or e.killed in ("timeout", "memory", "output"):
            reason = {"timeout": "time limit", "memory": "memory limit", "output": "output cap"}.get(e.killed or "", "memory limit")
            return f"exceeded the {reason} on {which} input {i}"
        how = f"signal {e.signal}" if e.signal else f"exit code {e.exit}"
        raise DataError(f"{where} ended on its {which} input {i} ({how})")

    def batch(problems: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
        """The entries of a few problems, whose base and plus runs share one fork server."""
        inputs = [(test_inputs(p, "base_input"), test_inputs(p, "plus_input")) for p in problems]
        got = run_programs(sandbox, limits, RECORD, [program(p, xs) for p, pair in zip(problems, inputs) for xs in pair], servers)
        return [one(p, base, plus, got[2 * i], got[2 * i + 1]) for i, (p, (base, plus)) in enumerate(zip(problems, inputs))]

    def one(problem: dict[str, Any], base: list[Any], plus: list[Any], got_base: RecordJudge, got_plus: RecordJudge) -> tuple[str, dict[str, Any]]:
        entry: dict[str, Any] = {}
        if len(got_base.outputs) != len(base):
            raise DataError(f"{problems_path}: canonical solution of {problem['id']} {failed(problem, 'base', got_base)}")
        entry.update(base=got_base.outputs, base_time=got_base.times, base_bytes=got_base.sizes)
        flags = {"texts": list(got_base.texts), "floats": list(got_base.floats), "nans": list(got_base.nans)}
        entry[RECORDED] = flags
        if len(got_plus.outputs) == len(plus):
            entry.update(plus=got_plus.outputs, plus_time=got_plus.times, plus_bytes=got_plus.sizes)
            for key in flags:
                flags[key] += getattr(got_plus, key)
            return problem["id"], entry
        # Resume after each input beyond the limits (Mbpp/255's input 85 is 1.6 M tuples, 1.15 GB
        # encoded: evalplus fails its own canonical there too): the outputs before it stand as
        # recorded, it is dropped and listed, and one run records the inputs after it. One more run
        # per dropped input, never a run per input, and no input is run twice.
        kept, outputs, times, sizes, dropped = [], [], [], [], []
        start, run = 0, got_plus
        while True:
            done = len(run.outputs)
            kept += range(start, start + done)
            outputs += run.outputs
            times += run.times
            sizes += run.sizes
            for key in flags:
                flags[key] += getattr(run, key)
            if start + done == len(plus):
                break
            i = start + done
            why = failed(problem, "plus", run, offset=start)
            dropped.append({"index": i, "why": why})
            log.warning("%s: plus input %d dropped: the canonical solution %s", problem["id"], i, why)
            start = i + 1
            if start == len(plus):
                break
            (run,) = record(problem, [plus[start:]])
        entry.update(plus=outputs, plus_time=times, plus_bytes=sizes, plus_kept=kept, plus_dropped=dropped)
        return problem["id"], entry

    workers = int(settings.groundtruth_workers)
    batches = [problems[i : i + RECORD_BATCH] for i in range(0, len(problems), RECORD_BATCH)]
    with Servers(settings.batch_size) as servers, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        tasks = dict(entry for done in pool.map(batch, batches) for entry in done)
    meta = {
        "format": FORMAT,
        "problems": str(problems_path),
        "problems_sha256": sha256_file(problems_path),
        "machine": platform.node(),
        "python": platform.python_version(),
        "backend": settings.backend,
        "seconds": round(time.time() - t0, 2),
        "workers": workers,
        "dropped_plus_inputs": {tid: e["plus_dropped"] for tid, e in sorted(tasks.items()) if e.get("plus_dropped")},
    }
    with atomic_open(out_path, "wb") as fh:
        write_groundtruth(fh, meta, tasks)


def write_groundtruth(fh: BinaryIO, meta: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> None:
    """The per-task layout (format 5): zstd frames, one per task after a header frame.

    The first frame is the line ``{"meta": ..., "index": {task_id: [offset, length]}}``; then one
    frame per task (``offset`` bytes after the first frame): a line ``{"entry": <the entry but
    its outputs>, "n_base": <base outputs>, "floats": [...], "nans": [...]}`` (the indexes of the
    outputs evalplus's ``is_floats`` holds for, and of those with a NaN), then one line per output,
    base then plus: its encoding's JSON text, exactly as ``wire.dumps`` writes it. ``zstdcat`` shows
    it all. (Format 4 was the same lines in gzip members.) A verify job decompresses only the frames
    of its tasks (``load_groundtruth``) and parses no output: a program's line is matched against the
    expected line's bytes, and an output is decoded only when a program's differs (``ExpectedOutputs``).

    ``tasks``: entries as ``compute_groundtruth`` makes them (outputs encoded); what the recording
    already made (``RECORDED``: texts and flags) is used as is, else made here.
    """
    blobs, index, offset = [], {}, 0
    for tid in sorted(tasks):
        entry = dict(tasks[tid])
        recorded = entry.pop(RECORDED, None)
        outputs = [*entry.pop("base"), *entry.pop("plus")]
        n_base = len(outputs) - len(tasks[tid]["plus"])
        if recorded is None:
            facts = [output_facts(v) for v in outputs]
            recorded = {"texts": [t for t, _, _ in facts], "floats": [f for _, f, _ in facts], "nans": [nan for _, _, nan in facts]}
        head = {"entry": entry, "n_base": n_base, "floats": [i for i, f in enumerate(recorded["floats"]) if f],
                "nans": [i for i, f in enumerate(recorded["nans"]) if f]}
        text = "\n".join([json.dumps(head, sort_keys=True), *recorded["texts"]]) + "\n"
        blob = _zstd_frame(text.encode("ascii"))
        index[tid] = [offset, len(blob)]
        offset += len(blob)
        blobs.append(blob)
    header = json.dumps({"meta": {**meta, "format": FORMAT}, "index": index}, sort_keys=True) + "\n"
    fh.write(_zstd_frame(header.encode("utf-8")))
    for blob in blobs:
        fh.write(blob)


class _GroundTruthFile:
    """One ground-truth file opened for reading: its header, and the tasks loaded so far.

    Reads the per-task layouts by task: format 5 (``write_groundtruth``: zstd frames, outputs as
    lines of text), and in gzip members format 4 (the same lines) and format 3 (each task one JSON
    object); and the single-object layout of format 2 (``{"meta", "tasks"}`` in one gzip member:
    older files, hand-made fixtures) whole. ``stamp`` (size, mtime) notices a file replaced since
    it was opened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        st = path.stat()
        self.stamp = (st.st_size, st.st_mtime_ns)
        self.loaded: dict[str, dict[str, Any]] = {}
        with open(path, "rb") as fh:
            self.zstd = fh.read(4) == ZSTD_MAGIC
            fh.seek(0)
            # zstd or gzip (formats 2-4); either stops at the end of the first frame or member
            first = zstandard.ZstdDecompressor().decompressobj() if self.zstd else zlib.decompressobj(wbits=31)
            parts = []
            while not first.eof:
                block = fh.read(1 << 20)
                if not block:
                    raise EOFError("truncated first frame")
                parts.append(first.decompress(block))
            self.data_start = fh.tell() - len(first.unused_data)
        header = json.loads(b"".join(parts))
        self.meta = header.get("meta", {})
        self.raw: dict[str, Any] = header.get("tasks") or {}  # format 2: every task already here
        self.index: dict[str, list[int]] = header.get("index") or {}
        self.as_lines = bool(self.index) and int(self.meta.get("format") or 0) >= 4

    def ids(self) -> list[str]:
        return list(self.raw or self.index)

    def _member(self, tid: str) -> bytes:
        offset, length = self.index[tid]
        with open(self.path, "rb") as fh:
            fh.seek(self.data_start + offset)
            blob = fh.read(length)
        if len(blob) != length:
            raise EOFError(f"{tid}: truncated")
        return zstandard.ZstdDecompressor().decompress(blob) if self.zstd else gzip.decompress(blob)

    def _lines(self, tid: str) -> tuple[dict[str, Any], list[bytes]]:
        """Formats 4 and 5: a task's head and its outputs' texts."""
        lines = self._member(tid).split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        head = json.loads(lines[0])
        return head, lines[1:]

    def entry(self, tid: str) -> dict[str, Any] | None:
        """The entry of ``tid`` as ``compute_groundtruth`` made it, outputs encoded (None when the
        file has none)."""
        if tid in self.raw:
            return self.raw[tid]
        if tid not in self.index:
            return None
        if not self.as_lines:
            return json.loads(self._member(tid))
        head, texts = self._lines(tid)
        outputs = [json.loads(t) for t in texts]
        return {**head["entry"], "base": outputs[: head["n_base"]], "plus": outputs[head["n_base"] :]}

    def load(self, tid: str) -> dict[str, Any] | None:
        """What a verifier needs of ``tid`` (``load_groundtruth``); None when the file has none."""
        if tid in self.loaded:
            return self.loaded[tid]
        if tid not in self.raw and tid not in self.index:
            return None
        if self.as_lines:
            head, texts = self._lines(tid)
            e, n_base = head["entry"], head["n_base"]
            floats, nans = set(head["floats"]), set(head["nans"])
        else:  # formats 2 and 3: texts and flags made here
            e = self.entry(tid) or {}
            outputs = [*e["base"], *e["plus"]]
            n_base = len(e["base"])
            facts = [output_facts(v) for v in outputs]
            texts = [text.encode("ascii") for text, _, _ in facts]
            floats = {i for i, (_, f, _) in enumerate(facts) if f}
            nans = {i for i, (_, _, nan) in enumerate(facts) if nan}
        out_bytes = [*e["base_bytes"], *e["plus_bytes"]] if "base_bytes" in e else [len(t) for t in texts]
        got = self.loaded[tid] = {
            "base": ExpectedOutputs(texts[:n_base]),
            "plus": ExpectedOutputs(texts[n_base:]),
            "texts": texts,
            "floats": [i in floats for i in range(len(texts))],
            "by_bytes": [i not in nans for i in range(len(texts))],
            "out_bytes": out_bytes,
            "base_time": e["base_time"],
            "plus_time": e["plus_time"],
            "plus_kept": e.get("plus_kept"),
        }
        return got

    def tasks(self, ids: Iterable[str] | None) -> dict[str, dict[str, Any]]:
        wanted = self.ids() if ids is None else list(ids)
        todo = sorted((t for t in set(wanted) if t not in self.loaded and t in self.index), key=lambda t: -self.index[t][1])
        if len(todo) > 1:  # zstd and zlib let go of the GIL: the largest tasks (HumanEval/15's 140 MB) decompress side by side
            with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
                list(pool.map(self.load, todo))
        got = {tid: self.load(tid) for tid in wanted}
        return {tid: e for tid, e in got.items() if e is not None}


def read_groundtruth(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file as written: ``{"meta": ..., "tasks": {task_id: entry}}`` (entries still encoded)."""
    f = _GroundTruthFile(Path(path))
    return {"meta": f.meta, "tasks": {tid: f.entry(tid) for tid in f.ids()}}


def load_groundtruth(path: str, ids: Iterable[str] | None = None) -> dict[str, Any]:
    """The ground truth written by ``compute_groundtruth``, for verifying: every task, or only
    ``ids`` (a task the file lacks is left out). Each task is read once per path and process.

    A task: ``texts`` (each expected output's encoding as JSON text, base then plus), ``base`` and
    ``plus`` (the outputs, decoded when first read: ``ExpectedOutputs``), ``floats`` and
    ``by_bytes`` (per output: evalplus's ``is_floats``; no NaN in it, so equal bytes mean equal),
    ``out_bytes``, ``base_time``, ``plus_time`` and ``plus_kept``."""
    key = str(Path(path).resolve())
    with _gt_lock:
        p = Path(path)
        if not p.exists():
            raise DataError(f"{p}: ground-truth file not found")
        try:
            f = _gt_cache.get(key)
            st = p.stat()
            if f is None or f.stamp != (st.st_size, st.st_mtime_ns):
                f = _gt_cache[key] = _GroundTruthFile(p)
            return f.tasks(list(ids) if ids is not None else None)
        except (OSError, EOFError, ValueError, zlib.error, zstandard.ZstdError) as exc:
            raise DataError(f"{p}: unreadable ground truth ({exc})") from None


def _same_output(x: Any, y: Any) -> bool:
    """Two recorded outputs (as encoded) are the same, up to the order Python's per-process hash
    seed gives a set's elements: a set (or a dict) encodes its elements in iteration order, and a
    canonical solution such as Mbpp/2's ``tuple(set(a) & set(b))`` returns them in that order (its
    oracle compares sets). An order-only difference cannot come from a sandbox."""
    if x == y:
        return True
    a, b = wire.decode(x), wire.decode(y)
    if a == b:
        return True
    return type(a) is type(b) and isinstance(a, (list, tuple)) and len(a) == len(b) and sorted(map(repr, a)) == sorted(map(repr, b))


def groundtruth_differences(a: str | os.PathLike[str], b: str | os.PathLike[str], may_drop: Iterable[str] = ("Mbpp/255",)) -> list[str]:
    """What differs between two ground truths of the same problems, as lines a person can read.

    Why: the ground truth is built by whoever runs the workflow, and an unprivileged user's sandbox
    (no cgroup, other process limits) must record the same thing as root's; a sandbox fault that
    turned into a dropped input would quietly remove a test. Compared: the problems file (by its
    sha256, so the inputs are the same), the task ids, every expected output as encoded, which plus
    inputs were kept and which dropped, and that no task outside ``may_drop`` dropped any (Mbpp/255's
    input 85 is beyond any limit). Runtimes, the machine and the build time are not compared. The
    problems file names the data file it was prepared from, so both must come from the same data
    directory, and both ground truths from the same code (its encoding of outputs is compared).
    """
    missing = [f"{p}: no such ground-truth file" for p in (a, b) if not Path(p).is_file()]
    if missing:
        return missing
    fa, fb = _GroundTruthFile(Path(a)), _GroundTruthFile(Path(b))
    out: list[str] = []
    if fa.meta.get("problems_sha256") != fb.meta.get("problems_sha256"):
        out.append(f"problems differ: sha256 {fa.meta.get('problems_sha256')} against {fb.meta.get('problems_sha256')}")
    ids_a, ids_b = set(fa.ids()), set(fb.ids())
    if ids_a != ids_b:
        out.append(f"tasks differ: only in {a}: {sorted(ids_a - ids_b)[:10]}; only in {b}: {sorted(ids_b - ids_a)[:10]}")
    allowed = set(may_drop)
    for tid in sorted(ids_a & ids_b):
        ea, eb = fa.entry(tid) or {}, fb.entry(tid) or {}
        for path, e in ((a, ea), (b, eb)):
            if e.get("plus_dropped") and tid not in allowed:
                out.append(f"{tid}: {path} dropped plus inputs {[d['index'] for d in e['plus_dropped']]}")
        for key in ("base", "plus", "plus_kept"):
            xs, ys = ea.get(key) or [], eb.get(key) or []
            first = next((i for i, (x, y) in enumerate(zip(xs, ys)) if not _same_output(x, y)), None)
            if len(xs) != len(ys) or first is not None:
                at = min(len(xs), len(ys)) if first is None else first
                out.append(f"{tid}: {key} differs ({len(xs)} against {len(ys)} entries; first difference at {at})")
        dropped_a = [d["index"] for d in ea.get("plus_dropped") or []]
        dropped_b = [d["index"] for d in eb.get("plus_dropped") or []]
        if dropped_a != dropped_b:
            out.append(f"{tid}: dropped plus inputs differ: {dropped_a} against {dropped_b}")
    return out
