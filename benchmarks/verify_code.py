"""Speed, peak memory and verdict agreement: passk's sandboxed verifier against evalplus's evaluator.

Both evaluate the same samples file (canonical solutions plus generated wrong variants of every
task: off-by-one, swapped comparison, wrong return, crashing, slow-but-correct), with the same
number of workers and the same time-limit floor and factor, in one run of this script. Each side
runs in its own subprocess whose process tree is sampled for peak RSS. Ground truths are computed
(and cached) before timing on both sides, so the timing is verification only.

    python benchmarks/verify_code.py --bench humaneval_plus --workers 2 [--limit-samples N]

Prints samples/s of both, the ratio, peak memory of both, the agreement rate on pass/non-pass
(evalplus "plus" = base and plus both pass) and every disagreement.

``--real`` measures what a user bringing samples sees instead (issue 13), each tool through its
command line, ground truth included: ``passk verify-code`` against ``evalplus.evaluate`` on the same
samples and cores, each first cold (empty ground-truth caches: passk's ``--groundtruth-cache``,
evalplus's ``$HOME/.cache``), then warm (caches kept). Its samples are a realistic mix built from the
variants: per problem 10 samples, most wrong programs failing on an early test, every fourth
problem with a sample that loops until its time limit, the rest correct; then a fixed share of the
samples (25% and 0%, both reported) replaced by an exact copy of another sample of the same problem.

    python benchmarks/verify_code.py --real --bench mbpp_plus --workers 2 [--limit-tasks 40] [--floor]

``--limit-tasks N`` keeps the first N problems (and Mbpp/255, the one whose expected output cannot
be held, for MBPP+) for both tools.

``--floor`` (both modes) adds the bound no verifier can beat on these samples (see ``FLOOR``): the
programs run bare, each forked from a process that holds its problem only, summed and divided by
the workers; printed as fork to exit and as the programs' own run time, with the ceiling
(evalplus's time over the bound) that the speed-up targets must be read against.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("PASSK_DATA_DIR", REPO.parent / "shared" / "data"))
FILES = {"humaneval_plus": ("humaneval", "humaneval_plus/HumanEvalPlus-v0.1.10.jsonl.gz", "HUMANEVAL_OVERRIDE_PATH"),
         "mbpp_plus": ("mbpp", "mbpp_plus/MbppPlus-v0.2.0.jsonl.gz", "MBPP_OVERRIDE_PATH")}


SLOW = {
    # the work done twice (on a deep copy first, so input-mutating functions stay correct): CPU-bound,
    # like a real slow-but-correct program, and proportional to the canonical's own cost
    "work": "\nimport copy as _c\n_orig_{e} = {e}\ndef {e}(*a, **k):\n    _orig_{e}(*_c.deepcopy(a), **_c.deepcopy(k))\n    return _orig_{e}(*a, **k)\n",
    # a fixed 2 ms sleep per call: wall time that both tools pay in full (HE+ has 124,253 tests,
    # so >= 248 s of sleep) and that bounds the ratio whatever the verifier does
    "sleep": "\nimport time as _t\n_orig_{e} = {e}\ndef {e}(*a, **k):\n    _t.sleep(0.002)\n    return _orig_{e}(*a, **k)\n",
}


def variants(prog: str, entry: str, slow: str = "work") -> dict[str, str]:
    """Wrong (and one slow-correct) variants of a canonical program, by plain text edits."""
    out: dict[str, str] = {"canonical": prog}
    lines = prog.splitlines()
    ret = [i for i, ln in enumerate(lines) if re.match(r"\s+return\b", ln)]
    if ret:
        i = ret[-1]
        ind = re.match(r"\s*", lines[i]).group(0)
        expr = lines[i].strip()[len("return"):].strip() or "None"
        out["off_by_one"] = "\n".join(lines[:i] + [f"{ind}__r = {expr}", f"{ind}return (__r + 1) if type(__r) is int else __r"] + lines[i + 1:])
        out["wrong_return"] = "\n".join(lines[:i] + [f"{ind}return None"] + lines[i + 1:])
    for a, b in (("<=", "<"), (" < ", " <= "), (" + ", " - "), (">=", ">")):
        if a in prog:
            out["swapped_op"] = prog.replace(a, b, 1)
            break
    out["crashing"] = prog + f"\n_orig_{entry} = {entry}\ndef {entry}(*a, **k):\n    raise RuntimeError('boom')\n"
    out["slow_correct"] = prog + SLOW[slow].format(e=entry)
    return out


def make_samples(bench: str, path: Path, slow: str = "work") -> list[dict]:
    recs = [json.loads(x) for x in gzip.open(DATA / FILES[bench][1], "rt")]
    rows = []
    for r in recs:
        for kind, prog in variants(r["prompt"] + r["canonical_solution"], r["entry_point"], slow).items():
            rows.append({"task_id": r["task_id"], "solution": prog, "kind": kind})
    with open(path, "w") as fh:
        for i, row in enumerate(rows):
            fh.write(json.dumps({**row, "sample_index": i}) + "\n")
    return rows


def tree_rss(pid: int) -> int:
    """Sum of RSS (bytes) of ``pid`` and its descendants."""
    kids: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            st = (d / "stat").read_text()
            fields = st.rsplit(")", 1)[1].split()
            kids.setdefault(int(fields[1]), []).append(int(d.name))
            rss[int(d.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack += kids.get(p, [])
    return total


def timed(cmd: list[str], env: dict) -> tuple[float, int, str]:
    # Output goes to a file: a pipe read only after exit fills (64 KiB of tqdm) and deadlocks the child.
    with tempfile.TemporaryFile("w+") as log:
        t0 = time.time()
        p = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        peak = 0
        while p.poll() is None:
            peak = max(peak, tree_rss(p.pid))
            time.sleep(0.1)
        elapsed = time.time() - t0
        log.seek(0)
        out = log.read()
    if p.returncode:
        raise SystemExit(f"{cmd} failed:\n{out[-3000:]}")
    return elapsed, peak, out


OURS = """
import json, sys
from passk.io import read_jsonl
from passk.benchmarks.evalplus.verify import verify
from passk.records.problems import load_problems
from passk.verify.family import VerifyContext
probs = load_problems(sys.argv[1])
samples = [{"problem_id": s["task_id"], "sample_index": s["sample_index"], "solution": s["solution"]} for s in read_jsonl(sys.argv[2])]
rows = verify(probs, samples, VerifyContext(bench={}, workers=int(sys.argv[5]), groundtruth=sys.argv[3], sandbox=json.loads(sys.argv[6])))
json.dump([[r["sample_index"], r["status"], r["detail"]] for r in rows], open(sys.argv[4], "w"))
"""

# The floor: the same harness runs every program in a fork, no sandbox, no isolation, no dedup:
# only the tests' own execution and the comparison, each program timed from fork to exit, under
# the same per-step time limits as passk (a looping program is killed at its step's limit, as
# passk kills it). Each problem's programs fork from a fresh process that holds that problem's
# inputs and expected outputs only (a process holding every task's would make each fork cost
# tens of milliseconds of page tables, which no verifier has to pay). Two sums come out:
# - fork to exit: the bound for a verifier built as passk is (outputs encoded, sent and judged
#   outside the program);
# - the same less the child's time in encoding and sending its outputs (which includes waiting
#   for the judge to read them): the programs' own run time, the bound for any verifier.
# Divided by the workers, either is a lower bound on the verifier's time on these samples
# (perfect balance, zero overhead), so evalplus / bound caps the ratio it could reach.
FLOOR = """
import json, mmap, os, select, struct, sys, time
from collections import defaultdict
from multiprocessing import Pool
from passk.io import read_jsonl
from passk.benchmarks.evalplus import harness as H
from passk.benchmarks.evalplus.execute import TaskPlan
from passk.benchmarks.evalplus.groundtruth import load_groundtruth
from passk.sandbox import wire
from passk.sandbox.session import Ended
from passk.sandbox.settings import SandboxSettings
probs = {p["id"]: p for p in read_jsonl(sys.argv[1])}
st = SandboxSettings.from_config(json.loads(sys.argv[6]))
H._wire = wire
def one(plan, task, prog):
    judge = plan.judge()
    spent = mmap.mmap(-1, 8)  # shared with the child: its seconds in encoding and sending
    t0 = time.perf_counter()
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        def send(obj):
            t = time.perf_counter()
            # a message, or the pieces of one (wire.message_pieces), as the fork server takes them
            data = ((wire.dumps(obj) if type(obj) is dict else "".join(obj)) + "\\n").encode("ascii")
            while data:
                data = data[os.write(w, data):]
            spent[:8] = struct.pack("d", struct.unpack("d", spent[:8])[0] + time.perf_counter() - t)
        try:
            H.run(task, prog, send)
        finally:
            os._exit(0)
    os.close(w)
    steps = [float(task["limits"]["ready"]), *map(float, task["limits"]["tests"])]
    buf, scan, k, killed = bytearray(), 0, 0, None
    step_end = time.monotonic() + steps[0]
    while killed is None:
        left = step_end - time.monotonic()
        if left <= 0 or not select.select([r], [], [], left)[0]:
            killed = "timeout"
            break
        chunk = os.read(r, 1 << 20)
        if not chunk:
            break
        buf += chunk
        while killed is None and (cut := buf.find(b"\\n", scan)) >= 0:
            line = bytes(buf[:cut])
            del buf[:cut + 1]
            scan = 0
            try:  # judged as passk judges it: an output identical to the expected one by its bytes, else parsed
                stop = False if judge.accepts_bytes(k, line) else judge.line(k, wire.decode_line(line, plan.line_cap), None)
            except wire.WireError:  # an unreadable line fails the program, as in passk
                stop = True
            if stop:
                killed = "judge"
            k += 1
            step_end = time.monotonic() + (steps[k] if k < len(steps) else 4.0)  # after the last line: 4 s to exit
        scan = len(buf)
    if killed is not None:
        os.kill(child, 9)
    os.close(r)
    os.waitpid(child, 0)
    busy = time.perf_counter() - t0
    outcome = judge.end(Ended(k, killed, 0, None, 0.0, False))
    return outcome.status == "correct", busy, busy - struct.unpack("d", spent[:8])[0]
