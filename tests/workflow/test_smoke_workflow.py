"""The smoke workflow end to end on the CPU: build, no-op rerun, plot-only rerun, raising n.

One scratch directory is shared by the tests of this module, in order, as a user's checkout
would be: the first test builds everything, the next ones change one thing each and check that
only what depends on it reruns.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wf_helpers import REPO, planned_jobs, planned_outputs, snakemake, snapshot, write_config

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
    for bench in ("humaneval_plus", "mbpp_plus", "lcb_2408_2501"):  # the sandbox ran every program
        rows = (built / "results" / "passk" / "tiny-rl" / bench / "default" / "problems.csv").read_text().splitlines()
        header = rows[0].split(",")
        assert all(int(r.split(",")[header.index("status_sandbox_error")]) == 0 for r in rows[1:]), rows
    report = (built / "results" / "reports" / "sampling.csv").read_text()
    assert "tiny-base,aime24,default,40," in report  # 5 problems x 8 samples


def test_second_run_executes_nothing(built: Path) -> None:
    assert planned_jobs(built, built / "smoke.yaml") == {}


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
