"""``passk verify-math``: round trip, custom golds, and errors that name file and line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from passk.cli import main
from passk.io import read_jsonl

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("PASSK_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
needs_data = pytest.mark.skipif(not (DATA_DIR / "math" / "math500").is_dir(),
                                reason=f"real math data not found under {DATA_DIR} (set PASSK_DATA_DIR)")


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_custom_gold_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"gold": "27.0", "text": "\\boxed{27}", "extra": [1, 2]},
        {"gold": "\\frac{1}{2}", "completion": "so \\boxed{0.5}"},
        {"gold": "(1,2)", "response": "\\boxed{[1,2]}"},
        {"gold": "5", "text": "no idea"},
    ]
    samples = _write(tmp_path / "s.jsonl", rows)
    out = tmp_path / "v.jsonl"
    assert main(["verify-math", "--benchmark", "custom", "--samples", str(samples), "--out", str(out)]) == 0
    got = read_jsonl(out)
    assert [g["status"] for g in got] == ["correct", "correct", "wrong", "no_answer"]
    assert [g["correct"] for g in got] == [True, True, False, False]
    assert [g["extracted"] for g in got] == ["27", "0.5", "[1,2]", None]
    for before, after in zip(rows, got):  # input fields come back unchanged
        assert {k: after[k] for k in before} == before
    assert "2/4 correct" in capsys.readouterr().out


@needs_data
def test_benchmark_ids(tmp_path: Path) -> None:
    rows = [
        {"problem_id": "math500/0", "text": "\\boxed{(3, \\frac{\\pi}{2})}"},
        {"idx": 1, "text": "The answer is 7"},
        {"id": "math500/2", "text": "\\boxed{2}", "gold": "2"},  # an own gold wins
    ]
    samples = _write(tmp_path / "s.jsonl", rows)
    out = tmp_path / "v.jsonl"
    args = ["verify-math", "--benchmark", "math500", "--samples", str(samples), "--out", str(out),
            "--data-dir", str(DATA_DIR), "--workers", "2", "--timeout", "3"]
    assert main(args) == 0
    assert [g["status"] for g in read_jsonl(out)] == ["correct", "wrong", "correct"]


@pytest.mark.parametrize(
    ("lines", "benchmark", "message"),
    [
        (['{"gold": "1", "text": "1"}', '{"gold": "2", "text": '], "custom", ":2: malformed JSON"),
        (['{"gold": "1"}'], "custom", ":1: missing completion text"),
        (['{"text": "1"}'], "custom", ":1: missing 'gold'"),
        (['{"gold": "1", "text": 5}'], "custom", ":1: text must be a string"),
        (['{"problem_id": "math500/99999", "text": "1"}'], "math500", ":1: unknown problem id 'math500/99999'"),
        (['{"text": "1"}'], "math500", ":1: missing problem id"),
    ],
)
def test_bad_input_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str],
                                       benchmark: str, message: str) -> None:
    if benchmark != "custom" and not (DATA_DIR / "math" / benchmark).is_dir() and "unknown" in message:
        pytest.skip(f"real math data not found under {DATA_DIR}")
    samples = tmp_path / "s.jsonl"
    samples.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "v.jsonl"
    rc = main(["verify-math", "--benchmark", benchmark, "--samples", str(samples), "--out", str(out),
               "--data-dir", str(DATA_DIR)])
    err = capsys.readouterr().err
    assert rc == 2
    assert f"{samples}{message}" in err
    assert not out.exists()


def test_unknown_benchmark(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    samples = _write(tmp_path / "s.jsonl", [{"problem_id": "x/0", "text": "1"}])
    rc = main(["verify-math", "--benchmark", "nope", "--samples", str(samples), "--out", str(tmp_path / "o")])
    assert rc == 2 and "--benchmark: unknown math benchmark 'nope'" in capsys.readouterr().err
