"""The SLURM profile: its plan for the paper grid (every GPU job asks for its GPUs), and a real run of
the smoke workflow on a one-node SLURM cluster on localhost whose pass@k tables equal a local run's.

The real run installs Debian's slurm-wlm and munge and starts slurmctld/slurmd as root, so it runs
only when asked: PASSK_TEST_SLURM=1 (``.ci/run`` sets it). It uses the README's SLURM command,
without ``--sdm conda`` (conda environments cannot be built offline), with the profile scaled
down to the node by :func:`test_profile` and nothing else changed.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from wf_helpers import REPO, snakemake, write_config

pytestmark = pytest.mark.workflow

SLURM_PROFILE = REPO / "profiles" / "slurm"
GPU_RULES = {"sample", "sample_block", "perplexity", "match_temperature"}  # the rules whose jobs start an engine on GPUs


def _plan(workdir: Path, *args: str) -> list[dict[str, str]]:
    """The jobs of a dry run with the SLURM profile: rule, wildcards and resources of each."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "-n", "--workflow-profile", str(SLURM_PROFILE), *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", proc.stdout + proc.stderr):
        m = re.match(r"(?:local)?rule (\w+):", block)
        if not m:
            continue
        res = re.search(r"^\s+resources: (.+)$", block, flags=re.M)
        wc = re.search(r"^\s+wildcards: (.+)$", block, flags=re.M)
        jobs.append({"rule": m.group(1), "wildcards": wc.group(1) if wc else "", "resources": res.group(1) if res else ""})
    return jobs


def _resources(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(", ") if "=" in item)


def test_slurm_plan_of_the_paper_grid_gives_every_gpu_job_its_gpus(tmp_path: Path) -> None:
    """`snakemake -n --workflow-profile profiles/slurm` on config.yaml, as written in the README
    (no --cores): every sampling (sample, sample_block) and perplexity job asks for the GPU
    partition and as many GPUs as its model's tensor-parallel size; no other job asks for a GPU."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    jobs = _plan(tmp_path, "--configfile", str(REPO / "config" / "config.yaml"))
    gpu_jobs = [j for j in jobs if j["rule"] in GPU_RULES]
    assert {j["rule"] for j in gpu_jobs} == GPU_RULES and sum(j["rule"] == "perplexity" for j in gpu_jobs) == 1
    for job in gpu_jobs:
        res = _resources(job["resources"])
        if job["rule"] != "perplexity":
            model = re.search(r"model=([^,]+)", job["wildcards"]).group(1)
        else:
            model = config["figures"][re.search(r"figure=([^,]+)", job["wildcards"]).group(1)]["models"][0][0]
        tp = (config["models"][model].get("backend_options") or {}).get("tensor_parallel_size", config["backends"]["vllm"]["tensor_parallel_size"])
        assert res.get("gpu") == str(tp), job
        assert res.get("slurm_partition") == "gpu" and res.get("cpus_per_gpu") == "8", job
        assert int(res["runtime"]) > 0 and int(res["mem_mb"]) > 0, job
    assert {_resources(j["resources"])["gpu"] for j in gpu_jobs} == {"1", "2"}  # the 32B models use two
    others = [j for j in jobs if j["rule"] not in GPU_RULES]
    assert all(int(_resources(j["resources"]).get("gpu", "0")) == 0 for j in others)


def test_smoke_plan_with_the_slurm_profile_needs_no_cores_and_no_gpus(tmp_path: Path) -> None:
    """The README's SLURM command on the smoke config plans without --cores (code_groundtruth's
    threads no longer need a total) and the CPU backend asks for no GPU."""
    jobs = _plan(tmp_path, "--configfile", str(REPO / "config" / "smoke.yaml"))
    assert len(jobs) == 334
    for job in jobs:
        assert int(_resources(job["resources"]).get("gpu", "0")) == 0, job


# --------------------------------------------------------------------------------------------
# A real one-node SLURM cluster on localhost.

SLOTS_PER_CPU = 4
# What goes through sbatch (every other job stays on the submit host: `localrule: True`): sampling,
# verification, ground truth, perplexity and Fig 17's temperature search. (verify_checker and
# review_judge are cluster rules too; the profile's plan test covers them.) Each sbatch job starts
# snakemake again inside the job (about 10 CPU s on these two cores, more than the job's own work),
# so the run is kept to one job of each kind per run: one benchmark for Fig 4, one shard per run
# (shard_size = n) and a shorter-trained "rl" model (its samples differ, the path through SLURM
# does not). 40 sbatch jobs took 9 of this test's 12.7 min in CI; 17 remain.
CLUSTER_RULES = {"sample", "verify", "code_groundtruth", "perplexity", "match_temperature"}
# The smoke config's figures that between them need every rule of CLUSTER_RULES.
SLURM_FIGURES = {
    "fig4_code": ["humaneval_plus"],         # sample, verify, code_groundtruth
    "fig6_perplexity": None,                 # perplexity
    "fig17_entropy_matched": None,           # match_temperature
}
SLURM_RL_TRAIN_STEPS = 80


def slurm_config(path: Path) -> Path:
    """The smoke config with only SLURM_FIGURES (a benchmark list given there replaces the figure's),
    one shard per run, and tiny-rl trained for SLURM_RL_TRAIN_STEPS."""
    def keep(config: dict[str, Any]) -> None:
        config["figures"] = {name: spec for name, spec in config["figures"].items() if name in SLURM_FIGURES}
        for name, benches in SLURM_FIGURES.items():
            if benches is not None:
                config["figures"][name]["benchmarks"] = benches
        for bench in config["benchmarks"].values():
            bench["shard_size"] = int(bench["n"])
        config["models"]["tiny-rl"]["tiny"]["train_steps"] = SLURM_RL_TRAIN_STEPS

    return write_config(path, REPO / "config" / "smoke.yaml", keep)


NEEDS_SLURM = pytest.mark.skipif(
    os.environ.get("PASSK_TEST_SLURM") != "1" or os.geteuid() != 0,
    reason="a real SLURM cluster: set PASSK_TEST_SLURM=1 and run as root (.ci/run does)",
)


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def _install_slurm() -> None:
    """Debian's slurm-wlm and munge (slurmctld, slurmd, sbatch, squeue, munged), if missing."""
    if all(shutil.which(t) for t in ("slurmctld", "slurmd", "sbatch", "squeue", "munged")):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "slurm-wlm", "munge"]):
        proc = _run(cmd, env=env, timeout=900)
        if proc.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def _node_memory_mb() -> int:
    """Memory of this machine as slurmd reports it (RealMemory)."""
    out = _run(["slurmd", "-C"], timeout=60).stdout
    return int(re.search(r"RealMemory=(\d+)", out).group(1))