def per_task(item):
    pid, progs = item
    plan = TaskPlan(probs[pid], load_groundtruth(sys.argv[3], [pid])[pid], st)
    task = {**plan.task(()), "inputs": plan.inputs}
    return [one(plan, task, prog) for prog in progs]
by_task = defaultdict(list)
for s in read_jsonl(sys.argv[2]):
    by_task[s["task_id"]].append(s["solution"])
with Pool(int(sys.argv[5]), maxtasksperchild=1) as pool:
    got = [x for lst in pool.map(per_task, sorted(by_task.items(), key=lambda kv: -len(kv[1])), chunksize=1) for x in lst]
json.dump([sum(p for p, _, _ in got), sum(t for _, t, _ in got), sum(t for _, _, t in got)], open(sys.argv[4], "w"))
"""

THEIRS = """
import sys
from evalplus.evaluate import evaluate
# evalplus 0.3.1 has no output_file (an unknown keyword goes to run_codegen): it writes the results
# next to the samples as <samples>_eval_results.json, and asks on stdin if that file already exists.
evaluate(dataset=sys.argv[1], samples=sys.argv[2], parallel=int(sys.argv[3]), min_time_limit=float(sys.argv[4]),
         gt_time_limit_factor=float(sys.argv[5]), i_just_wanna_run=True)
