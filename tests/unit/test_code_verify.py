"""Unit tests of code extraction, the harness's comparison and encoding, verdict judging, the
backend factory and the verify-code command (the command test needs bwrap and the data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from passk.benchmarks.evalplus import harness as H
from passk.benchmarks.evalplus import prepare as E
from passk.benchmarks.evalplus.execute import judge, run_harness
from passk.benchmarks.evalplus.extract import extract_program
from passk.errors import ConfigError, DataError, VerifierError
from passk.sandbox.backends import get_sandbox
from passk.sandbox.base import RunResult
from passk.sandbox.settings import SandboxSettings

REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("PASSK_DATA_DIR", REPO.parent / "shared" / "data"))


def test_extract_after_fig25_prefill():
    text = "\ndef add(a, b):\n    return a + b\n```\n\nThis adds.\n```python\nprint(add(1,2))\n```"
    assert extract_program(text, "add").strip() == "def add(a, b):\n    return a + b"


def test_extract_markdown_fences_and_plain_code():
    fenced = "Sure!\n```python\nimport math\ndef f(x):\n    return math.sqrt(x)\n```\nDone."
    assert "def f(x)" in extract_program(fenced, "f") and "import math" in extract_program(fenced, "f")
    plain = "def f(x):\n    return x + 1\n"
    assert "return x + 1" in extract_program(plain, "f", fence="")


def test_encode_roundtrip():
    x = [1, 2.5, float("inf"), (1, "a"), {1, 2}, frozenset([3]), {(1, 2): [None, True]}, 3 + 4j, b"\xff", 10**30]
    assert H.decode(json.loads(json.dumps(H.encode(x)))) == x



def test_huge_int_encoding_is_linear_and_reads_old_files():
    x = 18 * 10**1000
    enc = H.encode(x)
    assert enc["$int"].startswith("0x") and H.decode(enc) == x and H.decode(H.encode(-x)) == -x
    assert H.decode({"$int": str(-x)}) == -x  # decimal, as ground-truth files written before the change


def test_harness_task_via_stdin_beyond_file_limits(tmp_path):
    """A task bigger than max_file_bytes and the scratch tmpfs (HumanEval/15's is 147 MB) still runs."""
    from passk.sandbox.bwrap import BwrapSandbox

    if not BwrapSandbox.available()[0]:
        pytest.skip("bwrap unavailable")
    settings = SandboxSettings.from_config({"max_file_bytes": 1 << 20, "scratch_mb": 1})
    big = "x" * (3 << 20)
    payload = dict(mode="check", dataset="humaneval", entry_point="f", atol=0, inputs=[[len(big)]], expected=[big],
                   time_limits=[10.0], exec_limit=10.0, labels=["base[0]"], nonce="n1", plus_start=1)
    res, lines = run_harness(get_sandbox("bwrap"), settings, "def f(n):\n    return 'x' * n\n", payload, wall=60)
    assert judge(res, lines, "n1", 1, 1) == ("correct", "", True)


def test_atol_resets_between_base_and_plus():
    """evalplus checks base and plus in separate calls: the forced 1e-6 of base does not carry into plus."""
    c = H.Checker("humaneval", "f", 0)
    assert c.check(0.1 + 0.2, 0.3, []) is True and c.atol == 1e-6
    c.atol = 0  # what the harness does at plus_start
    assert c.check([1, 2.0000001], [1, 2], []) is False

@pytest.mark.parametrize(
    "out,exp,atol,ok",
    [
        (1, 1.0, 0, True),
        (True, 1, 0, True),
        ([1, 2], (1, 2), 0, False),
        (0.1 + 0.2, 0.3, 0, True),  # atol forced to 1e-6 for float outputs
        (0.31, 0.3, 0, False),
        ([1.0, 2.0000001], [1.0, 2.0], 0, True),
    ],
)
def test_checker_evalplus_semantics(out, exp, atol, ok):
    assert H.Checker("humaneval", "f", atol).check(out, exp, []) is ok


def test_checker_rejects_rigged_eq():
    class E:
        def __eq__(self, other):
            return True

    with pytest.raises(TypeError):
        H.Checker("humaneval", "f", 0).check(E(), 1, [])


def test_checker_special_oracles():
    assert H.Checker("mbpp", "similar_elements", 0).check([2, 1], [1, 2], [])
    assert H.Checker("mbpp", "check_str", 0).check(object(), True, [])
    assert H.Checker("humaneval", "find_zero", 1e-6).check(1.0, 999.0, [[-1, 1]])


def _res(**kw):
    base = dict(exit_code=0, signal=None, stdout=b"", stderr=b"", timed_out=False, output_truncated=False, memory_exceeded=False, wall_seconds=0.1)
    base.update(kw)
    return RunResult(**base)


def test_judge_needs_positive_proof():
    assert judge(_res(), [], "n", 3, 2)[0] == "runtime_error"  # exit 0, no report
    assert judge(_res(), [{"done": "other", "n": 3}], "n", 3, 2)[0] == "runtime_error"
    assert judge(_res(), [{"done": "n", "n": 2}], "n", 3, 2)[0] == "runtime_error"
    assert judge(_res(), [{"done": "n", "n": 3}], "n", 3, 2)[0] == "correct"
    assert judge(_res(timed_out=True, exit_code=None), [], "n", 3, 2)[0] == "timeout"
    with pytest.raises(VerifierError, match="bwrap: boom"):  # a sandbox fault is no verdict, even beside a report
        judge(_res(error="bwrap: boom"), [{"done": "n", "n": 3}], "n", 3, 2)
    assert judge(_res(), [{"t": 4, "s": "fail", "d": "x"}], "n", 9, 2) == ("wrong", "x", True)  # failed in plus: base passed
    assert judge(_res(), [{"t": 1, "s": "fail", "d": "x"}], "n", 9, 2) == ("wrong", "x", False)
    assert judge(_res(), [{"t": -1, "s": "error", "d": "x"}], "n", 9, 2) == ("runtime_error", "x", False)  # module-level code failed
    assert judge(_res(timed_out=True, exit_code=None), [], "n", 3, 2).base_passed is None  # killed: how far it got is unknown


def test_unknown_backend_and_keys():
    with pytest.raises(ConfigError, match="sandbox.backend"):
        get_sandbox("chroot")
    with pytest.raises(ConfigError, match="config key sandbox: unknown keys"):
        SandboxSettings.from_config({"memory": 1})


def test_site_packages_as_a_string_or_a_list():
    """The schema accepts one path or a list; a string must not become a tuple of characters."""
    assert SandboxSettings.from_config({"site_packages": "/opt/site"}).site_packages == ("/opt/site",)
    assert SandboxSettings.from_config({"site_packages": ["/a", "/b"]}).site_packages == ("/a", "/b")
    assert SandboxSettings.from_config({}).site_packages is None
    with pytest.raises(ConfigError, match="sandbox.site_packages"):
        SandboxSettings.from_config({"site_packages": [1]})


def test_sandbox_defaults_are_the_schemas():
    """One set of defaults: the settings' come from passk/schema.yaml, and a run's limits from the settings."""
    from passk.schema import section_defaults

    settings = SandboxSettings.from_config({})
    assert settings.as_config() == {**section_defaults("sandbox"), "site_packages": None}
    assert settings.memory_mb == 4096 and settings.limits(5.0).memory_mb == 4096


def test_unavailable_backend_is_config_error(monkeypatch):
    from passk.sandbox.docker import DockerSandbox

    monkeypatch.setattr(DockerSandbox, "available", classmethod(lambda cls: (False, "no daemon")))
    with pytest.raises(ConfigError, match="sandbox.backend.*docker.*no daemon"):
        get_sandbox("docker")


@pytest.mark.skipif(not (DATA / "humaneval_plus").is_dir(), reason=f"benchmark data not found at {DATA} (set PASSK_DATA_DIR)")
def test_prepare_humaneval_plus(tmp_path):
    from passk.io import read_jsonl

    n = E.prepare("humaneval_plus", {"family": "evalplus", "dataset": "humaneval_plus", "limit": 3}, str(DATA), tmp_path / "p.jsonl")
    recs = read_jsonl(tmp_path / "p.jsonl")
    assert n == 3 and recs[0]["id"] == "HumanEval/0" and recs[0]["tests"]["entry_point"] == "has_close_elements"
    assert recs[0]["question"].startswith("from typing import List")
    with pytest.raises(DataError):
        E.prepare("humaneval_plus", {"dataset": "humaneval_plus", "file": str(tmp_path / "nope.jsonl.gz")}, None, tmp_path / "q.jsonl")


@pytest.mark.skipif(not (DATA / "mbpp_plus").is_dir(), reason=f"benchmark data not found at {DATA} (set PASSK_DATA_DIR)")
def test_verify_code_command(tmp_path):
    from passk.cli import main
    from passk.sandbox.bwrap import BwrapSandbox

    if not BwrapSandbox.available()[0]:
        pytest.skip("bwrap unavailable")
    recs, _ = E.load_raw("mbpp_plus", {"dataset": "mbpp_plus"}, str(DATA))
    first = recs[0]
    samples = tmp_path / "s.jsonl"
    lines = [
        {"task_id": first["task_id"], "solution": first["prompt"] + "\n" + first["canonical_solution"], "model": "m"},
        {"task_id": first["task_id"], "solution": "import sys\nsys.exit(0)\n", "sample_index": 7},
    ]
    samples.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "v.jsonl"
    # Only the first problem is needed: a one-line data file keeps the ground truth quick.
    import gzip

    one = tmp_path / "one.jsonl.gz"
    with gzip.open(one, "wt") as fh:
        fh.write(json.dumps(first) + "\n")
    rc = main(["verify-code", "--benchmark", "mbpp_plus", "--samples", str(samples), "--out", str(out), "--data-file", str(one), "--work-dir", str(tmp_path / "w"), "--workers", "2"])
    assert rc == 0
    got = [json.loads(x) for x in out.read_text().splitlines()]
    assert [g["sample_index"] for g in got] == [1, 7]
    assert got[0]["model"] == "m" and got[0]["task_id"] == first["task_id"]
    assert got[0]["status"] == "correct", got[0]
    assert got[1]["status"] == "runtime_error" and not got[1]["correct"]
