"""Fault tolerance and determinism of the whole workflow, on a reduced smoke config.

- Two runs from scratch give byte-identical tables (problems, samples, verdicts, pass@k CSVs,
  figure and coverage-table CSVs, the sampling report).
- A run SIGKILLed (the whole process tree, as a power cut or an OOM killer would) during sampling,
  during verification and during aggregation, with a verification job that kills itself halfway
  through its shard in between, is finished by rerunning the same command (after `snakemake
  --unlock`, which Snakemake asks for after any hard kill) and gives the same bytes as an
  uninterrupted run. After each kill, no output that exists is incomplete.

The reduced config (one tiny model trained briefly, two benchmarks of three problems, n = 8 in
two shards) keeps the whole module to a few minutes on two cores.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest
from wf_helpers import REPO, SNAKEMAKE, write_config

pytestmark = pytest.mark.workflow

# The same command for every run: what a user types again after a crash. --rerun-incomplete is the
# default profile's setting (profiles/default), given explicitly since the tests use no profile.
ARGS = ["--cores", "2", "--workflow-profile", "none", "--rerun-incomplete"]
BENCHES = ("aime24", "math500")
SHARDS = 2 * 3  # runs (tiny-base × two benchmarks, tiny-rl × aime24) × two shards
RUNS = 3
TABLE_GLOBS = (
    "problems/*.jsonl",
    "problems/*.manifest.json",
    "samples/**/*.parquet",
    "verdicts/**/*.parquet",
    "passk/**/*.csv",
    "figures/*.csv",
    "tables/*",
    "reports/*.csv",
)


def reduce_config(config: dict) -> None:
    """The smoke config cut down to what exercises every stage once."""
    for name, steps in (("tiny-base", 8), ("tiny-rl", 16)):
        config["models"][name]["tiny"] = {"seed": 1, "train_steps": steps, "train_on": ["aime24"]}
    config["benchmarks"] = {b: {**config["benchmarks"][b], "limit": 3} for b in BENCHES}
    config["figures"] = {
        "fig_ft": {"kind": "passk_curves", "title": "fault tolerance", "benchmarks": list(BENCHES), "models": [["tiny-base"]]},
        "table_ft": {"kind": "coverage_table", "title": "coverage", "benchmarks": ["aime24"], "models": [["tiny-base", "tiny-rl"]]},
    }


def command(workdir: Path, *extra: str) -> list[str]:
    return [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--configfile", str(workdir / "ft.yaml"), *ARGS, *extra]


def start(workdir: Path, env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
    """Start snakemake in its own process group (so it can be killed as a whole), output to a log."""
    log = open(workdir / log_name, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command(workdir), cwd=workdir, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL snakemake, its process group and every descendant (math workers start their own sessions)."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for child in children:
        try:
            child.kill()
        except psutil.NoSuchProcess:
            pass
    proc.wait(timeout=60)
    psutil.wait_procs(children, timeout=30)


def run_to_end(workdir: Path, env: dict[str, str], log_name: str, timeout: float = 1500) -> int:
    proc = start(workdir, env, log_name)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        raise


def kill_when(workdir: Path, env: dict[str, str], log_name: str, ready: Callable[[Path, float], bool], what: str, timeout: float = 1200) -> None:
    """Run the workflow until ``ready(workdir, started)`` holds, then SIGKILL it all; fail if it ended first."""
    started = time.time()
    proc = start(workdir, env, log_name)
    deadline = time.monotonic() + timeout
    try:
        while not ready(workdir, started):
            if proc.poll() is not None:
                raise AssertionError(f"the workflow ended ({proc.returncode}) before {what}:\n" + (workdir / log_name).read_text()[-3000:])
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)
    finally:
        kill_tree(proc)
    assert_no_incomplete_output(workdir)
    unlock(workdir)


def unlock(workdir: Path) -> None:
    subprocess.run(command(workdir, "--unlock"), cwd=workdir, check=True, capture_output=True, timeout=300)


def files(workdir: Path, sub: str) -> list[Path]:
    return sorted((workdir / "results" / sub).glob("**/*.parquet"))


def logs(workdir: Path, rule: str, since: float = 0.0) -> list[Path]:
    """Logs of ``rule``'s jobs written since ``since`` (a job's log is opened when its script starts)."""
    found = []
    for log in sorted((workdir / "logs" / rule).glob("**/*.log")):
        try:
            if log.stat().st_mtime >= since:
                found.append(log)
        except FileNotFoundError:  # removed by Snakemake as the job is rescheduled
            pass
    return found


def running(workdir: Path, rule: str, out: str, since: float) -> bool:
    """Some job of ``rule`` has started since ``since`` (its log is there) whose output is not there yet."""
    for log in logs(workdir, rule, since):
        rel = log.relative_to(workdir / "logs" / rule).with_suffix(".parquet")
        if not (workdir / "results" / out / rel).exists():
            return True
    return False


def assert_no_incomplete_output(workdir: Path) -> None:
    """Every output present after a kill is whole (atomic writes: the rename is the last step)."""
    results = workdir / "results"
    for path in results.glob("**/*.parquet"):
        if not path.name.startswith("."):
            pq.read_table(path)  # raises on a truncated file
    for path in results.glob("passk/**/curve.csv"):
        rows = path.read_text().splitlines()
        assert rows[0].startswith("k,") and len(rows) == 1 + 8, path
    for path in results.glob("**/*.json"):
        if not path.name.startswith("."):
            json.loads(path.read_text())


def tables(workdir: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for pattern in TABLE_GLOBS:
        for path in sorted((workdir / "results").glob(pattern)):
            if path.is_file() and not path.name.startswith("."):
                out[str(path.relative_to(workdir))] = path.read_bytes()
    return out


def provenance_without_environment(workdir: Path) -> dict[str, dict]:
    """The provenance records minus what describes the checkout rather than the run: the environment
    (git commit, dirty flag, versions) and the library's code versions, which move whenever a
    module is edited between two runs (the tables must not, unless the edit changes results)."""
    records = {}
    for path in sorted((workdir / "results" / "passk").glob("**/provenance.json")):
        record = json.loads(path.read_text())
        record.pop("environment")
        record.pop("code_versions")
        records[str(path.relative_to(workdir))] = record
    return records


@pytest.fixture(scope="module")
def env(shared_data: Path) -> dict[str, str]:
    return {"PASSK_DATA_DIR": str(shared_data)}


def fresh(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    workdir = tmp_path_factory.mktemp(name)
    write_config(workdir / "ft.yaml", REPO / "config" / "smoke.yaml", reduce_config)
    return workdir


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """An uninterrupted run."""
    workdir = fresh(tmp_path_factory, "ft-reference")
    assert run_to_end(workdir, env, "run.log") == 0, (workdir / "run.log").read_text()[-5000:]
    return workdir


def test_reference_run_is_complete(reference: Path) -> None:
    found = tables(reference)
    assert len([p for p in found if p.startswith("results/samples/")]) == SHARDS
    assert len([p for p in found if p.endswith("curve.csv")]) == RUNS
    assert "results/figures/fig_ft.csv" in found and "results/tables/table_ft.csv" in found
    assert not list((reference / "results").glob(".cache/verify/**/*.jsonl")), "a verify progress cache was left behind"
    record = json.loads((reference / "results/passk/tiny-base/aime24/default/provenance.json").read_text())
    assert record["samples"]["templates"] == ["qwen-boxed"] and len(record["samples"]["shards"]) == 2
    assert record["environment"]["packages"]["passk"]
    manifest = json.loads((reference / "results/problems/aime24.manifest.json").read_text())
    assert manifest["sources"][0]["sha256"] == manifest["sources"][0]["pinned_sha256"]


def test_two_runs_from_scratch_are_byte_identical(reference: Path, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> None:
    again = fresh(tmp_path_factory, "ft-again")
    assert run_to_end(again, env, "run.log") == 0, (again / "run.log").read_text()[-5000:]
    first, second = tables(reference), tables(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"not byte-identical: {differing}"
    assert provenance_without_environment(reference) == provenance_without_environment(again)


def test_killed_at_every_stage_then_rerun_gives_the_same_bytes(reference: Path, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> None:
    work = fresh(tmp_path_factory, "ft-killed")

    # 1. SIGKILL during sampling: one shard written, another one being sampled.
    kill_when(work, env, "kill-sample.log", lambda w, t: len(files(w, "samples")) >= 1 and running(w, "sample", "samples", t), "sampling")
    assert len(files(work, "samples")) < SHARDS

    # 2. SIGKILL during verification.
    kill_when(work, env, "kill-verify.log", lambda w, t: running(w, "verify", "verdicts", t), "verification")
    assert len(files(work, "verdicts")) < SHARDS

    # 3. A verification job crashes (kills itself) halfway through its shard: samples untouched, progress kept.
    samples_before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in files(work, "samples")}
    crash_env = {**env, "PASSK_FAULT_VERIFY_AFTER": "4", "PASSK_VERIFY_CHECKPOINT_EVERY": "4"}
    assert run_to_end(work, crash_env, "crash-verify.log") != 0
    unlock(work)
    assert_no_incomplete_output(work)
    for path, (mtime, data) in samples_before.items():
        assert path.stat().st_mtime_ns == mtime and path.read_bytes() == data, f"{path} was touched by a crashed verification"
    progress = sorted((work / "results" / ".cache" / "verify").glob("**/*.jsonl"))
    assert progress, "the crashed verification left no progress to resume from"
    for path in progress:
        assert len(path.read_text().splitlines()) == 1 + 4  # header + one checkpoint of one problem's 4 samples

    # 4. SIGKILL during aggregation (a pass_at_k job has started).
    kill_when(work, env, "kill-aggregate.log", lambda w, t: bool(logs(w, "pass_at_k", t)), "aggregation")

    # 5. The same command again finishes the run: the same bytes as the uninterrupted one.
    assert run_to_end(work, env, "final.log") == 0, (work / "final.log").read_text()[-5000:]
    # Snakemake's own output carries each job's stderr, so it keeps the message even when a later
    # run redoes the job and overwrites its log.
    resumed = (work / "kill-aggregate.log").read_text() + (work / "final.log").read_text()
    assert "resuming, 4 of 12 verdicts" in resumed, "no verification resumed from its progress"
    want, got = tables(reference), tables(work)
    assert sorted(want) == sorted(got)
    differing = [name for name in want if want[name] != got[name]]
    assert not differing, f"not byte-identical after kills and reruns: {differing}"
    assert provenance_without_environment(reference) == provenance_without_environment(work)
    assert not list((work / "results").glob(".cache/verify/**/*.jsonl"))
