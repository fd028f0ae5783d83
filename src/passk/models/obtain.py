"""Obtaining a model's weights for the workflow: download, local directory, or tiny random model.

The rule's tracked output is a manifest (written last, atomically) naming the weights directory
and every file's sha256, so a half-finished download never looks complete and a changed file is
noticed. Models given as a local directory are used in place, never copied or deleted.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from passk.errors import DataError
from passk.io import read_jsonl, write_json
from passk.models import download
from passk.models.tiny import build_tiny_model, problem_train_texts
from passk.models.tiny_vision import build_tiny_vision_model

log = logging.getLogger(__name__)


def _training_pairs(problem_files: list[str], template: str) -> list[tuple[str, str]]:
    """(prompt, completion) pairs a tiny model is trained on: its own prompt and the boxed gold answer."""
    problems = [problem for path in problem_files for problem in read_jsonl(path)]
    return problem_train_texts(problems, template=template)


def obtain_model(spec: dict[str, Any], *, out_manifest: str, training_problems: list[str] | None = None) -> dict[str, Any]:
    """Fetch (hf_id + revision), register (path) or build (tiny) a model and write its manifest."""
    root = Path(out_manifest).parent
    if spec.get("hf_id"):
        manifest = download.download_model(spec["hf_id"], spec["revision"], str(root / "snapshot"))
    elif spec.get("path"):
        path = Path(spec["path"]).expanduser()
        if not (path / "config.json").exists():
            raise DataError(f"{path}: not a model directory (no config.json); check the model's `path` in the config")
        manifest = download.build_manifest(path.resolve(), hf_id=None, revision="local", resolved_commit=None)
    else:
        tiny = spec.get("tiny") or {}
        model_dir = root / "snapshot"
        if tiny.get("vision"):  # a tiny Qwen2-VL, trained on the visual problems with their images
            build_tiny_vision_model(
                str(model_dir),
                seed=int(tiny.get("seed", 0)),
                train_problems=[problem for path in training_problems or [] for problem in read_jsonl(path)],
                train_steps=int(tiny.get("train_steps", 0)),
            )
        else:
            train = _training_pairs(training_problems or [], spec.get("template") or "qwen-boxed")
            build_tiny_model(
                str(model_dir),
                seed=int(tiny.get("seed", 0)),
                train_texts=train or None,
                train_steps=int(tiny.get("train_steps", 0)),
                **({"max_train_len": int(tiny["max_train_len"])} if "max_train_len" in tiny else {}),
            )
        manifest = download.build_manifest(model_dir, hf_id=None, revision="tiny", resolved_commit=None)
        manifest["tiny"] = tiny
    inside = Path(manifest["model_dir"]).resolve()
    if inside.is_relative_to(root.resolve()):
        manifest["model_dir"] = str(inside.relative_to(root.resolve()))  # relative to the manifest's folder
    write_json(out_manifest, manifest)
    log.info("model ready in %s (%d files)", manifest.get("model_dir"), len(manifest.get("files", {})))
    return manifest
