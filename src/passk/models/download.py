"""Download a model snapshot pinned at a revision, and record what was downloaded.

Why: scores move with model revisions (DAPO-Qwen-32B was updated after the paper; the authors
used revision 38b8075...), and the paper's own script deleted the model folder after loading it
(PAPER.md §2 (d)). So we (1) resolve a branch or tag to its commit *before* downloading and then
download that exact commit, so the manifest cannot name a commit other than the files'; (2) never
delete or modify model folders; (3) write a manifest ``{hf_id, revision, resolved_commit, files:
{path: sha256}}`` that the workflow keeps beside the results (peers.md §18.7).

A model given as a local directory (``hf_id`` is an existing folder, e.g. the tiny smoke-test
models) is used in place: no copy, no network; its manifest records the folder's hashes.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from passk.errors import ConfigError, DataError
from passk.io import sha256_file, write_json

_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# huggingface_hub keeps download metadata under local_dir/.cache/huggingface; not model files.
_EXCLUDED_DIRS = {".cache", ".git"}


def is_commit(revision: str | None) -> bool:
    """Whether ``revision`` is a full 40-hex commit id (already pinned, nothing to resolve)."""
    return bool(revision) and bool(_COMMIT.match(str(revision)))


def hash_files(model_dir: str | os.PathLike[str], *, exclude: set[str] | None = None) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every file under ``model_dir`` (sorted; hub metadata
    folders and the names in ``exclude`` skipped)."""
    root = Path(model_dir)
    if not root.is_dir():
        raise DataError(f"{root}: model directory not found")
    exclude = exclude or set()
    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _EXCLUDED_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel in exclude:
                continue
            files[rel] = sha256_file(path)
    return dict(sorted(files.items()))


def build_manifest(model_dir: str | os.PathLike[str], *, hf_id: str | None, revision: str | None, resolved_commit: str | None, exclude: set[str] | None = None) -> dict[str, Any]:
    """The manifest dict of a model folder (hashes every file, which takes minutes for 60 GB)."""
    files = hash_files(model_dir, exclude=exclude)
    return {
        "hf_id": hf_id,
        "revision": revision,
        "resolved_commit": resolved_commit,
        "model_dir": str(Path(model_dir)),
        "files": files,
        "total_bytes": sum((Path(model_dir) / rel).stat().st_size for rel in files),
    }


def write_manifest(
    model_dir: str | os.PathLike[str],
    out_json: str | os.PathLike[str],
    *,
    hf_id: str | None = None,
    revision: str | None = None,
    resolved_commit: str | None = None,
) -> dict[str, Any]:
    """Hash ``model_dir`` and atomically write its manifest to ``out_json``; returns the manifest.

    Without ``hf_id`` the folder is described as a local model (``hf_id`` = its path). If the
    manifest is written inside ``model_dir`` it is left out of its own file list.
    """
    root = Path(model_dir)
    manifest = build_manifest(
        root, hf_id=hf_id if hf_id is not None else str(root), revision=revision, resolved_commit=resolved_commit,
        exclude=_inside(root, out_json),
    )
    write_json(out_json, manifest)
    return manifest


def _inside(root: str | os.PathLike[str], path: str | os.PathLike[str] | None) -> set[str]:
    """``{path relative to root}`` if ``path`` lies inside ``root`` (a manifest must not list itself)."""
    if path is None:
        return set()
    try:
        return {Path(path).resolve().relative_to(Path(root).resolve()).as_posix()}
    except ValueError:
        return set()


def resolve_revision(hf_id: str, revision: str) -> str:
    """The commit a branch/tag ``revision`` points at now (network); a commit id is returned as is."""
    if is_commit(revision):
        return revision
    import huggingface_hub

    try:
        info = huggingface_hub.HfApi().model_info(hf_id, revision=revision)
    except Exception as exc:  # noqa: BLE001 - hub errors are many types; all mean "cannot resolve"
        raise DataError(f"{hf_id}@{revision}: cannot resolve the revision to a commit ({type(exc).__name__}: {exc})") from None
    if not getattr(info, "sha", None):
        raise DataError(f"{hf_id}@{revision}: the hub returned no commit for this revision")
    return str(info.sha)


def download_model(
    hf_id: str,
    revision: str,
    local_dir: str,
    *,
    allow_patterns: list[str] | str | None = None,
    manifest_path: str | None = None,
) -> dict[str, Any]:
    """Fetch ``hf_id`` at ``revision`` into ``local_dir`` and return its manifest (also written to
    ``manifest_path`` if given). ``manifest["model_dir"]`` is where the model is.

    If ``hf_id`` is an existing directory it is used as is (``local_dir`` is ignored, nothing is
    copied or fetched). Otherwise ``revision`` must be set; a branch or tag is resolved to a commit
    first and that commit is downloaded with ``huggingface_hub.snapshot_download``, which skips
    files already present in ``local_dir`` (so reruns are cheap and resumable).
    """
    if Path(hf_id).is_dir():
        manifest = build_manifest(hf_id, hf_id=hf_id, revision=revision or "local", resolved_commit=None, exclude=_inside(hf_id, manifest_path))
    else:
        if not revision:
            raise ConfigError(f"model {hf_id!r}: revision is not set; pin a commit (or at least a branch) for reproducibility")
        commit = resolve_revision(hf_id, revision)
        import huggingface_hub

        try:
            path = huggingface_hub.snapshot_download(repo_id=hf_id, revision=commit, local_dir=local_dir, allow_patterns=allow_patterns)
        except Exception as exc:  # noqa: BLE001 - network, auth, missing repo: all reported the same way
            raise DataError(f"{hf_id}@{commit}: download failed ({type(exc).__name__}: {exc})") from None
        manifest = build_manifest(path, hf_id=hf_id, revision=revision, resolved_commit=commit, exclude=_inside(path, manifest_path))
    if manifest_path:
        write_json(manifest_path, manifest)
    return manifest