SLURM_CONF = """\
ClusterName=passk-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={d_port}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={root}/munge/munge.socket
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SlurmdParameters=config_overrides
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem} State=UNKNOWN
PartitionName=cpu Nodes={host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={host} MaxTime=INFINITE State=UP
"""


class OneNodeCluster:
    """slurmctld, slurmd and munged for this machine alone, with their state, logs and munge key in
    their own directory and their own ports. Only the daemons started here are stopped."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host = socket.gethostname().split(".")[0]
        # The node offers SLOTS_PER_CPU job slots per real CPU (SlurmdParameters=config_overrides,
        # meant for tests): the smoke jobs are seconds long, so most of their time is SLURM's and
        # the plugin's latency (job start, status checks), which overlapping jobs hide.
        self.cpus = SLOTS_PER_CPU * (os.cpu_count() or 1)
        self.mem = _node_memory_mb()
        # Job steps (srun inside each job) drop every SLURM_* variable but a few ids (the jobstep
        # plugin's sanitising), SLURM_CONF included, so the config must be at Debian's default
        # path; any file already there is put back by stop().
        self.conf = Path("/etc/slurm/slurm.conf")
        self.saved_conf = self.conf.read_bytes() if self.conf.exists() else None
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Any] = []
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self.states: list[tuple[float, str]] = []

    def start(self) -> None:
        for d in ("munge", "state", "spool"):
            (self.root / d).mkdir(mode=0o700, parents=True, exist_ok=True)
        key = self.root / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.conf.parent.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(SLURM_CONF.format(host=self.host, root=self.root, cpus=self.cpus, mem=self.mem, ctld_port=16817, d_port=16818))
        m = self.root / "munge"
        self._spawn(["munged", "-F", "--force", f"--socket={m}/munge.socket", f"--key-file={key}", f"--pid-file={m}/munged.pid",
                     f"--log-file={m}/munged.log", f"--seed-file={m}/munged.seed"])
        self._wait(lambda: (m / "munge.socket").exists(), "munged")
        self._spawn(["slurmctld", "-D", "-i", "-f", str(self.conf)])
        self._wait(lambda: _run(["scontrol", "ping"], env=self.env, timeout=30).stdout.count("UP") > 0, "slurmctld")
        self._spawn(["slurmd", "-D", "-f", str(self.conf), "-N", self.host])
        self._wait(self._node_up, "slurmd (node idle)")

    def _node_up(self) -> bool:
        states = set(_run(["sinfo", "-h", "-N", "-o", "%T"], env=self.env, timeout=30).stdout.split())  # one line per partition
        self.states.append((round(time.monotonic(), 1), ",".join(sorted(states))))
        return states == {"idle"}

    def _spawn(self, cmd: list[str]) -> None:
        log = open(self.root / f"{Path(cmd[0]).name}.out", "wb")  # noqa: SIM115 - closed by stop()
        self.logs.append(log)
        self.procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.env))

    def _wait(self, ready, what: str, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(p.poll() is not None for p in self.procs):
                break
            try:
                if ready():
                    return
            except (OSError, subprocess.SubprocessError):
                pass
            time.sleep(0.5)
        logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(self.root.glob("*.out")) + sorted(self.root.glob("*.log")))
        raise AssertionError(f"{what} did not come up (node states seen: {self.states[-5:]})\n{logs}")

    def stop(self) -> None:
        _run(["scancel", "--user", "root"], env=self.env, timeout=60)
        for proc in reversed(self.procs):  # slurmd, slurmctld, munged
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=30)
        for log in self.logs:
            log.close()
        if self.saved_conf is None:
            self.conf.unlink(missing_ok=True)
        else:
            self.conf.write_bytes(self.saved_conf)


def scaled_profile(dest: Path, cluster: OneNodeCluster) -> Path:
    """profiles/slurm scaled down to the one-node cluster, plus what a test cluster needs (squeue
    status queries: no slurmdbd; no accounts; a short wait before the first status check).
    Partitions keep their names (the test cluster has `cpu` and `gpu`)."""
    profile = yaml.safe_load((SLURM_PROFILE / "config.yaml").read_text())
    node_mem = (cluster.mem - 1024) // cluster.cpus  # a job per slot side by side, 1 GB left to the daemons

    def scale(res: dict) -> dict:
        out = dict(res)
        if "mem_mb" in out:
            out["mem_mb"] = min(int(out["mem_mb"]), node_mem)
        for key in ("cpus_per_task", "cpus_per_gpu"):
            if key in out:
                out[key] = min(int(out[key]), cluster.cpus)
        return out

    profile["default-resources"] = scale(profile["default-resources"])
    profile["set-resources"] = {rule: scale(res) for rule, res in profile["set-resources"].items()}
    if cluster.cpus < 4:
        profile["set-threads"] = {"code_groundtruth": cluster.cpus}  # its 4 threads, at most the node's CPUs
    profile.update({"slurm-status-command": "squeue", "slurm-init-seconds-before-status-checks": 1, "slurm-no-account": True})
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return dest


@NEEDS_SLURM
def test_smoke_workflow_on_a_one_node_slurm_cluster_matches_a_local_run(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> None:
    t0 = time.monotonic()
    _install_slurm()
    t_install = time.monotonic() - t0
    root = tmp_path_factory.mktemp("slurm")
    cluster = OneNodeCluster(root / "cluster")
    try:
        cluster.start()
        t1 = time.monotonic()
        workdir = root / "run"
        workdir.mkdir()
        config = slurm_config(workdir / "smoke.yaml")
        planned = {job["rule"] for job in _plan(workdir, "--configfile", str(config))}
        assert CLUSTER_RULES <= planned, planned
        profile = scaled_profile(root / "profile", cluster)
        # The README's SLURM command (without --sdm conda), the smoke config, the scaled profile.
        cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
               "--workflow-profile", str(profile), "--configfile", str(config)]
        env = {**cluster.env, "PASSK_DATA_DIR": str(shared_data)}
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env, timeout=3600)
        t_slurm = time.monotonic() - t1
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out[-6000:] + "\n" + (root / "cluster" / "slurmctld.log").read_text(errors="replace")[-3000:]
        submitted = len(re.findall(r"Job \d+ has been submitted with SLURM jobid", out))
        local_rules = set(re.findall(r"^localrule (\w+):", out, flags=re.M))
        cluster_jobs = re.findall(r"^rule (\w+):", out, flags=re.M)
        assert set(cluster_jobs) == CLUSTER_RULES and submitted == len(cluster_jobs), (submitted, sorted(set(cluster_jobs)))
        assert local_rules == planned - CLUSTER_RULES, local_rules
    finally:
        cluster.stop()
    t2 = time.monotonic()
    local = root / "local"
    local.mkdir()
    snakemake(local, config=slurm_config(local / "smoke.yaml"), env={"PASSK_DATA_DIR": str(shared_data)})
    t_local = time.monotonic() - t2
    tables = sorted(str(p.relative_to(local)) for p in [*local.glob("results/passk/**/*.csv"), *local.glob("results/checkers/**/*.csv")])
    runs = {t.rsplit("/", 1)[0] for t in tables}
    assert len(runs) >= 6 and len(tables) == 2 * len(runs) and all(t.endswith(("curve.csv", "problems.csv")) for t in tables)
    different = [t for t in tables if (local / t).read_bytes() != (workdir / t).read_bytes()]
    assert not different, different
    print(f"\nSLURM smoke test: install {t_install:.0f} s, SLURM run {t_slurm:.0f} s ({submitted} sbatch jobs), local run {t_local:.0f} s")
