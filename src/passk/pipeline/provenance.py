"""Provenance of a result: what produced it, recorded beside it.

A pass@k curve is only as reproducible as the record of what made it: the model revision and
template, the decoding settings and seeds, the package versions and the workflow's commit. The
``pass_at_k`` rule writes ``results/passk/{model}/{bench}/{setting}/provenance.json`` with all of
it, plus the sha256 of every input file, so a number in a figure can be traced back to the exact
samples and verdicts behind it.

The file is deterministic: no timestamps, no host names, no absolute paths of the scratch
directory — two runs of the same config in the same environment and checkout write the same
bytes. What legitimately varies (package versions, the git commit, whether the tree was dirty)
lives only here, never in the byte-compared tables (``curve.csv``, ``problems.csv``, figure CSVs).

Versions are read from installed distribution metadata, not by importing the packages: importing
torch or vLLM to read ``__version__`` would cost seconds per job and can fail on a CPU node.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from passk.io import read_json, sha256_file, sha256_text, write_json

# Distributions whose version can change a number in a table (sampling, checking, counting, plotting).
PACKAGES: tuple[str, ...] = (
    "passk",
    "torch",
    "transformers",
    "tokenizers",
    "vllm",
    "math-verify",
    "latex2sympy2_extended",
    "sympy",
    "evalplus",
    "snakemake",
    "numpy",
    "pyarrow",
    "pandas",
    "matplotlib",
    "huggingface_hub",
)

PROVENANCE_VERSION = 1


def package_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """``{distribution: version}``; ``None`` for one that is not installed (e.g. vLLM on a CPU box)."""
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _git_dir(start: Path) -> Path | None:
    """The ``.git`` directory governing ``start`` (following a worktree's ``gitdir:`` file), or None."""
    for folder in [start, *start.parents]:
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text.split(":", 1)[1].strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def _read_ref(git_dir: Path, ref: str) -> str | None:
    """Resolve a ref such as ``refs/heads/main`` from loose refs or packed-refs (no git binary needed)."""
    common = git_dir
    commondir = git_dir / "commondir"
    if commondir.is_file():  # a linked worktree keeps its branches in the main repository
        common = (git_dir / commondir.read_text(encoding="utf-8").strip()).resolve()
    for base in (git_dir, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None


def git_state(path: str | os.PathLike[str]) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the checkout containing ``path``.

    Reads ``.git`` directly so it works without a git binary, in a worktree, or outside any
    repository (commit None: an unpacked release tarball). ``dirty`` needs git; it is asked with
    ``--no-optional-locks`` so recording provenance never writes to the repository's index.
    """
    start = Path(path).resolve()
    git_dir = _git_dir(start if start.is_dir() else start.parent)
    if git_dir is None:
        return {"commit": None, "dirty": None}
    head_file = git_dir / "HEAD"
    try:
        head = head_file.read_text(encoding="utf-8").strip()
    except OSError:
        return {"commit": None, "dirty": None}
    commit = _read_ref(git_dir, head[5:].strip()) if head.startswith("ref:") else head
    dirty: bool | None = None
    try:
        proc = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=git_dir.parent if git_dir.name == ".git" else start,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if proc.returncode == 0:
            dirty = bool(proc.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return {"commit": commit, "dirty": dirty}


def environment(workflow_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Package versions, interpreter and platform, and the workflow checkout's git state."""
    env: dict[str, Any] = {
        "packages": package_versions(),
        "python": platform.python_version(),
        "platform": f"{platform.system()}-{platform.machine()}",
    }
    if workflow_dir is not None:
        env["workflow"] = git_state(workflow_dir)
    return env


def environment_line(workflow_dir: str | os.PathLike[str] | None = None) -> str:
    """One log line with the environment (every job's log starts with it; see ``run_rule``)."""
    return "provenance " + json.dumps(environment(workflow_dir), sort_keys=True)


def _seeds_of_samples(sample_paths: list[str]) -> dict[str, Any]:
    """What the sample shards themselves say: model revision, template, backend, the new-token
    limit (``max_tokens``, ``fit`` resolved) and seeds per shard.

    Read from the shards rather than recomputed, so the record describes the samples that exist
    (a shard sampled under an older config would show up here with its own values).
    """
    shards: dict[str, Any] = {}
    revisions: set[str] = set()
    templates: set[str] = set()
    backends: set[str] = set()
    max_tokens: set[int] = set()
    for path in sample_paths:
        wanted = ["seed", "model_revision", "template", "backend", "max_tokens"]
        try:
            names = pq.read_schema(path).names
            table = pq.read_table(path, columns=[c for c in wanted if c in names])
        except (OSError, ValueError):
            continue
        cols = {name: table.column(name).to_pylist() for name in table.column_names}
        seeds = sorted({int(s) for s in cols.get("seed", []) if s is not None})
        shards[Path(path).name] = {"rows": table.num_rows, "seeds": seeds[:8], "distinct_seeds": len(seeds)}
        revisions.update(str(v) for v in cols.get("model_revision", []) if v is not None)
        templates.update(str(v) for v in cols.get("template", []) if v is not None)
        backends.update(str(v) for v in cols.get("backend", []) if v is not None)
        max_tokens.update(int(v) for v in cols.get("max_tokens", []) if v is not None)
    return {
        "model_revisions": sorted(revisions),
        "templates": sorted(templates),
        "backends": sorted(backends),
        "max_tokens": sorted(max_tokens),
        "shards": shards,
    }


def tests_of_verdicts(verdict_paths: Iterable[str]) -> str:
    """Which tests decided a run's verdicts (``full``, ``public``, ``base+plus``; several joined by
    ``;``; empty for math): the verdict files' ``tests`` column."""
    values: set[str] = set()
    for path in verdict_paths:
        try:
            if "tests" not in pq.read_schema(path).names:
                continue
            values.update(str(v) for v in pq.read_table(path, columns=["tests"]).column("tests").to_pylist() if v)
        except (OSError, ValueError):
            continue
    return ";".join(sorted(values))


def file_hashes(paths: Iterable[str], root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """``{path (relative to root when inside it): sha256}`` of the given files, sorted."""
    out: dict[str, str] = {}
    base = Path(root).resolve() if root is not None else None
    for path in paths:
        p = Path(path)
        key = str(path)
        if base is not None:
            try:
                key = p.resolve().relative_to(base).as_posix()
            except ValueError:
                pass
        out[key] = sha256_file(p)
    return dict(sorted(out.items()))


def run_provenance(
    *,
    run: dict[str, Any],
    config_slices: dict[str, Any],
    sample_paths: list[str],
    input_paths: list[str],
    model_manifest: str | None = None,
    code_versions: dict[str, str] | None = None,
    workflow_dir: str | os.PathLike[str] | None = None,
    verdict_paths: list[str] | None = None,
) -> dict[str, Any]:
    """The provenance record of one (model, benchmark, setting) run; see the module docstring.

    ``tests`` says which tests decided the run's verdicts (from ``verdict_paths``): ``public`` marks
    a LiveCodeBench run graded without its private tests.
    """
    record: dict[str, Any] = {
        "provenance_version": PROVENANCE_VERSION,
        "run": dict(run),
        "config": config_slices,
        "samples": _seeds_of_samples(sample_paths),
        "tests": tests_of_verdicts(verdict_paths or []),
        "inputs_sha256": file_hashes([*input_paths, *sample_paths], root=os.getcwd()),
        "code_versions": dict(sorted((code_versions or {}).items())),
        "environment": environment(workflow_dir),
    }
    if model_manifest is not None:
        manifest = read_json(model_manifest)
        record["model"] = {
            "hf_id": manifest.get("hf_id") if not manifest.get("tiny") else None,
            "revision": manifest.get("revision"),
            "resolved_commit": manifest.get("resolved_commit"),
            "files": len(manifest.get("files") or {}),
            # A hash of the file hashes, not of the manifest: the manifest also names the folder,
            # which differs between checkouts holding the same weights.
            "files_sha256": sha256_text(json.dumps(manifest.get("files") or {}, sort_keys=True)),
        }
    return record


def write_run_provenance(out_path: str | os.PathLike[str], **kwargs: Any) -> dict[str, Any]:
    """Build ``run_provenance(**kwargs)`` and write it atomically as sorted JSON."""
    record = run_provenance(**kwargs)
    write_json(out_path, record)
    return record


def workflow_dir_of(snakemake: Any) -> str | None:
    """The workflow checkout of a running rule script (``workflow/scripts`` → the repository)."""
    scriptdir = getattr(snakemake, "scriptdir", None)
    if not scriptdir:
        return None
    return str(Path(scriptdir).resolve().parents[1])


if __name__ == "__main__":  # pragma: no cover - a quick look at the environment
    print(environment_line(sys.argv[1] if len(sys.argv) > 1 else "."))