"""


def evalplus_result_path(samples: Path) -> Path:
    """Where evalplus 0.3.1 writes the results of a samples .jsonl (removed first so it never prompts)."""
    out = Path(str(samples).replace(".jsonl", "_eval_results.json"))
    out.unlink(missing_ok=True)
    return out


# --real: the realistic mix and the cold/warm run of both command-line tools
REAL_PER_PROBLEM = 10
KEEP_ALWAYS = {"mbpp_plus": ["Mbpp/255"], "humaneval_plus": []}


def loops(prog: str, entry: str) -> str:
    """A program that never returns on its first test: it runs to its time limit."""
    return prog + f"\n_orig_{entry} = {entry}\ndef {entry}(*a, **k):\n    while True:\n        pass\n"


def real_mix(recs: list[dict], dup: float, seed: int = 13) -> list[dict]:
    """Per problem ``REAL_PER_PROBLEM`` samples (see the module docstring), every one distinct
    (a trailing comment numbers it); then ``round(dup * total)`` of them (not the looping ones),
    chosen with a fixed seed, become an exact copy of another sample of the same problem."""
    import random

    rows = []
    for n, r in enumerate(recs):
        v = variants(r["prompt"] + r["canonical_solution"], r["entry_point"])
        wrong = [v[k] for k in ("off_by_one", "wrong_return", "swapped_op", "crashing") if k in v]
        progs = [("correct", v["canonical"]), ("correct", v["slow_correct"]), ("correct", v["canonical"]), ("correct", v["canonical"])]
        if n % 4 == 0:
            progs.append(("loops", loops(v["canonical"], r["entry_point"])))
        while len(progs) < REAL_PER_PROBLEM:
            progs.append(("wrong", wrong[len(progs) % len(wrong)]))
        for j, (kind, prog) in enumerate(progs):
            rows.append({"task_id": r["task_id"], "solution": f"{prog}\n# sample {j}\n", "kind": kind})
    rng = random.Random(seed)
    n_dup = round(dup * len(rows))
    # the looping samples stay (the same time-outs at every share of duplicates); any other may be a copy
    positions = sorted(rng.sample([i for i, r in enumerate(rows) if r["kind"] != "loops"], n_dup))
    chosen = set(positions)
    for i in positions:
        start = i - i % REAL_PER_PROBLEM  # samples of one problem are consecutive, REAL_PER_PROBLEM each
        sources = [k for k in range(start, start + REAL_PER_PROBLEM) if k not in chosen]
        if sources:
            rows[i] = dict(rows[rng.choice(sources)])
    return [{**row, "sample_index": i} for i, row in enumerate(rows)]


def real(args: argparse.Namespace) -> None:
    """``--real``: both tools, cold then warm, at 25% and 0% duplicates, in one run."""
    work = Path(args.work or tempfile.mkdtemp(prefix="passk-real-"))
    work.mkdir(parents=True, exist_ok=True)
    ds, rel, envvar = FILES[args.bench]
    recs = [json.loads(x) for x in gzip.open(DATA / rel, "rt")]
    if args.limit_tasks:
        keep = {r["task_id"] for r in recs[: args.limit_tasks]} | set(KEEP_ALWAYS[args.bench])
        recs = [r for r in recs if r["task_id"] in keep]
    plain = work / f"{args.bench}.jsonl"  # both tools read this file: evalplus through its override
    plain.write_text("".join(json.dumps(r) + "\n" for r in recs))
    py = sys.executable
    print(f"{args.bench}: {len(recs)} problems, {REAL_PER_PROBLEM} samples each; workers={args.workers}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    summary = []
    for dup in (0.25, 0.0):
        tag = f"dup{round(dup * 100)}"
        rows = real_mix(recs, dup)
        distinct = len({(r["task_id"], r["solution"]) for r in rows})
        samples = work / f"samples_{tag}.jsonl"
        samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
        print(f"-- {round(dup * 100)}% duplicates: {len(rows)} samples, {distinct} distinct programs")
        cache = work / f"passk_cache_{tag}"
        home = work / f"evalplus_home_{tag}"
        home.mkdir(exist_ok=True)
        env_ours = dict(os.environ)
        env_theirs = {**os.environ, envvar: str(plain), "HOME": str(home)}
        env_theirs.pop("XDG_CACHE_HOME", None)
        times: dict[tuple[str, str], float] = {}
        verdicts: dict[str, dict] = {}
        for phase in ("cold", "warm"):
            out = work / f"passk_{tag}_{phase}.jsonl"
            t, m, log = timed([py, "-m", "passk.cli", "verify-code", "--benchmark", args.bench, "--samples", str(samples),
                               "--out", str(out), "--data-file", str(plain), "--workers", str(args.workers),
                               "--groundtruth-cache", str(cache), "--work-dir", str(work / f"passk_work_{tag}")], env_ours)
            times[("passk", phase)] = t
            line = next((x for x in log.splitlines() if "ground truth:" in x), "")
            print(f"passk    {phase}: {t:7.1f}s  {len(rows) / t:6.2f} samples/s  peak RSS {m / 2**20:5.0f} MiB  [{line.split('ground truth: ')[-1][:60]}]")
            verdicts["passk"] = {r["sample_index"]: r["status"] == "correct" for r in map(json.loads, out.read_text().splitlines())}
            res = evalplus_result_path(samples)
            t, m, _ = timed([py, "-c", THEIRS, ds, str(samples), str(args.workers), "4.0", "4.0"], env_theirs)
            times[("evalplus", phase)] = t
            print(f"evalplus {phase}: {t:7.1f}s  {len(rows) / t:6.2f} samples/s  peak RSS {m / 2**20:5.0f} MiB")
            ev = json.load(open(res))["eval"]
            got: dict[tuple[str, str], bool] = {}
            for tid, lst in ev.items():
                for r in lst:
                    got[(tid, r["solution"])] = r["base_status"] == "pass" and r["plus_status"] == "pass"
            verdicts["evalplus"] = {r["sample_index"]: got.get((r["task_id"], r["solution"])) for r in rows}
        agree = sum(1 for i in verdicts["passk"] if verdicts["passk"][i] == verdicts["evalplus"].get(i))
        dis = sorted({rows[i]["task_id"] for i in verdicts["passk"] if verdicts["passk"][i] != verdicts["evalplus"].get(i)})
        print(f"agreement (warm run): {agree}/{len(rows)} = {100 * agree / len(rows):.2f}%; disagreeing problems: {dis[:20]}")
        for phase in ("cold", "warm"):
            ratio = times[("evalplus", phase)] / times[("passk", phase)]
            summary.append((round(dup * 100), phase, times[("passk", phase)], times[("evalplus", phase)], ratio))
        if args.floor:
            gt_path = next(cache.glob("*.jsonl.zst"))
            from passk.benchmarks.evalplus import groundtruth as G

            canon = sum(sum(e["base_time"]) + sum(e["plus_time"]) for e in G.read_groundtruth(gt_path)["tasks"].values())
            floor_out = work / f"floor_{tag}.json"
            probs = next((work / f"passk_work_{tag}").glob("*.problems.jsonl"))
            ours_samples = work / f"floor_samples_{tag}.jsonl"
            # distinct programs only (a verifier may run each once); the bare harness has no clock:
            # a looping program costs at least its first test's limit (>= 4 s)
            once = {(r["task_id"], r["solution"]): r for r in rows}
            ours_samples.write_text("".join(json.dumps(r) + "\n" for r in once.values() if r["kind"] != "loops"))
            timed([py, "-c", FLOOR, str(probs), str(ours_samples), str(gt_path), str(floor_out), str(args.workers), "{}"], env_ours)
            _, busy, own = json.load(open(floor_out))
            n_loops = sum(1 for r in once.values() if r["kind"] == "loops")
            w = args.workers
            ev_w, ev_c = times[("evalplus", "warm")], times[("evalplus", "cold")]
            for name, b in (("fork to exit (encoding and judging included)", busy), ("the programs' own run time", own)):
                b += 4.0 * n_loops
                print(f"floor, {name}: {b:.1f}s for {len(once)} distinct programs ({n_loops} loops at 4 s) / {w} workers = "
                      f"{b / w:.1f}s warm (ceiling {ev_w / (b / w):.2f}x evalplus); cold adds the canonical solutions' "
                      f"{canon:.1f}s: {(b + canon) / w:.1f}s (ceiling {ev_c / ((b + canon) / w):.2f}x)")
    print("summary: duplicates, phase, passk s, evalplus s, speed-up (evalplus time / passk time)")
    for d, phase, a, b, ratio in summary:
        print(f"  {d:3d}%  {phase}  {a:7.1f}  {b:7.1f}  {ratio:5.2f}x")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


def main() -> None:
    if "--bench" in sys.argv and sys.argv[sys.argv.index("--bench") + 1:][:1] == ["livecodebench"]:
        # LiveCodeBench has no evalplus peer: its samples/s come from benchmarks/verify_lcb.py
        # (o1-mini's programs on the 279 problems with public tests, our sandbox vs bare harness).
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import verify_lcb

        rest = [a for i, a in enumerate(sys.argv[1:]) if a != "--bench" and sys.argv[i] != "--bench"]
        sys.argv = [str(Path(verify_lcb.__file__)), *rest]
        raise SystemExit(verify_lcb.main())
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", default="humaneval_plus", choices=[*sorted(FILES), "livecodebench"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--min-time-limit", type=float, default=4.0)
    ap.add_argument("--factor", type=float, default=4.0)
    ap.add_argument("--work", default=None)
    ap.add_argument("--skip-evalplus", action="store_true")
    ap.add_argument("--slow", choices=sorted(SLOW), default="work",
                    help="how the slow-but-correct variant is slow: 'work' (the computation twice) or 'sleep' (2 ms per call)")
    ap.add_argument("--batch-size", type=int, default=None,
                    help="passk's sandbox.batch_size (default: passk's default; 1 = one sandbox per program)")
    ap.add_argument("--also-solo", action="store_true", help="also time passk with batch_size 1 in the same run")
    ap.add_argument("--floor", action="store_true",
                    help="also time the bare harness (fork per program from a process per problem, no sandbox): "
                         "fork to exit, the least a verifier that judges outside the program needs, and the "
                         "programs' own run time, the least any verifier needs")
    ap.add_argument("--exclude", nargs="*", default=[],
                    help="task ids passk does not run (evalplus still gets them: it insists on every task); reported apart")
    ap.add_argument("--real", action="store_true",
                    help="both tools' command lines, cold and warm, on a realistic mix at 25%% and 0%% duplicates (see the docstring)")
    ap.add_argument("--limit-tasks", type=int, default=0, help="--real: the first N problems only (0: all; Mbpp/255 always)")
    args = ap.parse_args()
    if args.real:
        real(args)
        return
    work = Path(args.work or tempfile.mkdtemp(prefix="passk-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ds, rel, envvar = FILES[args.bench]
    samples = work / "samples.jsonl"
    rows = make_samples(args.bench, samples, args.slow)
    py = sys.executable
    env = dict(os.environ)
    # evalplus reads the override as a plain jsonl
    plain = work / f"{args.bench}.jsonl"
    plain.write_bytes(gzip.open(DATA / rel).read())
    env[envvar] = str(plain)
    env["HOME"] = str(work)  # its ground-truth cache goes under $HOME/.cache: keep it out of the real home

    from passk.benchmarks.evalplus import groundtruth as G
    from passk.benchmarks.evalplus import prepare as E
    from passk.io import read_jsonl, write_jsonl

    probs = work / "problems.jsonl"
    gt = work / "gt.jsonl.zst"
    E.prepare(args.bench, {"dataset": args.bench}, str(DATA), probs)
    excl = set(args.exclude)
    if excl:
        write_jsonl(probs, [p for p in read_jsonl(probs) if p["id"] not in excl])
    ours_samples = work / "samples_passk.jsonl"
    ours_samples.write_text("".join(json.dumps({**r, "sample_index": i}) + "\n" for i, r in enumerate(rows) if r["task_id"] not in excl))
    scfg = {"min_time_limit": args.min_time_limit, "time_limit_factor": args.factor}
    if args.batch_size is not None:
        scfg["batch_size"] = args.batch_size
    t0 = time.time()
    if not gt.exists():
        G.compute_groundtruth(probs, gt, {})
    print(f"passk ground truth: {time.time() - t0:.1f}s (excluded)")
    if not args.skip_evalplus:
        # warm evalplus's ground-truth cache with a tiny run (it runs every task's canonical solution)
        one = work / "warm.jsonl"
        seen = {}
        for r in rows:
            seen.setdefault(r["task_id"], r)
        one.write_text("".join(json.dumps({"task_id": t, "solution": r["solution"]}) + "\n" for t, r in seen.items()))
        warm_out = evalplus_result_path(one)
        tw, _, _ = timed([py, "-c", THEIRS, ds, str(one), str(args.workers), str(args.min_time_limit), str(args.factor)], env)
        warm = json.load(open(warm_out))["eval"]
        bad = [(t, r["base_status"], r["plus_status"]) for t, lst in warm.items() for r in lst
               if not (r["base_status"] == "pass" and r["plus_status"] == "pass")]
        print(f"evalplus on the canonical solutions: {len(seen) - len(bad)}/{len(seen)} pass; not passing: {bad}")
        print(f"evalplus warm-up (ground truth + {len(seen)} samples): {tw:.1f}s (excluded)")
    ours_out = work / "ours.json"
    t_ours, m_ours, _ = timed([py, "-c", OURS, str(probs), str(ours_samples), str(gt), str(ours_out), str(args.workers), json.dumps(scfg)], env)
    ours = {i: (s, d) for i, s, d in json.load(open(ours_out))}
    n = len(ours)
    print(f"passk:    {n} samples in {t_ours:.1f}s = {n / t_ours:.2f} samples/s, peak RSS {m_ours / 2**20:.0f} MiB (workers={args.workers}, slow variant: {args.slow})")
    if args.also_solo:
        solo_out = work / "ours_solo.json"
        t_solo, m_solo, _ = timed([py, "-c", OURS, str(probs), str(ours_samples), str(gt), str(solo_out), str(args.workers), json.dumps({**scfg, "batch_size": 1})], env)
        same = sum(1 for i, s, _ in json.load(open(solo_out)) if ours[i][0] == s)
        print(f"passk, one sandbox per program (batch_size 1): {n / t_solo:.2f} samples/s, peak RSS {m_solo / 2**20:.0f} MiB; "
              f"batched/solo {t_solo / t_ours:.2f}x; same status {same}/{n}")
    t_floor = None
    if args.floor:
        floor_out = work / "floor.json"
        t_run, m_floor, _ = timed([py, "-c", FLOOR, str(probs), str(ours_samples), str(gt), str(floor_out), str(args.workers), json.dumps(scfg)], env)
        n_pass, busy, own = json.load(open(floor_out))
        t_floor = busy / args.workers
        print(f"floor (bare harness, fork per program, no sandbox): {n_pass} passed; the programs ran {busy:.1f}s in all "
              f"from fork to exit ({own:.1f}s without encoding and sending their outputs), so no verifier with "
              f"{args.workers} workers needs less than {t_floor:.1f}s ({n / t_floor:.2f} samples/s; {own / args.workers:.1f}s "
              f"for one that judges in the program's process); this unbalanced run took {t_run:.1f}s, peak RSS "
              f"{m_floor / 2**20:.0f} MiB; passk's time / bound {t_ours / t_floor:.2f}x")
    if args.skip_evalplus:
        return
    theirs_out = evalplus_result_path(samples)
    t_th, m_th, _ = timed([py, "-c", THEIRS, ds, str(samples), str(args.workers), str(args.min_time_limit), str(args.factor)], env)
    n_th = len(rows)
    print(f"evalplus: {n_th} samples in {t_th:.1f}s = {n_th / t_th:.2f} samples/s, peak RSS {m_th / 2**20:.0f} MiB (parallel={args.workers})")
    print(f"speed ratio passk/evalplus (samples/s): {(n / t_ours) / (n_th / t_th):.2f}x")
    if t_floor is not None:
        print(f"ceiling on these samples (bound vs evalplus, samples/s): {(n / t_floor) / (n_th / t_th):.2f}x; "
              f"for the programs' own run time {(n / (own / args.workers)) / (n_th / t_th):.2f}x")
    res = json.load(open(theirs_out))["eval"]
    theirs = {}
    for tid, lst in res.items():
        for k, r in enumerate(lst):
            theirs[(tid, r["solution"])] = (r["base_status"] == "pass" and r["plus_status"] == "pass", f"base={r['base_status']},plus={r['plus_status']}")
    agree, dis = 0, []
    for i, r in enumerate(rows):
        t, t_status = theirs.get((r["task_id"], r["solution"]), (None, "missing"))
        if r["task_id"] in excl:
            print(f"  EXCLUDED from passk: {r['task_id']} {r['kind']}: evalplus {t_status}")
            continue
        o = ours[i][0] == "correct"
        if t == o:
            agree += 1
        else:
            dis.append((r["task_id"], r["kind"], f"evalplus {t_status}", f"passk={ours[i][0]}", ours[i][1][:200]))
    print(f"agreement: {agree}/{n} = {100 * agree / n:.2f}%")
    for d in dis:
        print("  DISAGREE", *d)


if __name__ == "__main__":
    main()
