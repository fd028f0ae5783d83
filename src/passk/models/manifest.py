"""Model snapshots on disk: where a manifest's weights are, whether they are intact, their context length.

The ``get_model`` rule writes ``resources/models/{weights}/manifest.json`` (every file's sha256,
the hub id, revision and resolved commit). Every job that loads the model first runs
``quick_model_check`` (milliseconds: each listed file present at its recorded total size);
``passk check-models`` re-hashes (``check_model_files``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from passk.errors import DataError
from passk.io import read_json, sha256_file

_CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length", "max_sequence_length")


def model_context_length(model_dir: str) -> int | None:
    """The context length declared in the model's ``config.json`` (also inside ``text_config``), or None."""
    path = Path(model_dir) / "config.json"
    if not path.exists():
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: malformed JSON ({exc.msg})") from None
    for section in (config, config.get("text_config") or {}, config.get("llm_config") or {}):
        for key in _CONTEXT_KEYS:
            value = section.get(key)
            if isinstance(value, int) and value > 0:
                return value
    return None


def _manifest(manifest_path: str | os.PathLike[str]) -> tuple[Path, dict[str, str], dict[str, Any]]:
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or "model_dir" not in manifest or not isinstance(manifest.get("files"), dict):
        raise DataError(f"{manifest_path}: not a model manifest (needs 'model_dir' and 'files'); delete it to fetch the model again")
    return resolve_model_dir(manifest_path, manifest["model_dir"]), manifest["files"], manifest


def resolve_model_dir(manifest_path: str | os.PathLike[str], model_dir: str) -> Path:
    """A manifest's ``model_dir``: absolute for models used in place, else relative to the
    manifest's own folder (so a results tree can be moved or run with --directory)."""
    path = Path(model_dir)
    return path if path.is_absolute() else Path(manifest_path).parent / path


def quick_model_check(manifest_path: str | os.PathLike[str]) -> None:
    """Cheap check before a job loads a model: every listed file exists and the total size matches.

    Catches a deleted or truncated shard of weights in milliseconds; ``check_model_files``
    re-hashes (minutes for 60 GB) and catches edits of the same size.
    """
    root, files, manifest = _manifest(manifest_path)
    total = 0
    for rel in files:
        path = root / rel
        if not path.is_file():
            raise DataError(f"{path}: listed in {manifest_path} but missing; delete the manifest to fetch the model again")
        total += path.stat().st_size
    expected = manifest.get("total_bytes")
    if expected is not None and int(expected) != total:
        raise DataError(f"{root}: files total {total} bytes, {manifest_path} recorded {expected}; a file was truncated "
                        f"or replaced (run `passk check-models {manifest_path}`)")


def check_model_files(manifest_path: str | os.PathLike[str]) -> list[str]:
    """Re-hash a snapshot against its manifest; raise DataError naming the first changed file.

    Returns the relative paths checked. Files present on disk but not in the manifest are
    ignored (hub metadata, a user's notes); listed files missing or with another hash are not.
    """
    root, files, _ = _manifest(manifest_path)
    for rel, expected in files.items():
        path = root / rel
        if not path.is_file():
            raise DataError(f"{path}: listed in {manifest_path} but missing")
        actual = sha256_file(path)
        if actual != expected:
            raise DataError(f"{path}: sha256 {actual} differs from {expected} recorded in {manifest_path}; "
                            "the file changed since download (delete the manifest to fetch the model again)")
    return list(files)


def model_dir_from_manifest(manifest_path: str, *, check: bool = True) -> str:
    """The weights directory a manifest points to; with ``check``, first make sure every listed file
    is still there at its recorded total size (milliseconds; a full re-hash is ``check_model_files``)."""
    try:
        manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
        model_dir = str(resolve_model_dir(manifest_path, manifest["model_dir"]))
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise DataError(f"{manifest_path}: unreadable model manifest ({exc}); delete it to fetch the model again") from None
    if check:
        quick_model_check(manifest_path)
    return model_dir
