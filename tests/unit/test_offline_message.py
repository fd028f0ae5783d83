"""Offline with no local data, ``passk verify-code`` (and ``verify-math``) says which file it tried to fetch and how to
point it at a local copy, in one line, instead of ending in a ``urllib.error.URLError`` traceback
(issue 13).

The command runs as a user would start it, in a fresh process with empty download caches and no
$PASSK_DATA_DIR; "offline" is a proxy nobody listens on (evalplus's download, through urllib) and
huggingface_hub's offline switch (LiveCodeBench's hub files), so the test means the same on a
machine that has a network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from passk.benchmarks.evalplus.prepare import DATASETS

CASES = [
    ("humaneval_plus", "HumanEval/0", "https://github.com/evalplus/humanevalplus_release/releases/download/v0.1.10/HumanEvalPlus.jsonl.gz",
     "humaneval_plus/HumanEvalPlus-v0.1.10.jsonl.gz"),
    ("mbpp_plus", "Mbpp/2", "https://github.com/evalplus/mbppplus_release/releases/download/v0.2.0/MbppPlus.jsonl.gz",
     "mbpp_plus/MbppPlus-v0.2.0.jsonl.gz"),
    ("livecodebench", "abc387_a", "hf://datasets/livecodebench/code_generation_lite/test.jsonl", "livecodebench/"),
]


def _offline_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PASSK_DATA_DIR", "HUMANEVAL_OVERRIDE_PATH", "MBPP_OVERRIDE_PATH")}
    nowhere = "http://127.0.0.1:9"  # the discard port: every connection is refused
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1",
               http_proxy=nowhere, https_proxy=nowhere, HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere, no_proxy="", NO_PROXY="")
    return env


@pytest.mark.parametrize(("benchmark", "task", "fetched", "local"), CASES, ids=[c[0] for c in CASES])
def test_verify_code_offline_names_the_file_and_the_local_options(tmp_path: Path, benchmark: str, task: str,
                                                                   fetched: str, local: str) -> None:
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"task_id": task, "solution": "print(1)"}) + "\n")
    proc = subprocess.run([sys.executable, "-m", "passk.cli", "verify-code", "--benchmark", benchmark, "--samples", str(samples),
                           "--out", str(tmp_path / "out.jsonl"), "--work-dir", str(tmp_path / "work")],
                          capture_output=True, text=True, env=_offline_env(tmp_path), timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "URLError" not in proc.stderr
    [message] = [line for line in proc.stderr.splitlines() if line.startswith("passk: error:")]
    assert fetched in message, message
    for hint in (local, "PASSK_DATA_DIR", "--data-dir", "--data-file"):
        assert hint in message, (hint, message)
    assert not (tmp_path / "out.jsonl").exists()


def test_the_local_file_named_is_where_passk_reads_it() -> None:
    """The message's local path is the one ``--data-dir`` reads (``source_path``)."""
    for name, (_, _, _, local) in zip(("humaneval_plus", "mbpp_plus"), CASES):
        ds = DATASETS[name]
        assert local == f"{ds['dir']}/{ds['file'].format(version=ds['version'])}"


def test_verify_math_offline_names_the_file_and_the_local_copy(tmp_path: Path) -> None:
    samples = tmp_path / "samples.jsonl"
    samples.write_text(json.dumps({"problem_id": "0", "text": "\\boxed{1}"}) + "\n")
    env = {**_offline_env(tmp_path), "PASSK_CACHE_DIR": str(tmp_path / "passk-cache")}
    proc = subprocess.run([sys.executable, "-m", "passk.cli", "verify-math", "--benchmark", "math500", "--samples", str(samples),
                           "--out", str(tmp_path / "out.jsonl")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    [message] = [line for line in proc.stderr.splitlines() if line.startswith("passk: error:")]
    for hint in ("https://raw.githubusercontent.com/", "math500/test.jsonl", "math/math500/test.jsonl", "PASSK_DATA_DIR", "--data-dir"):
        assert hint in message, (hint, message)
