"""Fig 6 perplexity boxes: byte-identical re-renders, the CSV twin, and errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from passk.analysis.perplexity import perplexity_table
from passk.errors import ConfigError, DataError
from passk.figures.plots import PERPLEXITY_DATA_COLUMNS, plot_perplexity_boxes, write_perplexity_data

SMALL = {"dpi": 40, "width_per_panel": 2.4, "height_per_panel": 2.0}
BOXES = [("PPL_Base(Y_Base)", "base", "base"), ("PPL_Base(Y_RL)", "base", "rl"), ("PPL_RL(Y_RL)", "rl", "rl"), ("PPL_Base(Y_GT)", "base", "gt")]


@pytest.fixture()
def table(tmp_path: Path) -> str:
    """A perplexity table of 2 problems x 4 (scorer, source) boxes x 16 responses (8 for GT)."""
    rng = np.random.default_rng(0)
    rows = []
    for pid, centre in (("aime24-3", 1.1), ("aime24-17", 1.3)):
        for _, scorer, source in BOXES:
            for i in range(8 if source == "gt" else 16):
                ppl = float(centre + (0.5 if source == "gt" else 0.0) + rng.gamma(2.0, 0.03))
                rows.append({"problem_id": pid, "source": source, "scorer": scorer, "sample_index": i, "num_tokens": 100 + i,
                             "mean_logprob": -np.log(ppl), "ppl": ppl})
    rows[0]["ppl"] = float("nan")  # an empty response: dropped from its box
    path = tmp_path / "ppl.csv"
    perplexity_table(rows, str(path))
    return str(path)


def _panels(table: str) -> list[dict]:
    return [
        {"title": f"Problem {i + 1}", "problem_id": pid, "boxes": [{"label": lab, "scorer": sc, "source": so, "csv": table} for lab, sc, so in BOXES]}
        for i, pid in enumerate(("aime24-3", "aime24-17"))
    ]


def test_perplexity_boxes_are_byte_deterministic(tmp_path: Path, table: str) -> None:
    outs = []
    for r in ("a", "b"):
        paths = [str(tmp_path / "fig" / f"{r}.{ext}") for ext in ("png", "pdf", "svg")]
        plot_perplexity_boxes(_panels(table), paths, settings=SMALL)
        outs.append([Path(p).read_bytes() for p in paths])
    assert outs[0] == outs[1]
    assert outs[0][0][:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == ["a.pdf", "a.png", "a.svg", "b.pdf", "b.png", "b.svg"]


def test_perplexity_boxes_same_bytes_in_a_fresh_process(tmp_path: Path, table: str) -> None:
    here = tmp_path / "here.png"
    plot_perplexity_boxes(_panels(table), [str(here)], settings=SMALL)
    there = tmp_path / "there.png"
    code = (
        "import sys; from passk.figures.plots import plot_perplexity_boxes;"
        f"plot_perplexity_boxes({_panels(table)!r}, [{str(there)!r}], settings={SMALL!r})"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert here.read_bytes() == there.read_bytes()


def test_perplexity_data_csv(tmp_path: Path, table: str) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_perplexity_data(_panels(table), str(a))
    write_perplexity_data(_panels(table), str(b))
    assert a.read_bytes() == b.read_bytes()
    lines = a.read_text().splitlines()
    assert lines[0] == ",".join(PERPLEXITY_DATA_COLUMNS) and len(lines) == 1 + 8
    first = dict(zip(PERPLEXITY_DATA_COLUMNS, lines[1].split(",")))
    values = [float(v) for v in first["values"].split(";")]
    assert first["panel"] == "Problem 1" and first["problem_id"] == "aime24-3" and (first["scorer"], first["source"]) == ("base", "base")
    assert first["label"] == "PPL_Base(Y_Base)" and int(first["count"]) == len(values) == 15  # its NaN dropped
    assert float(first["median"]) == pytest.approx(float(np.median(values)), abs=1e-9)
    counts = [int(dict(zip(PERPLEXITY_DATA_COLUMNS, line.split(",")))["count"]) for line in lines[1:]]
    assert sorted(counts) == [8, 8, 15, 16, 16, 16, 16, 16]  # GT boxes have 8; one NaN dropped


def test_inline_values_and_errors(tmp_path: Path, table: str) -> None:
    inline = [{"title": "x", "boxes": [{"label": "A", "values": [1.0, 1.2, 1.1]}, {"label": "B", "values": [2.0], "color": "#000000"}]}]
    plot_perplexity_boxes(inline, [str(tmp_path / "inline.png")], settings=SMALL)
    write_perplexity_data(inline, str(tmp_path / "inline.csv"))
    assert (tmp_path / "inline.csv").read_text().splitlines()[2].startswith("x,B,,,,1,2.0000000000")
    with pytest.raises(DataError, match="no perplexities"):
        plot_perplexity_boxes([{"title": "t", "problem_id": "aime24-3", "boxes": [{"label": "L", "scorer": "base", "source": "nope", "csv": table}]}],
                              [str(tmp_path / "e.png")])
    with pytest.raises(ConfigError, match="needs 'problem_id'"):
        plot_perplexity_boxes([{"title": "t", "boxes": [{"label": "L", "scorer": "base", "source": "base", "csv": table}]}], [str(tmp_path / "e.png")])
    with pytest.raises(ConfigError, match="needs a non-empty 'boxes'"):
        plot_perplexity_boxes([{"title": "t"}], [str(tmp_path / "e.png")])
    with pytest.raises(ConfigError, match="unknown key"):
        plot_perplexity_boxes(inline, [str(tmp_path / "e.png")], settings={"nrows": 2})
    assert not (tmp_path / "e.png").exists()
