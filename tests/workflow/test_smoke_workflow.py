"""The smoke workflow end to end on the CPU: build, no-op rerun, plot-only rerun, raising n.

One scratch directory is shared by the tests of this module, in order, as a user's checkout
would be: the first test builds everything, the next ones change one thing each and check that
only what depends on it reruns.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
import yaml
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
        assert header[4:] == ["status_correct", "status_wrong", "status_no_answer", "status_timeout", "status_runtime_error", "status_memory"]
        assert all(sum(map(int, r.split(",")[4:])) == int(r.split(",")[2]) for r in rows[1:]), rows
    report = (built / "results" / "reports" / "sampling.csv").read_text()
    assert "tiny-base,aime24,default,40," in report  # 5 problems x 8 samples


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
    analyses = {"answer_table", "cover_figure", "diversity_figure", "noise_figure", "plan_samples", "review_select", "review_judge_prompts",
                "review_judge", "cot_review"}  # the analyses of math runs (issue 15)
    assert set(jobs) == {"verify", "pass_at_k", "plot_figure", "coverage_table", "guess_filter", "all"} | analyses, jobs
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
    drawn = {"test_strength_figure", "cover_figure", "diversity_figure", "noise_figure", "cot_review"}  # the analyses' figures (issue 15)
    assert set(jobs) == {"plot_figure", "all"} | drawn, jobs
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


# --- The analyses beyond the paper (issue 15): their outputs, the plan's top-up and the review page.

ANALYSIS_FIGURES = ("test_strength_code", "cover_math", "diversity_math", "noise_math", "review_lucky_guesses")


def test_analyses_are_built(built: Path) -> None:
    results = built / "results"
    for name in ANALYSIS_FIGURES:
        for path in (f"figures/{name}.png", f"figures/{name}.pdf", f"figures/{name}.csv", f"tables/{name}.md", f"tables/{name}.csv"):
            assert (results / path).stat().st_size > 0, path
    strength = (results / "tables" / "test_strength_code.csv").read_text().splitlines()
    assert strength[0].startswith("label,model,benchmark,setting,problems,n,samples,pass_base,pass_plus,false_positives")
    assert len(strength) == 1 + 4  # two models x HumanEval+, MBPP+
    assert "cover@0.125" in (results / "tables" / "cover_math.md").read_text()
    assert "Mean entropy (bits)" in (results / "tables" / "diversity_math.md").read_text()
    assert "forecast from n=4" in (results / "figures" / "noise_math.csv").read_text()
    plan = (results / "plans" / "plan_math.md").read_text()
    assert "Planned n" in plan and (results / "plans" / "plan_math.yaml").exists()
    page = (results / "review" / "review_lucky_guesses" / "index.html").read_text()
    assert "<math" in page and 'class="chain"' in page and "judge Tiny RL" in page


def test_the_plan_tops_runs_up_with_new_shards_only(built: Path) -> None:
    """`--configfile smoke.yaml results/plans/plan_math.yaml` raises n of the planned runs: the dry run
    samples only the new shards of those runs, and no existing shard again."""
    fragment = built / "results" / "plans" / "plan_math.yaml"
    raised = (yaml.safe_load(fragment.read_text()) or {}).get("benchmarks", {}).get("olympiadbench", {}).get("n_per_model", {})
    assert raised, fragment.read_text()  # the smoke pilot (n = 8) is far from a half-width of 0.1 at k = 8
    proc = snakemake(built, "-n", "--configfile", str(built / "smoke.yaml"), str(fragment))
    samples = sorted(o for o in planned_outputs_from(proc.stdout + proc.stderr) if o.startswith("results/samples/"))
    expected = sorted(f"results/samples/{model}/olympiadbench/default/shard-{s}.parquet"
                      for model, n in raised.items() for s in range(2, n // 4))
    assert samples == expected


def _chromium(download_dir: Path):
    """Debian's chromium, headless, through its chromedriver; downloads land in ``download_dir``."""
    from selenium import webdriver  # the browser test's own dependency (the dev extra)
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1400"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(download_dir), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    return driver


