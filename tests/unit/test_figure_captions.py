"""Figure titles and captions say how the curves were made: prompts (unverified ones marked), new
tokens (``fit`` resolved), and a public-tests-only run as ``[tests: public]``; Fig 16 is transposed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from PIL import Image

from passk.config.figures import figure_spec
from passk.config.unfilled import skip_unfilled
from passk.figures.captions import PUBLIC_MARK, figure_caption, run_facts
from passk.figures.kinds import draw_figure, figure_panels, panel_columns

REPO = Path(__file__).resolve().parents[2]


def paper() -> dict:
    """The paper config as the workflow plans it (figures waiting for the user's checkpoints left out)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    skip_unfilled(config)
    return config


def _provenance(tmp: Path, spec: dict, *, tests: str = "", max_tokens: dict | None = None, templates: dict | None = None) -> list[str]:
    paths = []
    for i, (model, bench, setting) in enumerate(spec["runs"]):
        path = tmp / f"prov-{i}.json"
        samples = {"max_tokens": (max_tokens or {}).get(model, []), "templates": (templates or {}).get(model, [])}
        path.write_text(json.dumps({"samples": samples, "tests": tests}))
        paths.append(str(path))
    return paths


def test_fig7_caption_states_fit_and_unverified_prompts(tmp_path: Path) -> None:
    spec = figure_spec(paper(), "fig7_distill")
    prov = _provenance(tmp_path, spec, max_tokens={"qwen2.5-math-7b": [3796], "oat-zero-7b": [3796], "r1-distill-qwen-7b": [16384]},
                       templates={"r1-distill-qwen-7b": ["r1-distill:tokenizer@56a1447ad319"]})
    title, lines = figure_caption(spec, run_facts(spec, prov))
    assert title == "Fig 7: distillation widens coverage (Minerva)"  # math: no tests mark
    by_model = {line.split(":", 1)[0]: line for line in lines}
    assert "new tokens fit 4096-token context - longest prompt = 3796" in by_model["Qwen2.5-Math-7B"]
    assert "PROMPT UNVERIFIED" not in by_model["Oat-Zero-7B"] and "paper Fig 22" in by_model["Oat-Zero-7B"]
    assert "PROMPT UNVERIFIED" in by_model["Qwen2.5-Math-7B-Instruct"]
    assert "PROMPT UNVERIFIED" in by_model["DeepSeek-R1-Distill-Qwen-7B"] and "16384 new tokens" in by_model["DeepSeek-R1-Distill-Qwen-7B"]


def test_public_tests_mark_the_title_and_caption(tmp_path: Path) -> None:
    spec = figure_spec(paper(), "fig3_lcb")
    title, lines = figure_caption(spec, run_facts(spec, _provenance(tmp_path, spec, tests="public")))
    assert title.endswith(PUBLIC_MARK) and lines[-1].startswith("tests: public")
    # DeepCoder's template is not confirmed until its samples show the template's hash
    unknown = _provenance(tmp_path, spec, tests="full", templates={"deepcoder-14b": ["deepcoder-livecodebench:tokenizer@0123456789ab"]})
    title, lines = figure_caption(spec, run_facts(spec, unknown))
    assert PUBLIC_MARK not in title and lines[-1] == "tests: full"
    assert "PROMPT UNVERIFIED (its chat template is not the one traced to a source)" in lines[1]
    assert "PROMPT UNVERIFIED" not in lines[0]


def test_fig16_is_transposed_as_in_the_paper() -> None:
    spec = figure_spec(paper(), "fig16_temperature")
    tables = {tuple(run): f"{run[0]}|{run[1]}|{run[2]}" for run in spec["runs"]}
    panels = figure_panels(spec, tables, "curves")
    assert panel_columns(spec) == 3  # one column per temperature
    assert [p["curves"][0]["run"][1:] for p in panels] == [
        ("aime24", "default"), ("aime24", "t1.0"), ("aime24", "t1.2"), ("math500", "default"), ("math500", "t1.0"), ("math500", "t1.2"),
    ]


def test_figure_files_carry_title_and_caption(tmp_path: Path) -> None:
    config = yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())
    spec = figure_spec(config, "fig3_lcb")
    curves = []
    for i, _ in enumerate(spec["runs"]):
        path = tmp_path / f"c{i}.csv"
        path.write_text("k,pass_at_k,ci_low,ci_high,tests\n1,0.2000000000,nan,nan,public\n2,0.3000000000,0.1,0.5,public\n")
        curves.append(str(path))
    out = {ext: str(tmp_path / f"f.{ext}") for ext in ("png", "pdf", "csv")}
    draw_figure(spec, {"dpi": 40}, curves=curves, problems=curves, out_png=out["png"], out_pdf=out["pdf"], out_csv=out["csv"],
                provenance=_provenance(tmp_path, spec, tests="public", max_tokens={"tiny-base": [24], "tiny-rl": [24]}))
    text = Image.open(out["png"]).text
    assert text["Title"].endswith(PUBLIC_MARK) and "tests: public" in text["Description"] and "24 new tokens" in text["Description"]
    assert all(line.endswith(",public") for line in Path(out["csv"]).read_text().splitlines()[1:])


@pytest.mark.parametrize("figure", list(paper()["figures"]))
def test_every_paper_figure_has_a_caption(figure: str, tmp_path: Path) -> None:
    spec = figure_spec(paper(), figure)
    title, lines = figure_caption(spec, run_facts(spec, _provenance(tmp_path, spec)))
    assert title and lines and all("prompt" in line for line in lines if not line.startswith("tests"))
