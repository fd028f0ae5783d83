"""download_model / write_manifest on local fake snapshots (no network: the hub calls are monkeypatched)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import huggingface_hub
import pytest

from passk.errors import ConfigError, DataError
from passk.models.download import download_model, is_commit, write_manifest

COMMIT = "38b8075427d3f7d12075377d1e40495875066189"
FILES = {"config.json": b'{"max_position_embeddings": 4096}', "model.safetensors": b"\x00weights", "sub/tokenizer.json": b"{}"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_hub(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """snapshot_download writes FILES (plus hub metadata) into local_dir; model_info resolves 'main' to COMMIT."""
    calls: list[dict[str, Any]] = []

    def snapshot_download(*, repo_id: str, revision: str, local_dir: str, allow_patterns: Any = None, **kw: Any) -> str:
        calls.append({"repo_id": repo_id, "revision": revision, "local_dir": local_dir, "allow_patterns": allow_patterns})
        if repo_id == "org/missing":
            raise huggingface_hub.errors.RepositoryNotFoundError("404")
        root = Path(local_dir)
        for rel, data in FILES.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        (root / ".cache" / "huggingface").mkdir(parents=True, exist_ok=True)
        (root / ".cache" / "huggingface" / "x.metadata").write_text(revision)
        return str(root)

    class FakeApi:
        def model_info(self, repo_id: str, revision: str | None = None) -> Any:
            calls.append({"model_info": repo_id, "revision": revision})
            return SimpleNamespace(sha=COMMIT)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    return calls


def test_pinned_commit_is_downloaded_without_resolution(tmp_path: Path, fake_hub: list[dict[str, Any]]) -> None:
    manifest = download_model("org/model", COMMIT, str(tmp_path / "m"), allow_patterns=["*.json", "*.safetensors"],
                              manifest_path=str(tmp_path / "manifest.json"))
    assert fake_hub == [{"repo_id": "org/model", "revision": COMMIT, "local_dir": str(tmp_path / "m"),
                         "allow_patterns": ["*.json", "*.safetensors"]}]
    assert manifest["hf_id"] == "org/model" and manifest["revision"] == COMMIT and manifest["resolved_commit"] == COMMIT
    assert manifest["files"] == {rel: _sha(data) for rel, data in sorted(FILES.items())}  # hub metadata excluded
    assert json.loads((tmp_path / "manifest.json").read_text()) == manifest


def test_branch_is_resolved_first_and_that_commit_downloaded(tmp_path: Path, fake_hub: list[dict[str, Any]]) -> None:
    manifest = download_model("org/model", "main", str(tmp_path / "m"))
    assert fake_hub[0] == {"model_info": "org/model", "revision": "main"}
    assert fake_hub[1]["revision"] == COMMIT
    assert manifest["revision"] == "main" and manifest["resolved_commit"] == COMMIT


def test_local_directory_is_used_in_place(tmp_path: Path, fake_hub: list[dict[str, Any]]) -> None:
    model = tmp_path / "tiny"
    model.mkdir()
    (model / "config.json").write_bytes(b"{}")
    before = sorted(p.name for p in model.iterdir())
    manifest = download_model(str(model), "", str(tmp_path / "unused"), manifest_path=str(model / "manifest.json"))
    assert fake_hub == []  # no hub call
    assert manifest["model_dir"] == str(model) and manifest["files"] == {"config.json": _sha(b"{}")}
    assert not (tmp_path / "unused").exists()
    assert sorted(p.name for p in model.iterdir()) == sorted(before + ["manifest.json"])


def test_write_manifest_does_not_list_itself_and_is_stable(tmp_path: Path) -> None:
    model = tmp_path / "m"
    (model / "a").mkdir(parents=True)
    (model / "a" / "w.bin").write_bytes(b"123")
    (model / "config.json").write_bytes(b"{}")
    first = write_manifest(model, model / "MANIFEST.json", hf_id="org/x", revision=COMMIT, resolved_commit=COMMIT)
    bytes1 = (model / "MANIFEST.json").read_bytes()
    second = write_manifest(model, model / "MANIFEST.json", hf_id="org/x", revision=COMMIT, resolved_commit=COMMIT)
    assert first == second and (model / "MANIFEST.json").read_bytes() == bytes1
    assert list(first["files"]) == ["a/w.bin", "config.json"] and first["total_bytes"] == 5


def test_errors_are_user_errors(tmp_path: Path, fake_hub: list[dict[str, Any]]) -> None:
    with pytest.raises(ConfigError, match="revision is not set"):
        download_model("org/model", "", str(tmp_path / "m"))
    with pytest.raises(DataError, match="org/missing@.*download failed"):
        download_model("org/missing", COMMIT, str(tmp_path / "m2"))
    with pytest.raises(DataError, match="not found"):
        write_manifest(tmp_path / "nope", tmp_path / "x.json")
    assert is_commit(COMMIT) and not is_commit("main") and not is_commit(None)