def _summary(built: Path) -> dict[tuple[str, str], dict[str, str]]:
    import csv

    with open(built / "results" / "tables" / "review_lucky_guesses.csv", newline="") as fh:
        return {(r["model"], r["benchmark"]): r for r in csv.DictReader(fh)}


def test_marking_two_chains_in_chromium_changes_the_table(built: Path, tmp_path: Path) -> None:
    """The review page in headless Chromium: mark one chain valid and one invalid, export the marks
    (a download), point review.marks at the file, rerun the figure, and read the table's new counts."""
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are not installed (.ci/run installs them)")
        pytest.skip("needs Debian's chromium and chromium-driver")
    from selenium.webdriver.common.by import By

    page = built / "results" / "review" / "review_lucky_guesses" / "index.html"
    before = _summary(built)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = _chromium(downloads)
    try:
        driver.get(page.as_uri())
        chains = driver.find_elements(By.CSS_SELECTOR, "section.chain")
        assert len(chains) >= 2
        marked = [chains[0].get_attribute("data-id"), chains[1].get_attribute("data-id")]
        chains[0].find_element(By.CSS_SELECTOR, "input[value=valid]").click()
        chains[1].find_element(By.CSS_SELECTOR, "input[value=invalid]").click()
        assert driver.find_element(By.ID, "count-marked").text == "2"
        # the LaTeX is MathML the browser lays out, and the page loaded nothing besides itself
        assert driver.execute_script("return Math.max(...[...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width))") > 0
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        driver.find_element(By.ID, "export").click()
        exported = downloads / "review_lucky_guesses-marks.json"
        for _ in range(100):
            if exported.exists() and exported.stat().st_size > 0:
                break
            time.sleep(0.1)
        shot = Path(os.environ.get("PASSK_TEST_ARTIFACTS", tmp_path)) / "review_page.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(shot))
        print(f"screenshot: {shot}")
    finally:
        driver.quit()
    marks = json.loads(exported.read_text())
    assert [(m["mark"]) for m in marks["marks"]] and {m["mark"] for m in marks["marks"]} == {"valid", "invalid"}

    (built / "review").mkdir(exist_ok=True)
    shutil.copy(exported, built / "review" / "marks.json")
    config = write_config(built / "smoke-marks.yaml", built / "smoke.yaml",
                          lambda c: c["figures"]["review_lucky_guesses"]["review"].update(marks="review/marks.json"))
    assert set(planned_jobs(built, config, "review_lucky_guesses")) == {"cot_review", "review_lucky_guesses"}
    snakemake(built, "review_lucky_guesses", "--configfile", str(config))  # the target first: --configfile takes every name after it
    after = _summary(built)
    valid, invalid = (chain_id.split("|") for chain_id in marked)
    for key, row in after.items():
        old = before[key]
        plus_valid = int(key == (valid[0], valid[1]))
        plus_invalid = int(key == (invalid[0], invalid[1]))
        assert int(row["chains_valid"]) == int(old["chains_valid"]) + plus_valid, key
        assert int(row["chains_invalid"]) == int(old["chains_invalid"]) + plus_invalid, key
        assert int(row["chains_unmarked"]) == int(old["chains_unmarked"]) - plus_valid - plus_invalid, key
        if plus_valid:  # its problem now has a valid chain: solved under CoT-valid pass@n too
            assert int(row["rare_valid"]) == int(old["rare_valid"]) + 1
            assert float(row["cot_valid_pass_at_n"]) > float(old["cot_valid_pass_at_n"])
    redrawn = page.read_text()
    assert f'data-id="{marked[0]}" data-mark="valid"' in redrawn and f'data-id="{marked[1]}" data-mark="invalid"' in redrawn
