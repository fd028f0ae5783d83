"""The math verifier panel end to end in the library (issue 15): the checkers' verifiers, the
config that selects them, the disagreement table on hand-made verdicts, and the figure."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from passk.analysis.checker_panel import PanelRun, disagreements, markdown, table_columns, write_panel_table
from passk.benchmarks.math import checker, panel
from passk.config import validate as cv
from passk.config.figures import figure_spec
from passk.errors import ConfigError, DataError
from passk.figures.kinds import draw_verifier_panel, verifier_panel_panels
from passk.records.verdicts import VERDICT_SCHEMA, verdict_row, write_verdicts
from passk.verify.family import VerifyContext

REPO = Path(__file__).resolve().parents[2]
CHECKERS = ["math_verify", "paper", "strict"]


# --- the checkers' verifiers --------------------------------------------------------------------

PROBLEMS = {
    "p/0": {"id": "p/0", "answer": "50", "metadata": {"dataset": "math500"}},
    "p/1": {"id": "p/1", "answer": "\\frac{1}{2}", "metadata": {"dataset": "math500"}},
}
TEXTS = [
    ("p/0", "so \\boxed{50}"),  # right everywhere
    ("p/0", "so \\boxed{0.5}"),  # the paper's percent rule accepts it; Math-Verify and strict do not
    ("p/0", "The answer is 50."),  # unboxed: strict finds no answer
    ("p/0", "I give up."),  # no answer (the paper compares "")
    ("p/1", "\\boxed{0.5}"),  # equivalent, not identical: strict rejects it
    ("p/1", "\\boxed{5^{5^{5^{5^5}}}}"),  # hangs sympy: killed, timeout
]
SAMPLES = [{"problem_id": p, "sample_index": i, "text": t} for i, (p, t) in enumerate(TEXTS)]
EXPECTED = {
    "math_verify": ["correct", "wrong", "correct", "no_answer", "correct", "timeout"],
    "paper": ["correct", "correct", "correct", "no_answer", "correct", "timeout"],
    "strict": ["correct", "wrong", "no_answer", "no_answer", "wrong", "wrong"],
}


@pytest.mark.parametrize("name", CHECKERS)
def test_each_checkers_verifier_on_known_samples(name: str) -> None:
    rows = panel.verifier(name)(PROBLEMS, SAMPLES, VerifyContext(bench={"family": "math"}, workers=1, verify={"math_timeout": 2.0}))
    assert [r["status"] for r in rows] == EXPECTED[name]
    assert [r["sample_index"] for r in rows] == list(range(len(SAMPLES)))
    assert all(set(r) == set(VERDICT_SCHEMA.names) for r in rows)


def test_math_verify_is_the_workflows_own_verifier() -> None:
    assert panel.verifier("math_verify") is checker.verify
    with pytest.raises(ConfigError, match="verify.math_checkers: unknown checker 'nope'"):
        panel.verifier("nope")


def test_unknown_problem_is_a_data_error() -> None:
    bad = [{"problem_id": "nope", "sample_index": 0, "text": "\\boxed{1}"}]
    with pytest.raises(DataError, match="unknown problem id 'nope'"):
        panel.verifier("strict")(PROBLEMS, bad, VerifyContext(bench={}))


# --- config ---------------------------------------------------------------------------------------


def _smoke() -> dict:
    return yaml.safe_load((REPO / "config" / "smoke.yaml").read_text())


def _check(config: dict) -> None:
    cv.validate_schema(config)
    cv.check_config(config)


def test_default_is_math_verify_only() -> None:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    from snakemake.utils import validate

    validate(config, str(REPO / "config" / "schema.yaml"))  # fills the defaults, as the workflow does
    assert config["verify"]["math_checkers"] == ["math_verify"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["verify"].update(math_checkers=["math_verify"]),
         "config key verify.math_checkers: figure verifier_panel_math is a verifier_panel, which compares checkers"),
        (lambda c: c["verify"].update(math_checkers=["math_verify", "sympy"]), "config key verify.math_checkers[1]: 'sympy' is not one of"),
        (lambda c: c["verify"].update(math_checkers=["paper", "paper"]), "config key verify.math_checkers: ['paper', 'paper'] has non-unique elements"),
        (lambda c: c["figures"]["verifier_panel_math"].update(benchmarks=["math500", "humaneval_plus"]),
         "config key figures.verifier_panel_math.benchmarks: 'humaneval_plus' is not a math benchmark"),
    ],
)
def test_panel_config_errors_name_the_key(edit, message: str) -> None:
    config = _smoke()
    edit(config)
    with pytest.raises(ConfigError) as info:
        _check(config)
    assert message in str(info.value)


def test_spec_carries_the_checkers_and_their_labels() -> None:
    config = _smoke()
    _check(config)
    spec = figure_spec(config, "verifier_panel_math")
    assert spec["checkers"] == CHECKERS
    assert spec["checker_labels"] == {"math_verify": "Math-Verify", "paper": "paper grader", "strict": "strict (last box)"}
    assert "checkers" not in figure_spec(config, "fig2_math")


# --- the disagreement table on hand-made verdicts -------------------------------------------------


def _rows(pid: str, verdicts: list[tuple[str | None, str]]) -> list[dict]:
    return [verdict_row({"problem_id": pid, "sample_index": i}, status, extracted=answer, detail="")
            for i, (answer, status) in enumerate(verdicts)]


TABLE_PROBLEMS = {
    "b/0": {"id": "b/0", "index": 0, "answer": "50"},
    "b/1": {"id": "b/1", "index": 1, "answer": "7"},
    "b/2": {"id": "b/2", "index": 2, "answer": "\\frac{1}{2}"},
}
# b/0: only the paper solves it (two samples answered 0.5, one 49); b/1: every checker solves it,
# though strict misses one sample (pass@k_max unchanged: not listed); b/2: nobody solves it.
TABLE_VERDICTS = {
    "math_verify": _rows("b/0", [("0.5", "wrong"), ("0.5", "wrong"), ("49", "wrong")]) + _rows("b/1", [("7", "correct"), ("7", "correct")])
    + _rows("b/2", [("1", "wrong")]),
    "paper": _rows("b/0", [("0.5", "correct"), ("0.5", "correct"), ("49", "wrong")]) + _rows("b/1", [("7", "correct"), ("7", "correct")])
    + _rows("b/2", [("1", "wrong")]),
    "strict": _rows("b/0", [("0.5", "wrong"), ("0.5", "wrong"), (None, "no_answer")]) + _rows("b/1", [("7", "correct"), (None, "no_answer")])
    + _rows("b/2", [("1", "wrong")]),
}


def test_only_problems_whose_pass_at_k_max_changes_are_listed() -> None:
    run = PanelRun(model="Tiny base", benchmark="MATH500", problems=TABLE_PROBLEMS, verdicts=TABLE_VERDICTS)
    found = disagreements(run, CHECKERS)
    assert [(d.problem_id, d.samples) for d in found] == [("b/0", 2)]
    [d] = found
    assert d.solved == {"math_verify": False, "paper": True, "strict": False}
    assert d.correct == {"math_verify": 0, "paper": 2, "strict": 0}
    assert d.answers == {"math_verify": "0.5", "paper": "0.5", "strict": "0.5"}
    assert d.statuses == {"math_verify": "wrong", "paper": "correct", "strict": "wrong"}
    assert (d.gold, d.n, d.index) == ("50", 3, 0)


def test_table_files(tmp_path: Path) -> None:
    run = PanelRun(model="Tiny base", benchmark="MATH500", problems=TABLE_PROBLEMS, verdicts=TABLE_VERDICTS)
    labels = {"math_verify": "Math-Verify", "paper": "paper grader", "strict": "strict"}
    write_panel_table([run], CHECKERS, labels, out_md=str(tmp_path / "t.md"), out_csv=str(tmp_path / "t.csv"), title="Panel")
    with open(tmp_path / "t.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == table_columns(CHECKERS)
    assert [(r["problem_id"], r["solved_paper"], r["solved_math_verify"], r["samples"], r["answer_paper"], r["status_strict"]) for r in rows] == [
        ("b/0", "1", "0", "2", "0.5", "wrong")]
    md = (tmp_path / "t.md").read_text()
    assert "1 problem(s) whose pass@k_max changes between Math-Verify, paper grader, strict" in md
    assert "| Tiny base | MATH500 | b/0 (#0) | `50` | 0 / 1 / 0 | 0 / 2 / 0 | 2 | `0.5` (wrong) | `0.5` (correct) | `0.5` (wrong) |" in md
    agree = PanelRun(model="m", benchmark="b", problems=TABLE_PROBLEMS,
                     verdicts={c: TABLE_VERDICTS["math_verify"] for c in CHECKERS})
    assert "No problem's pass@k_max changes" in markdown(disagreements(agree, CHECKERS), CHECKERS, labels, "t")


def test_checkers_must_judge_the_same_samples() -> None:
    verdicts = dict(TABLE_VERDICTS, strict=TABLE_VERDICTS["strict"][:-1])
    with pytest.raises(DataError, match="judged different samples"):
        disagreements(PanelRun("m", "b", TABLE_PROBLEMS, verdicts), CHECKERS)


# --- the figure -------------------------------------------------------------------------------------


def _write_curve(path: Path, values: list[float]) -> str:
    path.write_text("k,pass_at_k,ci_low,ci_high\n" + "".join(f"{k},{v:.10f},nan,nan\n" for k, v in enumerate(values, 1)))
    return str(path)


def test_figure_and_table_from_the_rules_inputs(tmp_path: Path) -> None:
    config = _smoke()
    config["figures"]["verifier_panel_math"]["benchmarks"] = ["math500"]
    _check(config)
    spec = figure_spec(config, "verifier_panel_math")
    assert [tuple(r) for r in spec["runs"]] == [("tiny-base", "math500", "default"), ("tiny-rl", "math500", "default")]
    curves = [_write_curve(tmp_path / f"{c}-{i}.csv", [0.1 * (i + 1), 0.2 * (i + 1) + 0.05 * j])
              for j, c in enumerate(CHECKERS) for i in range(2)]
    panels = verifier_panel_panels(spec, curves)
    [only] = panels
    assert [c["label"] for c in only["curves"]] == [f"{m} · {label}" for m in ("Tiny base", "Tiny RL")
                                                   for label in spec["checker_labels"].values()]
    assert [c["linestyle"] for c in only["curves"]] == ["-", "--", ":"] * 2
    assert len({c["color"] for c in only["curves"][:3]}) == 1 and only["curves"][0]["color"] != only["curves"][3]["color"]
    problems = tmp_path / "math500.jsonl"
    problems.write_text("".join(json.dumps({**p, "benchmark": "math500", "question": "q"}) + "\n" for p in TABLE_PROBLEMS.values()))
    verdicts = {}
    for c in CHECKERS:
        for i in range(2):
            path = tmp_path / f"v-{c}-{i}.parquet"
            write_verdicts(path, TABLE_VERDICTS[c])
            verdicts[f"{c}/{i}"] = [str(path)]
    out = {k: str(tmp_path / f"out.{k}") for k in ("png", "pdf", "csv", "md")}
    draw_verifier_panel(spec, {"dpi": 40}, curves=curves, verdicts=verdicts, problem_files=[str(problems)],
                        out_png=out["png"], out_pdf=out["pdf"], out_csv=out["csv"], out_md=out["md"],
                        out_table_csv=str(tmp_path / "table.csv"))
    assert all(Path(p).stat().st_size > 0 for p in out.values())
    md = Path(out["md"]).read_text()
    assert md.count("| b/0 (#0) |") == 2  # both models' runs list the problem only the paper solves
    assert "| Tiny base |" in md and "| Tiny RL |" in md
