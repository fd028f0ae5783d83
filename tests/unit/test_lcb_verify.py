"""LiveCodeBench execution semantics: stdin and call-based problems, fast I/O, wrong answers, timeouts, forgery.

Most tests run the harness through ``LocalSandbox`` (a plain subprocess: fast, trusted programs
only); ``test_bwrap_end_to_end`` runs a few through the real bubblewrap backend.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_lcb_helpers import LocalSandbox, bwrap_or_skip

from passk.benchmarks.livecodebench.judge import compare_stdout
from passk.benchmarks.livecodebench.verify import verify as verify_lcb
from passk.errors import DataError
from passk.verify.family import VerifyContext

STDIN = {
    "id": "abc001_a",
    "question": "Print a+b.",
    "tests": {"inputs": ["1 2\n", "10 20\n", "3 4"], "outputs": ["3\n", "30\n", "7"], "fn_name": None},
    "metadata": {"starter_code": ""},
}
MULTILINE = {
    "id": "abc002_b",
    "question": "N then N numbers; print each doubled.",
    "tests": {"inputs": ["3\n1\n2\n3\n", "1\n7\n"], "outputs": ["2\n4\n6\n", "14\n"], "fn_name": None},
    "metadata": {"starter_code": ""},
}
STARTER = "class Solution:\n    def addAll(self, nums: List[int], k: int) -> List[int]:\n        "
CALL = {
    "id": "3001",
    "question": "Add k to every element.",
    "tests": {"inputs": ["[1, 2, 3]\n1", "[]\n5"], "outputs": ["[2, 3, 4]", "[]"], "fn_name": "addAll"},
    "metadata": {"starter_code": STARTER},
}
PROBLEMS = {p["id"]: p for p in (STDIN, MULTILINE, CALL)}
FAST = {"timeout": 2}


class CountingSandbox(LocalSandbox):
    """Counts the sandboxes it starts."""

    def __init__(self) -> None:
        super().__init__()
        self.runs = 0

    def spawn(self, argv, *, files, limits):  # type: ignore[override]
        started = super().spawn(argv, files=files, limits=limits)
        self.runs += 1
        return started


def verify(codes: list[tuple[str, str]], bench: dict[str, Any] | None = None, sandbox=None) -> list[dict[str, Any]]:
    """Verify plain programs (no prefill) for (problem_id, code) pairs."""
    samples = [{"problem_id": pid, "sample_index": i, "text": code} for i, (pid, code) in enumerate(codes)]
    cfg = {"prompt": "none", **FAST, **(bench or {})}
    return verify_lcb(PROBLEMS, samples, VerifyContext(bench=cfg, workers=2), sandbox=sandbox or LocalSandbox())


STDIN_OK = {
    "input": "a, b = map(int, input().split())\nprint(a + b)\n",
    "buffer_read": "import sys\na, b = map(int, sys.stdin.buffer.read().split())\nsys.stdout.write(f'{a+b}\\n')\n",
    "buffer_readline": "import sys\nrl = sys.stdin.buffer.readline\na, b = map(int, rl().split())\nsys.stdout.buffer.write(b'%d\\n' % (a+b))\n",
    "readline": "import sys\na, b = map(int, sys.stdin.readline().split())\nprint(a + b)\n",
    "read": "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n",
    "iterate": "import sys\nfor line in sys.stdin:\n    print(sum(map(int, line.split())))\n",
    "open0": "print(sum(map(int, open(0).read().split())))\n",
    "os_read": "import os\nos.write(1, (str(sum(map(int, os.read(0, 1 << 16).split()))) + '\\n').encode())\n",
    "main_guard": "def main():\n    print(sum(map(int, input().split())))\n\nif __name__ == '__main__':\n    main()\n",
    "sys_exit": "import sys\nprint(sum(map(int, input().split())))\nsys.exit(0)\n",
    "thread": "import threading\ndef main():\n    print(sum(map(int, input().split())))\nthreading.stack_size(1 << 26)\nthreading.Thread(target=main).start()\n",
    "lcb_imports": "print(reduce(add, map(int, input().split())))\n",  # LCB prepends `from functools/operator import *`
}


@pytest.mark.parametrize("name", sorted(STDIN_OK))
def test_stdin_programs_pass(name: str) -> None:
    (row,) = verify([("abc001_a", STDIN_OK[name])])
    assert row["correct"] and row["status"] == "correct", row["detail"]


def test_fast_io_multiline_buffer_iteration() -> None:
    codes = [
        "import sys\ndata = sys.stdin.buffer.read().split()\nn = int(data[0])\nprint('\\n'.join(str(2*int(x)) for x in data[1:n+1]))\n",
        "import sys\ninput = sys.stdin.buffer.readline\nn = int(input())\nfor _ in range(n):\n    print(2 * int(input()))\n",
        "import sys\nit = iter(sys.stdin.buffer)\nn = int(next(it))\nfor _ in range(n):\n    print(2 * int(next(it)))\n",
        "import sys\nlines = sys.stdin.readlines()\nfor x in lines[1:]:\n    print(2 * int(x))\n",
    ]
    rows = verify([("abc002_b", c) for c in codes])
    assert [r["status"] for r in rows] == ["correct"] * 4, [r["detail"] for r in rows]


def test_call_based() -> None:
    ok = STARTER + "return [x + k for x in nums]\n"
    as_tuple = STARTER + "return tuple(x + k for x in nums)\n"
    wrong = STARTER + "return nums\n"
    missing = "class Solution:\n    def other(self, nums, k):\n        return nums\n"
    crash = STARTER + "return [x // 0 for x in nums] + [1]\n"
    rows = verify([("3001", c) for c in (ok, as_tuple, wrong, missing, crash)])
    assert [r["status"] for r in rows] == ["correct", "correct", "wrong", "runtime_error", "runtime_error"], rows
    assert "compile error" in rows[3]["detail"] and "ZeroDivisionError" in rows[4]["detail"]


def test_wrong_answers_and_comparison_rules() -> None:
    rows = verify(
        [
            ("abc001_a", "print(3)\n"),  # right on test 0 only
            ("abc001_a", "a, b = map(int, input().split())\nprint(a + b)\nprint()\nprint(0)\n"),  # extra line
            ("abc001_a", "a, b = map(int, input().split())\nprint(f'   {a+b}.000   ')\n"),  # Decimal-equal
        ]
    )
    assert [r["status"] for r in rows] == ["wrong", "wrong", "correct"]
    assert "test 1" in rows[0]["detail"]


def test_compare_stdout_follows_lcb() -> None:
    assert compare_stdout("1 2\n3\n\n", "1 2\n3")
    assert compare_stdout("  1   2 \r\n", "1 2\n")
    assert compare_stdout("0.50", "0.5")
    assert not compare_stdout("0.5000001", "0.5")  # exact Decimal, no tolerance
    assert not compare_stdout("1\n\n2", "1\n2")  # an inner blank line changes the line count
    assert not compare_stdout("Yes", "yes")
    assert not compare_stdout("", "0")


def test_timeouts() -> None:
    rows = verify(
        [
            ("abc001_a", "while True:\n    pass\n"),
            ("abc001_a", "while True:\n    try:\n        while True: pass\n    except BaseException: pass\n"),
            ("3001", STARTER + "while True: pass\n"),
        ],
        bench={"timeout": 0.5},
    )
    assert [r["status"] for r in rows] == ["timeout", "timeout", "timeout"], [r["detail"] for r in rows]


def test_early_exit_and_forged_verdict_do_not_pass() -> None:
    forge = (
        "import json, os\nprint(sum(map(int, input().split())))\n"
        "json.dump({'nonce': 'guess', 'n_tests': 3, 'results': [True, True, True], 'detail': ''}, open('verdict.json', 'w'))\n"
        "os._exit(0)\n"
    )
    exit0 = "import os, sys\nprint(sum(map(int, input().split())))\nsys.stdout.flush()\nos._exit(0)\n"
    rows = verify([("abc001_a", forge), ("abc001_a", exit0)])
    assert [r["correct"] for r in rows] == [False, False]
    assert all(r["status"] == "runtime_error" for r in rows), rows
    assert "before its tests were done" in rows[1]["detail"]


def test_runtime_error_and_syntax_error() -> None:
    rows = verify([("abc001_a", "print(1/0)\n"), ("abc001_a", "def f(:\n")])
    assert [r["status"] for r in rows] == ["runtime_error", "runtime_error"]
    assert "ZeroDivisionError" in rows[0]["detail"] and "SyntaxError" in rows[1]["detail"]


def test_dedupe_order_and_prefill_extraction(monkeypatch) -> None:
    from passk.benchmarks.livecodebench import verify as V

    box = CountingSandbox()
    programs: list[str] = []
    real = V.run_programs
    monkeypatch.setattr(V, "run_programs", lambda sb, lim, h, progs, servers=None: programs.extend(p.code for p in progs) or real(sb, lim, h, progs, servers))
    text = "\n" + STDIN_OK["input"] + "```\n"
    samples = [{"problem_id": "abc001_a", "sample_index": i, "text": t} for i, t in enumerate([text, text, "no code at all", text, ""])]
    rows = verify_lcb(PROBLEMS, samples, VerifyContext(bench={"timeout": 2}, workers=2), sandbox=box)
    assert [r["sample_index"] for r in rows] == [0, 1, 2, 3, 4]
    assert [r["status"] for r in rows] == ["correct", "correct", "runtime_error", "correct", "no_answer"]
    assert rows[4]["detail"] == "no code extracted"
    assert rows[0]["extracted"] == STDIN_OK["input"].rstrip("\n")
    # "no code at all" is plain text taken as code (no fence, not continuing the prefill): a SyntaxError
    assert len(programs) == 2 and box.runs == 1  # two distinct programs, one sandbox


def test_problem_without_tests_is_an_error_not_a_verdict() -> None:
    problems = {"x": {"id": "x", "question": "?", "tests": None, "metadata": {}}}
    with pytest.raises(DataError, match="problem 'x' has no tests"):
        verify_lcb(problems, [{"problem_id": "x", "sample_index": 0, "text": "print(1)"}], VerifyContext(bench={"prompt": "none"}),
                   sandbox=LocalSandbox())


def test_bwrap_end_to_end() -> None:
    box = bwrap_or_skip()
    rows = verify(
        [
            ("abc001_a", STDIN_OK["buffer_read"]),
            ("abc002_b", "import sys\nfor line in list(sys.stdin)[1:]:\n    print(2 * int(line))\n"),
            ("3001", STARTER + "return [x + k for x in nums]\n"),
            ("abc001_a", "print(3)\n"),
            ("abc001_a", "while True: pass\n"),
        ],
        bench={"timeout": 1},
        sandbox=box,
    )
    assert [r["status"] for r in rows] == ["correct", "correct", "correct", "wrong", "timeout"], [r["detail"] for r in rows]
