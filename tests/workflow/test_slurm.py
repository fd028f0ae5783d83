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

import pytest
import yaml

from wf_helpers import REPO, snakemake, write_config

pytestmark = pytest.mark.workflow

SLURM_PROFILE = REPO / "profiles" / "slurm"


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
    (no --cores): every sampling and perplexity job asks for the GPU partition and as many GPUs
    as its model's tensor-parallel size."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    jobs = _plan(tmp_path, "--configfile", str(REPO / "config" / "config.yaml"))
    gpu_jobs = [j for j in jobs if j["rule"] in ("sample", "perplexity")]
    assert sum(j["rule"] == "sample" for j in gpu_jobs) == 484 and sum(j["rule"] == "perplexity" for j in gpu_jobs) == 1
    for job in gpu_jobs:
        res = _resources(job["resources"])
        if job["rule"] == "sample":
            model = re.search(r"model=([^,]+)", job["wildcards"]).group(1)
        else:
            model = config["figures"][re.search(r"figure=([^,]+)", job["wildcards"]).group(1)]["models"][0][0]
        tp = (config["models"][model].get("backend_options") or {}).get("tensor_parallel_size", config["backends"]["vllm"]["tensor_parallel_size"])
        assert res.get("gpu") == str(tp), job
        assert res.get("slurm_partition") == "gpu" and res.get("cpus_per_gpu") == "8", job
        assert int(res["runtime"]) > 0 and int(res["mem_mb"]) > 0, job
    assert {_resources(j["resources"])["gpu"] for j in gpu_jobs} == {"1", "2"}  # the 32B models use two
    others = [j for j in jobs if j["rule"] not in ("sample", "perplexity")]
    assert all(int(_resources(j["resources"]).get("gpu", "0")) == 0 for j in others)


def test_smoke_plan_with_the_slurm_profile_needs_no_cores_and_no_gpus(tmp_path: Path) -> None:
    """The README's SLURM command on the smoke config plans without --cores (code_groundtruth's
    threads no longer need a total) and the CPU backend asks for no GPU."""
    jobs = _plan(tmp_path, "--configfile", str(REPO / "config" / "smoke.yaml"))
    assert len(jobs) == 132
    for job in jobs:
        assert int(_resources(job["resources"]).get("gpu", "0")) == 0, job


# --------------------------------------------------------------------------------------------
# A real one-node SLURM cluster on localhost.

NEEDS_SLURM = pytest.mark.skipif(
    os.environ.get("PASSK_TEST_SLURM") != "1" or os.geteuid() != 0,
    reason="a real SLURM cluster: set PASSK_TEST_SLURM=1 and run as root (.ci/run does)",
)
