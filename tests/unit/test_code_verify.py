"""Unit tests of code extraction, the harness's comparison and encoding, verdict judging, the
backend factory and the verify-code command (the command test needs bwrap and the data)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from passk.benchmarks.evalplus import execute as C
from passk.benchmarks.evalplus import prepare as E
from passk.benchmarks.evalplus.extract import extract_program
from passk.benchmarks.evalplus.judge import CheckJudge, Checker
from passk.errors import ConfigError, DataError
from passk.sandbox import wire
from passk.sandbox.backends import get_sandbox
from passk.sandbox.session import Ended
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
    assert wire.decode(json.loads(wire.dumps(wire.encode(x)))) == x


@pytest.mark.parametrize("t", [
    ("Red", "Green", "Red"), (1, 2.5, None, True, "x"), (10**20, -3), (2**53 + 1, 1.0), (10**400, 1), (float("nan"), 1),
    (float("inf"),), ((1, 2), [3]), (), (b"\x00", 1 + 2j), (1, {"a": 1}),
    tuple(i / 7 for i in range(77)), tuple(range(40)) + (0.5,), tuple([0.5] * 20 + [float("nan")]),
])
def test_tuples_roundtrip_flat_or_not(t: tuple) -> None:
    """Flat tuples travel as lists at C speed (Mbpp/255 sends 80,000 per test); every tuple still
    reads back as the same tuple, with big ints, non-finite floats and nested values kept."""
    got = wire.decode(wire.decode_line(wire.dumps({"o": wire.encode(t)}).encode(), 1 << 20)["o"])
    assert type(got) is tuple and repr(got) == repr(t)


class _Box:
    """Not plain data: what ``convert`` (the harness's ``plain``) turns into plain data."""

    def __init__(self, v):
        self.v = v


def _unbox(x, depth=0):
    if isinstance(x, _Box):
        return x.v
    raise TypeError("not plain")


@pytest.mark.parametrize("value", [
    7, "x", None, [1, 2.5], (1, "a"), {"k": [1, (2, 3)]},
    [("Red", "Green")] * 5000,  # Mbpp/255's shape, streamed as $tuples
    [(1, 2.5, None, True, "x"), (), (10**20,)] * 3000, [("a", "b")] * 7,  # $tuples, streamed and whole
    [("a", 1)] * 5000, [(0.5,) * 16] * 5000, [(1, float("inf"))] * 5000, [(10**400, "a")] * 5000, [((1,),)] * 5000,  # $tuples, then a tag per tuple
    tuple(("a", i) for i in range(9000)),  # a long tuple of non-scalars, streamed
    [("a", float("inf")), (1, [2, {3}])] * 3000 + [[0.5] * 20],  # mixed elements, streamed
    [[0.5] * 20] * 5000,  # elements that are packed doubles
    [0.5] * 10000, list(range(10000)), ["s"] * 10000,  # flat or packed: one piece
    [_Box((1, 2))] * 5000 + [(3, 4)], _Box([(1, 2)] * 5000),  # converted, in a chunk or whole
])
@pytest.mark.parametrize("extra", [{"s": 0.125}, {"k": 1}])
def test_message_pieces_are_the_message_in_pieces(value, extra) -> None:
    """Whatever plain value, the pieces join into exactly the line that encoding it whole gives, so
    ground truths and the judge's byte match do not depend on how a line was written; a converted
    value reads back as the plain one (its line may differ: a list of converted tuples is not
    written as ``$tuples``, and the judge then compares values, not bytes)."""
    converted = isinstance(value, _Box) or (type(value) is list and any(isinstance(v, _Box) for v in value))
    plain = _unbox(value) if isinstance(value, _Box) else [_unbox(v) if isinstance(v, _Box) else v for v in value] if type(value) is list else value
    line = "".join(wire.message_pieces("o", value, extra, _unbox))
    if not converted:
        assert line == wire.dumps({"o": wire.encode(plain), **extra})
    assert wire.decode(wire.decode_line(line.encode(), 1 << 30)["o"]) == plain


def test_message_pieces_encode_a_long_list_a_chunk_at_a_time() -> None:
    """A writer that stops after the first pieces (the fork server at its line cap) has paid for
    those pieces only: the elements after them are never encoded; what neither ``encode`` nor
    ``convert`` takes raises when its chunk is reached, after the pieces before it."""
    seen = []

    def convert(x, depth=0):
        seen.append(x)
        return _unbox(x)

    value = [("a", "b")] * (3 * wire.STREAM_CHUNK) + [_Box(1)] + [object()]
    pieces = wire.message_pieces("o", value, {"k": 0}, convert)
    head = [next(pieces), next(pieces)]
    assert head[0] == '{"o":[' and head[1].startswith('{"$tuple":["a","b"]}') and seen == []
    with pytest.raises(TypeError):
        list(pieces)
    assert len(seen) == 2 and seen[0].v == 1  # the box converted, then the object refused


def test_a_list_of_flat_tuples_is_written_whole_a_chunk_at_a_time() -> None:
    """Mbpp/255's outputs (a list of tuples of strings) are written by json at C speed, a chunk per
    piece, without a tag per tuple; a list with any other element falls back to a tag per tuple."""
    value = [("a", "b")] * (3 * wire.STREAM_CHUNK)
    pieces = wire.message_pieces("o", value, {"k": 0})
    assert next(pieces) == '{"o":{"$tuples":[' and next(pieces).startswith('["a","b"],["a","b"]')
    assert wire.encode([(1, None)]) == {"$tuples": [[1, None]]}
    assert wire.encode([(1, None), [2]]) == [{"$tuple": [1, None]}, [2]]
    assert wire.encode([(1, float("nan"))]) == [{"$tuple": [1, {"$float": "nan"}]}]
    assert wire.encode([(0.5, 1)]) == {"$tuples": [[0.5, 1]]}
    assert wire.encode([(0.5,) * 16])[0]["$tuple"] == {"$f64": wire.encode([0.5] * 16)["$f64"]}  # packed, not text
    assert wire.encode([(10**400, 1)]) == [{"$tuple": [{"$int": hex(10**400)}, 1]}]
    assert wire.encode(((1, None),)) == {"$tuple": [{"$tuple": [1, None]}]}  # an outer tuple keeps its tags
    assert wire.decode({"$tuples": [[1, "a"], []]}) == [(1, "a"), ()]


def test_huge_int_encoding_is_linear_and_reads_old_files():
    x = 18 * 10**1000
    enc = wire.encode(x)
    assert enc["$int"].startswith("0x") and wire.decode(enc) == x and wire.decode(wire.encode(-x)) == -x
    assert wire.decode({"$int": str(-x)}) == -x  # decimal, as ground-truth files written before the change


@pytest.mark.parametrize(
    "line",
    [
        b"[" * 5000 + b"]" * 5000,  # deep nesting: RecursionError inside json must not escape
        b'{"o": ' + b"[" * 100 + b"]" * 100 + b"}",  # decodes as JSON, too deep for a value
        b'{"o": {"$int": "zz"}}',
        b'{"o": {"$dict": [[[1], 2]]}}',  # unhashable key
        b'{"o": {"$set": [[]]}}',
        b'{"o": {"t": 0, "s": []}}',  # the old harness's report shape
        b'{"o": {"$nope": 1}}',
        b'{"o": {"$tuple": {"$set": [1]}}}',  # a tuple's payload is a list or packed numbers
        b'{"o": {"$tuple": {"$f64": "AAA"}}}',
        b'{"o": {"$tuples": []}}',  # $tuples holds what _rows lets through: flat rows, at least one
        b'{"o": {"$tuples": [[1], [[2]]]}}',
        b'{"o": {"$tuples": [[1], 2]}}',
        b'{"o": {"$tuples": [[{"$int": "0x1"}]]}}',
        b'{"o": {"$tuples": [[NaN]]}}',
        b'{"o": {"$tuples": [["a", Infinity]]}}',
        b'{"o": {"$tuples": [[1%s]]}}' % (b"0" * 400),  # beyond a double: encode writes $int
        b'{"o": {"$tuples": "ab"}}',
        b"\xff\xfe",
        b'"just a string"',
        b"x" * 70000,
    ],
)
def test_the_judge_reads_any_line_as_at_worst_a_wrong_output(line):
    """Bounded parsing: whatever a program sends, its verdict is its own non-pass, never a crash."""
    judge = CheckJudge("humaneval", "f", 0, [[1]], [1], ["base[0]"], 1, 65536)
    assert judge.line(0, {"r": 1}, None) is False
    try:
        message, error = wire.decode_line(line, 65536), None
    except wire.WireError as exc:
        message, error = None, str(exc)
    try:
        stop = judge.line(1, message, error)
    except wire.WireError as exc:  # what the session's guard turns into the program's own wrong verdict
        judge.unjudgeable(1, str(exc))
        stop = True
    assert stop is True
    assert judge.end(Ended(2, "judge", None, 9, 0.1, False)).status == "wrong"


def test_atol_resets_between_base_and_plus():
    """evalplus checks base and plus in separate calls: the forced 1e-6 of base does not carry into plus."""
    judge = CheckJudge("humaneval", "f", 0, [[], []], [0.3, [1, 2]], ["base[0]", "plus[0]"], 1, 1 << 20)
    judge.line(0, {"r": 1}, None)
    assert judge.line(1, {"o": 0.1 + 0.2, "k": 0}, None) is False and judge.checker.atol == 1e-6
    assert judge.line(2, {"o": [1, 2.0000001], "k": 0}, None) is True  # atol is 0 again in plus


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
    assert Checker("humaneval", "f", atol).check(out, exp, []) is ok


def test_checker_foreign_types_fail_allclose():
    """evalplus's ``type(out) == type(exp)``: a numpy float is not a float, even when close."""
    assert Checker("humaneval", "f", 1e-6).check(0.3000000001, 0.3, [], foreign_type=False) is True
    assert Checker("humaneval", "f", 1e-6).check(0.3000000001, 0.3, [], foreign_type=True) is False


def test_checker_special_oracles():
    assert Checker("mbpp", "similar_elements", 0).check([2, 1], [1, 2], [])
    assert Checker("mbpp", "check_str", 0).check(True, True, [])
    assert Checker("humaneval", "find_zero", 1e-6).check(1.0, 999.0, [[-1, 1]])


def _ended(**kw):
    base = dict(lines=0, killed=None, exit=0, signal=None, secs=0.1, oom=False)
    base.update(kw)
    return Ended(**base)


def test_outcomes_come_from_the_judge_and_the_servers_evidence():
    def judge():
        return CheckJudge("humaneval", "f", 0, [[1], [2], [3]], [1, 2, 3], ["base[0]", "base[1]", "plus[0]"], 2, 1 << 20)

    j = judge()
    assert j.end(_ended(exit=0)).status == "runtime_error"  # exit 0 with nothing sent
    j = judge()
    j.line(0, {"r": 1}, None)
    for k, v in enumerate([1, 2, 3], 1):
        assert j.line(k, {"o": v, "k": 0}, None) is False
    assert j.end(_ended(lines=4)) == ("correct", "", True)
    j = judge()
    j.line(0, {"r": 1}, None)
    j.line(1, {"o": 1, "k": 0}, None)
    j.line(2, {"o": 2, "k": 0}, None)
    assert j.end(_ended(lines=3, killed="timeout", exit=None, signal=9)) == ("timeout", "plus[0]: exceeded its time limit", True)
    j = judge()
    j.line(0, {"r": 1}, None)
    assert j.line(1, {"o": 5, "k": 0}, None) is True
    assert j.end(_ended(lines=2, killed="judge")).base_passed is False
    j = judge()
    assert j.line(0, {"x": "SystemExit", "d": "SystemExit: 0"}, None) is True
    assert j.end(_ended(lines=1)) == ("runtime_error", "loading the program: SystemExit: 0", False)
    j = judge()
    j.line(0, {"r": 1}, None)
    assert j.end(_ended(lines=1, oom=True, exit=None, signal=9)).status == "memory"


def test_task_bigger_than_file_limits_still_runs():
    """Inputs go through the server's stdin, outputs come back on a pipe: no file or tmpfs limit applies."""
    from passk.sandbox.bwrap import BwrapSandbox

    if not BwrapSandbox.available()[0]:
        pytest.skip("bwrap unavailable")
    settings = SandboxSettings.from_config({"max_file_bytes": 1 << 20, "scratch_mb": 1, "min_time_limit": 10.0})
    big = "x" * (3 << 20)
    problem = {"id": "T/0", "question": "", "tests": {"dataset": "humaneval", "entry_point": "f", "atol": 0,
                                                     "base_input": [[len(big)]], "plus_input": []}}
    plan = C.TaskPlan(problem, {"base": [big], "plus": [], "base_time": [0.0], "plus_time": []}, settings)
    assert C.run_programs(get_sandbox("bwrap"), settings, [(plan, "def f(n):\n    return 'x' * n\n")]) == [("correct", "", True)]
    # the same with the output as recorded (ground truths carry it): the judge recognises it by its bytes
    plan = C.TaskPlan(problem, {"base": [big], "plus": [], "raw": [big], "base_time": [0.0], "plus_time": []}, settings)
    programs = [(plan, "def f(n):\n    return 'x' * n\n"), (plan, "def f(n):\n    return 'x' * (n - 1) + 'y'\n")]
    got = C.run_programs(get_sandbox("bwrap"), settings, programs)
    assert got[0] == ("correct", "", True) and got[1].status == "wrong"


def test_identical_output_is_accepted_by_its_bytes_alone() -> None:
    """A line that is byte for byte the line of the expected output is a pass without parsing it
    (whatever its size); any other line is judged as usual, and so is an expected output with a NaN
    (equal encodings, unequal values for evalplus) and a task whose oracle is not equality."""
    settings = SandboxSettings.from_config({})
    big = "x" * 100_000
    problem = {"id": "T/0", "question": "", "tests": {"dataset": "humaneval", "entry_point": "f", "atol": 0,
                                                     "base_input": [[1]], "plus_input": [[2], [3], [4]]}}
    gt = {"base": [big], "plus": [big, 2.5, [1.0, math.nan]], "base_time": [0.0], "plus_time": [0.0, 0.0, 0.0]}
    plan = C.TaskPlan(problem, gt, settings)
    judge = plan.judge()
    assert not judge.accepts_bytes(1, wire.dumps({"o": big, "k": 0}).encode())  # not before the program's start
    assert judge.line(0, {"r": 1}, None) is False
    assert judge.accepts_bytes(1, wire.dumps({"o": big, "k": 0}).encode())
    same_size = wire.dumps({"o": "y" * 100_000, "k": 0}).encode()
    assert not judge.accepts_bytes(2, same_size)
    assert not judge.accepts_bytes(2, wire.dumps({"o": big, "k": 1}).encode())  # a foreign type: compared, not matched
    assert not judge.accepts_bytes(2, wire.dumps({"o": big, "k": 0}).encode() + b" ")
    assert judge.accepts_bytes(2, wire.dumps({"o": big, "k": 0}).encode())
    assert judge.checker.atol == 0
    assert judge.accepts_bytes(3, wire.dumps({"o": 2.5, "k": 0}).encode())  # short lines too
    assert judge.checker.atol == 1e-6  # evalplus's bookkeeping: a float expected output forces atol
    nan_line = wire.dumps({"o": wire.encode([1.0, math.nan]), "k": 0}).encode()
    assert not judge.accepts_bytes(4, nan_line)  # a NaN is never equal: judged as a value, and it fails
    assert judge.line(4, json.loads(nan_line), None) is True and judge.outcome.status == "wrong"
    assert judge.passed == 3
    # expected outputs are decoded only when a program's output differs from them
    assert set(plan.expected._values) == {3}
    fresh = plan.judge()
    fresh.line(0, {"r": 1}, None)
    assert fresh.line(1, json.loads(same_size), None) is True and fresh.outcome.status == "wrong"
    assert set(plan.expected._values) == {0, 3}
    # a task whose oracle is not equality is always compared as values
    special = {"id": "T/1", "question": "", "tests": {"dataset": "humaneval", "entry_point": "find_zero", "atol": 1e-6,
                                                     "base_input": [[[1, 2]]], "plus_input": []}}
    sj = C.TaskPlan(special, {"base": [-0.5], "plus": [], "base_time": [0.0], "plus_time": []}, settings).judge()
    sj.line(0, {"r": 1}, None)
    assert not sj.accepts_bytes(1, wire.dumps({"o": -0.5, "k": 0}).encode())


def test_has_nan_finds_a_nan_anywhere() -> None:
    from passk.benchmarks.evalplus.judge import has_nan

    for x in (math.nan, [1.0] * 20 + [math.nan], (1, (2, math.nan)), {"a": math.nan}, {math.nan: 1}, complex(0, math.nan),
              [10**400, math.nan], {frozenset({math.nan})}):
        assert has_nan(x), x
    for x in (1.0, [1.0] * 20, [1, 2.5], (1, "nan"), {"nan": 1.0}, [10**400, 1.0], "nan", None, [], set(), b"nan"):
        assert not has_nan(x), x


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
    rc = main(["verify-code", "--benchmark", "mbpp_plus", "--samples", str(samples), "--out", str(out), "--data-file", str(one), "--work-dir", str(tmp_path / "w"), "--workers", "2",
               "--groundtruth-cache", str(tmp_path / "cache")])
    assert rc == 0
    got = [json.loads(x) for x in out.read_text().splitlines()]
    assert [g["sample_index"] for g in got] == [1, 7]
    assert got[0]["model"] == "m" and got[0]["task_id"] == first["task_id"]
    assert got[0]["status"] == "correct", got[0]
    assert got[1]["status"] == "runtime_error" and not got[1]["correct"]


def test_a_huge_expected_output_gets_time_to_be_sent() -> None:
    """A test's limit is evalplus's (max(floor, factor x canonical time)) plus factor x the time
    sending an output of the expected size may take: Mbpp/255's 42 MB outputs took the harness 4 s
    to make plain, encode and relay on a loaded machine, past the 4 s floor, and timed out correct
    programs. Small outputs get no noticeable allowance."""
    settings = SandboxSettings.from_config({"min_time_limit": 4.0, "time_limit_factor": 4.0})
    problem = {"id": "T/0", "question": "", "tests": {"dataset": "mbpp", "entry_point": "f", "atol": 0,
                                                     "base_input": [[1], [2]], "plus_input": []}}
    gt = {"base": ["x", "y"], "plus": [], "base_time": [0.2, 2.0], "plus_time": [], "out_bytes": [42_000_000, 3]}
    limits = C.TaskPlan(problem, gt, settings).limits["tests"]
    assert limits[0] == pytest.approx(4.0 + 4 * 42_000_000 * C.SEND_SECONDS_PER_BYTE) and limits[0] > 20
    assert limits[1] == pytest.approx(8.0, abs=1e-5)
