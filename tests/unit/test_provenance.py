"""Provenance records: versions, git state (with or without a repository) and a deterministic file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from passk.pipeline import provenance
from passk.records.samples import write_samples

REPO = Path(__file__).resolve().parents[2]


def test_package_versions_from_metadata() -> None:
    versions = provenance.package_versions()
    assert versions["passk"] and versions["numpy"] and versions["pyarrow"] and versions["snakemake"]
    assert provenance.package_versions(["surely-not-installed-xyz"]) == {"surely-not-installed-xyz": None}


def test_git_state_outside_a_repository(tmp_path: Path) -> None:
    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}


def test_git_state_reads_refs_without_git(tmp_path: Path) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    git = tmp_path / "repo" / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{sha} refs/heads/main\n")
    (tmp_path / "repo" / "workflow").mkdir()
    assert provenance.git_state(tmp_path / "repo" / "workflow")["commit"] == sha
    (git / "HEAD").write_text(sha[::-1] + "\n")  # detached HEAD
    assert provenance.git_state(tmp_path / "repo")["commit"] == sha[::-1]


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="not a git checkout")
def test_git_state_of_this_checkout() -> None:
    state = provenance.git_state(REPO / "workflow" / "scripts")
    assert state["commit"] is not None and len(state["commit"]) == 40


def test_run_provenance_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shard = Path("results/samples/m/b/default/shard-0.parquet")
    write_samples(shard, [{"problem_id": "b/0", "sample_index": i, "seed": 11, "text": "x", "model_revision": "abc",
                           "template": "qwen-boxed", "backend": "transformers"} for i in range(3)])
    problems = Path("results/problems/b.jsonl")
    problems.parent.mkdir(parents=True)
    problems.write_text('{"id": "b/0"}\n')
    manifest = Path("resources/models/m/manifest.json")
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"hf_id": "org/m", "revision": "main", "resolved_commit": "c" * 40,
                                    "model_dir": str(tmp_path / "x"), "files": {"a": "1"}}))
    kwargs = dict(run={"model": "m", "benchmark": "b", "setting": "default", "n": 3}, config_slices={"sampling": {"seed": 0}},
                  sample_paths=[str(shard)], input_paths=[str(problems)], model_manifest=str(manifest),
                  code_versions={"verify": "v1"}, workflow_dir=REPO)
    provenance.write_run_provenance("a.json", **kwargs)
    provenance.write_run_provenance("b.json", **kwargs)
    assert Path("a.json").read_bytes() == Path("b.json").read_bytes()
    record = json.loads(Path("a.json").read_text())
    assert record["samples"]["model_revisions"] == ["abc"]
    assert record["samples"]["shards"]["shard-0.parquet"] == {"rows": 3, "seeds": [11], "distinct_seeds": 1}
    assert record["model"]["resolved_commit"] == "c" * 40
    assert set(record["inputs_sha256"]) == {"results/problems/b.jsonl", "results/samples/m/b/default/shard-0.parquet"}
    assert record["environment"]["packages"]["passk"]
    assert str(tmp_path) not in Path("a.json").read_text(), "a scratch path would make the record differ between checkouts"
    assert not any(key in record for key in ("time", "created", "host"))
    os.remove("a.json")
