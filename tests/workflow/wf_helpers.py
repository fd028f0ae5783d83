"""Running the workflow from tests: in a scratch directory, with the repository's Snakefile."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def snakemake(workdir: Path, *args: str, config: Path | None = None, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run snakemake on the repository's Snakefile with ``workdir`` as the working directory."""
    cmd = [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "2", "--workflow-profile", "none"]
    if config is not None:
        cmd += ["--configfile", str(config)]
    cmd += list(args)
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=1800)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def planned_jobs(workdir: Path, config: Path, *targets: str) -> dict[str, int]:
    """Jobs a dry run would execute, by rule (the 'Job stats' table); empty when nothing is to be done."""
    proc = snakemake(workdir, "-n", *targets, config=config)
    return planned_jobs_from(proc.stdout + proc.stderr)


def planned_jobs_from(text: str) -> dict[str, int]:
    """The 'Job stats' table of a dry run's output, by rule."""
    if "Nothing to be done" in text:
        return {}
    stats = text.split("Job stats:", 1)[1]
    jobs = {}
    for line in stats.splitlines()[3:]:
        m = re.match(r"^(\S+)\s+(\d+)$", line.strip())
        if not m:
            break
        if m.group(1) != "total":
            jobs[m.group(1)] = int(m.group(2))
    return jobs


def planned_outputs(workdir: Path, config: Path, *targets: str) -> list[str]:
    """Output files of the jobs a dry run would execute."""
    proc = snakemake(workdir, "-n", *targets, config=config)
    return planned_outputs_from(proc.stdout + proc.stderr)


def planned_outputs_from(text: str) -> list[str]:
    """Output files of the jobs in a dry run's output."""
    return [o for line in re.findall(r"^\s+output: (.+)$", text, flags=re.M) for o in line.split(", ")]


def write_config(path: Path, base: Path, edit: Any = None) -> Path:
    """Write a copy of the config ``base`` to ``path``, changed by ``edit(config)``."""
    config = yaml.safe_load(base.read_text())
    if edit is not None:
        edit(config)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def snapshot(root: Path, pattern: str = "**/*") -> dict[str, tuple[int, bytes]]:
    """(mtime_ns, bytes) of every file under ``root`` matching ``pattern``."""
    return {str(p.relative_to(root)): (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(root.glob(pattern)) if p.is_file()}
