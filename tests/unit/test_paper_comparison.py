"""The report's comparison section and captions: the paper's numbers are data, each resolved
against the config's figures; ours computed from the run tables; 'not run' where nothing ran."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from passk.analysis.paper_comparison import comparison_rows, load_paper_numbers, write_comparison
from passk.analysis.tables import CURVE_COLUMNS, PROBLEM_COLUMNS
from passk.config.unfilled import skip_unfilled
from passk.config.comparison import resolve_paper_numbers
from passk.io import csv_text, write_text
from passk.pipeline.report import figure_caption, markdown_table_html

REPO = Path(__file__).resolve().parents[2]


def test_every_stated_number_is_an_entry_with_a_unique_id() -> None:
    numbers = load_paper_numbers()
    ids = [n["id"] for n in numbers]
    assert len(ids) == len(set(ids)) == 224
    # PAPER.md §5: Table 2 (7 x 3 x 2), Table 3 (4 x 3 x 2), Fig 8's three ΔSE, Fig 17's six temperatures
    assert sum(i.startswith("table2/") for i in ids) == 42 and sum(i.startswith("table3/") for i in ids) == 24
    assert sum(i.startswith("fig8/delta_se/") for i in ids) == 3 and sum(i.endswith("/temperature") for i in ids) == 6


def _files(tmp: Path, needs: dict) -> dict:
    out = {}
    for key, value in needs.items():
        def path(run, name):  # noqa: ANN001, ANN202
            return tmp / "/".join(run) / name
        if key == "curve":
            out[key] = str(path(value, "curve.csv"))
        elif key == "curves":
            out[key] = [str(path(v, "curve.csv")) for v in value]
        elif key == "problems":
            out[key] = [str(path(v, "problems.csv")) for v in value]
        elif key == "entropy":
            out[key] = str(path(value, "entropy.json"))
    return out


def test_resolved_against_the_smoke_config_and_computed(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    skip_unfilled(config)
    for fig in config["figures"].values():
        fig.setdefault("per_problem", 16)
    resolved = {e["id"]: e for e in resolve_paper_numbers(config)}
    assert resolved["fig2/aime24/qwen-7b/base/k1"]["needs"] == {"curve": ("tiny-base", "aime24", "default")}
    assert resolved["fig2/aime24/qwen-14b/base/k1"]["kind"] is None  # the smoke Fig 2 has one model group
    assert resolved["fig4/mathvista/base/k1"]["kind"] is None
    assert resolved["fig17/math500/temperature"]["needs"] == {"entropy": ("tiny-rl", "math500", "entropy_matched")}
    assert resolved["fig17/aime24/temperature"]["kind"] is None  # the smoke Fig 17 shows MATH500 only
    assert resolved["table2/DAPO/omni_math_test/k1"]["kind"] is None  # 3 rows in the smoke Table 2
    assert resolved["sec43/delta_se/rloo_test"]["kind"] is None and resolved["sec43/delta_se/grpo_test"]["kind"] == "delta_se"
    picked = [resolved[i] for i in ("fig2/aime24/qwen-7b/base/k1", "fig2/aime24/qwen-7b/rl/kmax", "table4/base_only",
                                    "fig17/math500/temperature", "fig10/0/crossover", "table3/GRPO-step300/math500_sec4/k1")]
    entries = []
    for e in picked:
        files = _files(tmp_path, e.get("needs") or {})
        entries.append({**e, "files": files})
    write_text(tmp_path / "tiny-base/aime24/default/curve.csv", csv_text(CURVE_COLUMNS, [[1, "0.1000000000", "nan", "nan"], [2, "0.5000000000", "nan", "nan"]]))
    write_text(tmp_path / "tiny-rl/aime24/default/curve.csv", csv_text(CURVE_COLUMNS, [[1, "0.3000000000", "nan", "nan"], [2, "0.4000000000", "nan", "nan"]]))
    for model, cs in (("tiny-base", [1, 0, 2]), ("tiny-rl", [1, 0, 0])):
        write_text(tmp_path / model / "aime24/default/problems.csv",
                   csv_text(PROBLEM_COLUMNS, [[f"aime24/{i}", i, 2, c, c, 2 - c, 0, 0, 0, 0] for i, c in enumerate(cs)]))
    (tmp_path / "tiny-rl/math500/entropy_matched").mkdir(parents=True)
    (tmp_path / "tiny-rl/math500/entropy_matched/entropy.json").write_text(json.dumps({"temperature": 0.95, "converged": True, "steps": []}))
    rows = {r[0]: r for r in comparison_rows(entries)}
    assert rows["fig2/aime24/qwen-7b/base/k1"][3:6] == ["7.0", "10.0", "+3.0 pts"]
    assert rows["fig2/aime24/qwen-7b/rl/kmax"][3:6] == ["63.0", "40.0", "-23.0 pts"]
    assert rows["table4/base_only"][3:6] == ["4", "1", "-3"]
    assert rows["fig17/math500/temperature"][3:6] == ["0.850", "0.950", "+0.100"]
    assert rows["fig10/0/crossover"][3:6] == ["1024", "2", "-1022"]  # base 0.1 -> 0.5 overtakes RL 0.3 -> 0.4 at k = 2
    assert rows["table3/GRPO-step300/math500_sec4/k1"][4] == "not run"
    write_comparison(entries, str(tmp_path / "c.html"), str(tmp_path / "c.csv"))
    assert (tmp_path / "c.html").read_text().count("<tr><td>") == len(entries)


def test_caption_says_what_was_run(tmp_path: Path) -> None:
    prov = {"run": {"model": "tiny-rl", "benchmark": "math500", "setting": "default", "n": 8},
            "config": {"model": {"name": "tiny-rl", "template": "qwen-boxed", "revision": "tiny"},
                       "sampling": {"temperature": 0.6, "top_p": 0.95, "max_tokens": 24, "seed": 0}},
            "samples": {"templates": ["qwen-boxed"], "backends": ["transformers"],
                        "shards": {"shard-0.parquet": {"seeds": [11, 12]}, "shard-1.parquet": {"seeds": [21]}}}}
    (tmp_path / "p.json").write_text(json.dumps(prov))
    (tmp_path / "problems.jsonl").write_text(json.dumps({"id": "math500/0", "answer": "1"}) + "\n")
    spec = {"name": "fig2_math", "kind": "passk_curves", "title": "Fig 2 (smoke)"}
    text = figure_caption(spec, provenance=[str(tmp_path / "p.json")], problems={"math500": str(tmp_path / "problems.jsonl")},
                          matched=[], logs=[], out_rst=str(tmp_path / "c.rst"))
    assert "tiny-rl on math500 (default): a tiny model built locally @ tiny; template qwen-boxed; n = 8" in text
    assert "2 shards; the first problem seed of each: 11, 21" in text
    assert "math500: 1 problems, each with its gold answer" in text
    assert "tiny-rl on math500: n = 8, the paper's n = 128" in text  # from pipeline/paper_figures.yaml
    (tmp_path / "t.md").write_text("# T\n\npass@1 (%)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    markdown_table_html(str(tmp_path / "t.md"), str(tmp_path / "t.html"), title="T")
    assert "<th>a</th><th>b</th>" in (tmp_path / "t.html").read_text() and "<td>2</td>" in (tmp_path / "t.html").read_text()
