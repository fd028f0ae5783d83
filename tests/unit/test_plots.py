"""Figures and tables: byte-identical re-renders, atomic writes, and the data CSVs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from passk.analysis.aggregate import aggregate
from passk.analysis.metrics import HISTOGRAM_LABELS
from passk.errors import ConfigError, DataError
from passk.figures.plots import (
    plot_accuracy_histogram,
    plot_passk_grid,
    write_coverage_table,
    write_figure_data,
    write_histogram_data,
)
from passk.io import write_jsonl
from passk.records.verdicts import write_verdicts

SMALL = {"dpi": 40, "width_per_panel": 2.0, "height_per_panel": 1.6}


def _run(tmp: Path, name: str, cs: list[int], n: int = 16) -> tuple[str, str]:
    """Aggregate a toy run with the given per-problem correct counts; returns (curve, problems) CSVs."""
    problems = tmp / "problems.jsonl"
    write_jsonl(problems, [{"id": f"p{i}", "index": i, "question": "q"} for i in range(len(cs))])
    rows = [
        {"problem_id": f"p{i}", "sample_index": s, "correct": s < c, "status": "correct" if s < c else "wrong", "extracted": "", "detail": ""}
        for i, c in enumerate(cs)
        for s in range(n)
    ]
    write_verdicts(tmp / f"{name}.parquet", rows)
    curve, table = tmp / f"{name}_curve.csv", tmp / f"{name}_problems.csv"
    aggregate([str(tmp / f"{name}.parquet")], str(problems), str(table), str(curve), n_expected=n)
    return str(curve), str(table)


@pytest.fixture()
def runs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    return {
        "base": _run(tmp_path, "base", [0, 1, 3, 16, 0, 2]),
        "rl": _run(tmp_path, "rl", [0, 0, 12, 16, 0, 9]),
    }


def _panels(runs: dict[str, tuple[str, str]]) -> list[dict]:
    return [
        {
            "title": title,
            "curves": [
                {"label": "Base", "role": "base", "csv": runs["base"][0]},
                {"label": "RL", "role": "rl", "csv": runs["rl"][0]},
            ],
        }
        for title in ("MATH500", "AIME24", "Minerva")
    ]


def test_passk_grid_is_byte_deterministic(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    panels = _panels(runs)
    outs = []
    for r in ("a", "b"):
        paths = [str(tmp_path / "fig" / f"{r}.{ext}") for ext in ("png", "pdf", "svg")]
        plot_passk_grid(panels, paths, settings={**SMALL, "ncols": 2, "ci_band": True})
        outs.append([Path(p).read_bytes() for p in paths])
    assert outs[0] == outs[1]
    assert outs[0][0].startswith(b"\x89PNG") and outs[0][1].startswith(b"%PDF") and b"<svg" in outs[0][2]
    assert b"CreationDate" not in outs[0][1] and b"Matplotlib" not in outs[0][1]
    assert b"<dc:date>" not in outs[0][2]
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == ["a.pdf", "a.png", "a.svg", "b.pdf", "b.png", "b.svg"]


def test_passk_grid_same_bytes_in_a_fresh_process(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    """Hash seeds and font caches differ between processes; the bytes must not."""
    panels = _panels(runs)
    here = tmp_path / "here.pdf"
    plot_passk_grid(panels, [str(here)], settings=SMALL)
    code = (
        "import sys, json; from passk.figures.plots import plot_passk_grid; "
        "plot_passk_grid(json.loads(sys.argv[1]), [sys.argv[2]], settings=json.loads(sys.argv[3]))"
    )
    import json

    there = tmp_path / "there.pdf"
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(panels), str(there), json.dumps(SMALL)],
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "MPLCONFIGDIR": str(tmp_path / "mpl")},
    )
    assert here.read_bytes() == there.read_bytes()


def test_inline_curves_and_many_rl_curves(tmp_path: Path) -> None:
    panel = {
        "title": "Omni-MATH",
        "curves": [{"label": "Base", "role": "base", "pass_at_k": [0.1, 0.3, 0.5, 0.6]}]
        + [{"label": f"RL{i}", "role": "rl", "pass_at_k": [0.3, 0.4, 0.45, 0.5]} for i in range(3)],
    }
    out = tmp_path / "f.png"
    plot_passk_grid([panel], [str(out)], settings={**SMALL, "markers": False, "log2_x": False})
    assert out.stat().st_size > 0


def test_bad_settings_and_formats(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    with pytest.raises(ConfigError, match="unknown key 'ncol'"):
        plot_passk_grid(_panels(runs), [str(tmp_path / "f.png")], settings={"ncol": 2})
    with pytest.raises(ConfigError, match="unsupported figure format 'jpg'"):
        plot_passk_grid(_panels(runs), [str(tmp_path / "f.jpg")], settings=SMALL)
    with pytest.raises(ConfigError, match="no panels"):
        plot_passk_grid([], [str(tmp_path / "f.png")])
    with pytest.raises(ConfigError, match="'curves'"):
        plot_passk_grid([{"title": "x"}], [str(tmp_path / "f.png")])
    with pytest.raises(DataError, match="nope.csv: file not found"):
        plot_passk_grid([{"title": "x", "curves": [{"label": "a", "csv": str(tmp_path / "nope.csv")}]}], [str(tmp_path / "f.png")])
    assert not list(tmp_path.glob("f.*")) and not list(tmp_path.glob(".f.*"))


def test_figure_data_csv(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    panels = _panels(runs)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_figure_data(panels, str(a))
    write_figure_data(panels, str(b))
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text().splitlines()
    assert lines[0] == "panel,label,role,k,pass_at_k,ci_low,ci_high,tests"
    assert len(lines) == 1 + 3 * 2 * 16
    assert all(line.endswith(",") for line in lines[1:])  # math curves name no tests
    first = lines[1].split(",")
    assert first[:4] == ["MATH500", "Base", "base", "1"]
    assert float(first[4]) == pytest.approx((0 + 1 + 3 + 16 + 0 + 2) / 16 / 6)
    assert lines[3].split(",")[5] == "nan"  # k = 3 has no bootstrap interval


def test_accuracy_histogram(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    panels = [{"title": "Minerva", "models": [{"label": "Base", "role": "base", "csv": runs["base"][1]}, {"label": "RL", "role": "rl", "csv": runs["rl"][1]}]}]
    paths = [[str(tmp_path / f"h{r}.png"), str(tmp_path / f"h{r}.svg")] for r in "ab"]
    for p in paths:
        plot_accuracy_histogram(panels, p, settings=SMALL)
    assert Path(paths[0][0]).read_bytes() == Path(paths[1][0]).read_bytes()
    assert Path(paths[0][1]).read_bytes() == Path(paths[1][1]).read_bytes()
    write_histogram_data(panels, str(tmp_path / "h.csv"))
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "panel,label,role,bin,count,percent"
    assert len(lines) == 1 + 2 * 12
    assert lines[1].endswith(",0.0,2,33.3333333333")  # c = 0 twice out of 6
    assert [line.split('"')[1] if '"' in line else line.split(",")[3] for line in lines[1:13]] == list(HISTOGRAM_LABELS)
    # Inline counts, and a mismatch in problem numbers is refused.
    bad = [{"title": "x", "models": [{"label": "a", "n": 4, "c": [0, 1]}, {"label": "b", "n": 4, "c": [0]}]}]
    with pytest.raises(DataError, match="different numbers of problems"):
        plot_accuracy_histogram(bad, [str(tmp_path / "bad.png")], settings=SMALL)


def test_coverage_table(tmp_path: Path, runs: dict[str, tuple[str, str]]) -> None:
    md, csv_path = tmp_path / "t.md", tmp_path / "t.csv"
    base = {"label": "Qwen2.5-7B", "csv": runs["base"][1]}
    rl = {"label": "SimpleRL-Zoo", "csv": runs["rl"][1]}
    write_coverage_table(base, rl, str(md), str(csv_path), title="Table 4")
    text = md.read_text()
    assert "| Qwen2.5-7B | 4/6 | 1, 2, 3, 5 |" in text
    assert "| SimpleRL-Zoo | 3/6 | 2, 3, 5 |" in text
    assert "| Qwen2.5-7B only | 1 | 1 |" in text
    assert "| SimpleRL-Zoo only | 0 | — |" in text
    assert "SimpleRL-Zoo ⊆ Qwen2.5-7B: yes" in text
    rows = csv_path.read_text().splitlines()
    assert rows[0] == "index,problem_id,base_n,base_c,base_solved,rl_n,rl_c,rl_solved,category,tests"
    assert rows[2] == "1,p1,16,1,1,16,0,0,base_only,"
    assert rows[1].endswith(",neither,")
    write_coverage_table(base, rl, str(md), str(csv_path), index_range=(2, 4))
    assert len(csv_path.read_text().splitlines()) == 3
    assert "indices 2–3" in md.read_text()
    with pytest.raises(DataError, match="no problems with index"):
        write_coverage_table(base, rl, str(md), str(csv_path), index_range=(100, 200))
