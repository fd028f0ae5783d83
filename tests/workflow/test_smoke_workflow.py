"""The smoke workflow end to end on the CPU: build, no-op rerun, plot-only rerun, raising n.

One scratch directory is shared by the tests of this module, in order, as a user's checkout
would be: the first test builds everything, the next ones change one thing each and check that
only what depends on it reruns.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from smoke_digest import digest_results, machine
from wf_helpers import REPO, planned_jobs, planned_jobs_from, planned_outputs, planned_outputs_from, snakemake, snapshot, write_config

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A scratch directory in which the smoke workflow has run to completion once."""
    workdir = tmp_path_factory.mktemp("smoke")
    config = write_config(workdir / "smoke.yaml", REPO / "config" / "smoke.yaml")
    snakemake(workdir, config=config, env={"PASSK_DATA_DIR": str(shared_data)})
    return workdir


def test_first_run_builds_every_figure(built: Path) -> None:
    for name in ("fig2_math", "fig9_math", "fig10_oat_dapo", "fig4_code", "fig5_minerva_histogram", "fig3_lcb", "fig11_lcb_windows", "fig12_aime_guess_filtered", "fig6_perplexity"):
        for ext in ("png", "pdf", "csv"):
            assert (built / "results" / "figures" / f"{name}.{ext}").stat().st_size > 0
    table = (built / "results" / "tables" / "table4_aime_coverage.md").read_text()
    assert "Tiny base" in table
    curve = (built / "results" / "passk" / "tiny-rl" / "math500" / "default" / "curve.csv").read_text().splitlines()
    assert curve[0].startswith("k,pass_at_k")
    assert len(curve) == 1 + 8  # k = 1..n with n = 8
    assert "tiny-base-direct" in (built / "results" / "filters" / "fig12_aime_guess_filtered.json").read_text()
    ppl = (built / "results" / "perplexity" / "fig6_perplexity.csv").read_text().splitlines()
    assert ppl[0] == "problem_id,source,scorer,sample_index,num_tokens,mean_logprob,ppl"
    assert len(ppl) == 1 + 2 * 4 * 3  # 2 problems x 4 answers x (base on base, base on rl, rl on rl)
    for bench in ("humaneval_plus", "mbpp_plus", "lcb_2408_2501"):  # every sample got a status of the one vocabulary
        rows = (built / "results" / "passk" / "tiny-rl" / bench / "default" / "problems.csv").read_text().splitlines()
        header = rows[0].split(",")
        assert header[4:] == ["status_correct", "status_wrong", "status_no_answer", "status_timeout", "status_runtime_error", "status_memory", "tests"]
        assert all(sum(map(int, r.split(",")[4:10])) == int(r.split(",")[2]) for r in rows[1:]), rows
    report = (built / "results" / "reports" / "sampling.csv").read_text()
    assert "tiny-base,aime24,default,40," in report  # 5 problems x 8 samples


def test_public_tests_only_is_marked_in_every_livecodebench_output(built: Path) -> None:
    """The smoke run grades LiveCodeBench on the staged public tests: its verdicts, pass@k tables,
    provenance, figure (data, title, caption) and coverage table all say tests: public."""
    import pyarrow.parquet as pq
    from PIL import Image

    results = built / "results"
    run = results / "passk" / "tiny-rl" / "lcb_2408_2501" / "default"
    verdicts = sorted((results / "verdicts" / "tiny-rl" / "lcb_2408_2501" / "default").glob("*.parquet"))
    assert verdicts and all(set(pq.read_table(v, columns=["tests"]).column("tests").to_pylist()) == {"public"} for v in verdicts)
    assert all(line.endswith(",public") for line in (run / "curve.csv").read_text().splitlines()[1:])
    assert all(line.endswith(",public") for line in (run / "problems.csv").read_text().splitlines()[1:])
    assert json.loads((run / "provenance.json").read_text())["tests"] == "public"
    for figure in ("fig3_lcb", "fig11_lcb_windows"):
        assert all(line.endswith(",public") for line in (results / "figures" / f"{figure}.csv").read_text().splitlines()[1:])
        text = Image.open(results / "figures" / f"{figure}.png").text
        assert text["Title"].endswith("[tests: public]") and "tests: public" in text["Description"], text
    table = (results / "tables" / "table5_lcb_coverage.md").read_text()
    assert table.startswith("## Table 5 (smoke): solvable LiveCodeBench problems [tests: public]") and "- tests: public" in table
    assert all(line.endswith(",public") for line in (results / "tables" / "table5_lcb_coverage.csv").read_text().splitlines()[1:])
    # math and evalplus are not marked public
    assert not Image.open(results / "figures" / "fig2_math.png").text["Title"].endswith("[tests: public]")
    assert "tests: base+plus" in Image.open(results / "figures" / "fig4_code.png").text["Description"]
    # every sample records the new-token limit it was drawn with, and provenance has it
    assert json.loads((results / "passk" / "tiny-rl" / "math500" / "default" / "provenance.json").read_text())["samples"]["max_tokens"] == [24]


def test_second_run_executes_nothing(built: Path) -> None:
    assert planned_jobs(built, built / "smoke.yaml") == {}


def test_outputs_match_the_checksums_recorded_before_the_layout_change(built: Path) -> None:
    """Samples, verdicts (statuses in today's names), pass@k tables, figure CSVs and coverage tables
    are what the code before the reorganisation wrote (tests/workflow/smoke_checksums.json; a change
    that alters outputs on purpose records them anew and says why in its commit)."""
    recorded = json.loads((Path(__file__).with_name("smoke_checksums.json")).read_text())
    if recorded["machine"] != machine():
        pytest.skip(f"checksums were recorded with {recorded['machine']}, this machine is {machine()}: sampled bytes differ")
    got = digest_results(built / "results")
    changed = sorted(k for k in set(got) | set(recorded["digests"]) if got.get(k) != recorded["digests"].get(k))
    assert not changed, f"{len(changed)} outputs differ from the recorded ones: {changed[:10]}"


def test_editing_the_math_checker_reruns_exactly_the_math_verification(built: Path, tmp_path: Path) -> None:
    """The stage versions come from the import graph: a code change in the Math-Verify checker reruns
    the verify jobs of math benchmarks and what depends on them, and nothing else."""
    src = tmp_path / "src"
    shutil.copytree(REPO / "src" / "passk", src / "passk", ignore=shutil.ignore_patterns("__pycache__"))
    checker = src / "passk" / "benchmarks" / "math" / "checker.py"
    checker.write_text(checker.read_text().replace("DEFAULT_TIMEOUT = 5.0", "DEFAULT_TIMEOUT = 6.0"))
    env = {"PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])}
    proc = snakemake(built, "-n", config=built / "smoke.yaml", env=env)
    text = proc.stdout + proc.stderr
    jobs = planned_jobs_from(text)
    assert set(jobs) == {"verify", "pass_at_k", "plot_figure", "coverage_table", "guess_filter", "all"}, jobs
    verdicts = sorted(o for o in planned_outputs_from(text) if o.startswith("results/verdicts/"))
    math = ("aime24", "math500", "minerva_math", "olympiadbench", "amc23", "gsm8k")
    assert verdicts and all(v.split("/")[3] in math for v in verdicts), verdicts
    all_math_shards = sorted(str(p.relative_to(built)) for p in (built / "results" / "verdicts").glob("*/*/*/*.parquet") if p.parts[-3] in math)
    assert verdicts == all_math_shards


def test_named_figure_target(built: Path) -> None:
    proc = snakemake(built, "-n", "fig2_math", config=built / "smoke.yaml")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_plot_setting_reruns_only_the_plot(built: Path) -> None:
    config = write_config(built / "smoke-dpi.yaml", built / "smoke.yaml", lambda c: c["plot"].update(dpi=81))
    jobs = planned_jobs(built, config)
    assert set(jobs) == {"plot_figure", "all"}, jobs
    before = snapshot(built / "results", "passk/**/*.csv")
    snakemake(built, config=config)
    assert snapshot(built / "results", "passk/**/*.csv") == before


def test_raising_n_reruns_only_new_shards(built: Path) -> None:
    config = write_config(built / "smoke-n12.yaml", built / "smoke-dpi.yaml", lambda c: c["benchmarks"]["math500"].update(n=12))
    outputs = planned_outputs(built, config)
    samples = sorted(o for o in outputs if o.startswith("results/samples/"))
    assert samples == [
        "results/samples/tiny-base/math500/default/shard-2.parquet",
        "results/samples/tiny-rl/math500/default/shard-2.parquet",
    ]
    jobs = planned_jobs(built, config)
    assert jobs["sample"] == 2 and jobs["verify"] == 2 and jobs["pass_at_k"] == 2
    assert "prepare_benchmark" not in jobs and "get_model" not in jobs
    assert jobs["plot_figure"] == 1  # only fig2_math shows MATH500
    old = snapshot(built / "results", "samples/**/shard-[01].parquet") | snapshot(built / "results", "verdicts/**/shard-[01].parquet")
    snakemake(built, config=config)
    assert snapshot(built / "results", "samples/**/shard-[01].parquet") | snapshot(built / "results", "verdicts/**/shard-[01].parquet") == old
    curve = (built / "results" / "passk" / "tiny-rl" / "math500" / "default" / "curve.csv").read_text().splitlines()
    assert len(curve) == 1 + 12
