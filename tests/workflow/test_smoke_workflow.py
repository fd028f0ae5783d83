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
    """A scratch directory in which the smoke workflow has run to completion once, on a copy of the
    staged data (``data_dir`` in its config) that a test may edit, e.g. an image."""
    workdir = tmp_path_factory.mktemp("smoke")
    data = workdir / "data"
    shutil.copytree(shared_data, data, copy_function=shutil.copyfile)  # writable, whatever the staged modes
    config = write_config(workdir / "smoke.yaml", REPO / "config" / "smoke.yaml", lambda c: c.update(data_dir=str(data)))
    snakemake(workdir, config=config)
    return workdir


def test_first_run_builds_every_figure(built: Path) -> None:
    for name in ("fig2_math", "fig9_math", "fig10_oat_dapo", "fig4_code", "fig4_vision", "fig5_minerva_histogram", "fig3_lcb", "fig11_lcb_windows", "fig12_aime_guess_filtered", "fig6_perplexity",
                 "fig1_grpo_steps", "fig8_algorithms", "fig14_algorithms_unfolded", "fig15_ablations", "fig18_training", "fig17_entropy_matched"):
        for ext in ("png", "pdf", "csv"):
            assert (built / "results" / "figures" / f"{name}.{ext}").stat().st_size > 0
    table = (built / "results" / "tables" / "table4_aime_coverage.md").read_text()
    assert "Tiny base" in table
    curve = (built / "results" / "passk" / "tiny-rl" / "math500" / "default" / "curve.csv").read_text().splitlines()
    assert curve[0].startswith("k,pass_at_k")
    assert len(curve) == 1 + 8  # k = 1..n with n = 8
    assert "tiny-base-direct" in (built / "results" / "filters" / "fig12_aime_guess_filtered.json").read_text()


def test_first_run_builds_the_verifier_panel(built: Path) -> None:
    """verify.math_checkers lists the paper's grader and the strict checker: their verdicts and
    curves are kept for every run the panel shows, and the panel figure and its disagreement table are built."""
    results = built / "results"
    for ext in ("png", "pdf", "csv"):
        assert (results / "figures" / f"verifier_panel_math.{ext}").stat().st_size > 0
    figure_data = (results / "figures" / "verifier_panel_math.csv").read_text()
    assert "Tiny base · paper grader" in figure_data and "Tiny RL · strict (last box)" in figure_data
    table = (results / "tables" / "verifier_panel_math.md").read_text()
    assert table.startswith("# Verifier panel (smoke)") and "pass@k_max" in table
    header = (results / "tables" / "verifier_panel_math.csv").read_text().splitlines()[0]
    assert header.startswith("model,benchmark,problem_id,index,gold,n,solved_math_verify,c_math_verify,solved_paper")
    for checker in ("paper", "strict"):
        assert len(list((results / "checkers" / checker / "verdicts").glob("*/*/*/shard-*.parquet"))) == 24  # 6 benchmarks x 2 models x 2 shards
        curve = (results / "checkers" / checker / "passk" / "tiny-rl" / "math500" / "default" / "curve.csv").read_text()
        assert len(curve.splitlines()) == 1 + 8
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


def test_training_run_figures_and_tables(built: Path) -> None:
    """Sec. 4 from the tiny checkpoints: Tables 2/3 with their ΔSE row, a pairs table per curve
    figure, Fig 18 from two logs with different column names, and Fig 17's searched temperature."""
    table3 = (built / "results" / "tables" / "table3_grpo_steps.md").read_text().splitlines()
    assert table3[2] == "pass@1 / pass@8 (%)"
    assert [line.split(" |")[0] for line in table3[6:10]] == ["| Tiny base", "| GRPO-step100", "| GRPO-step140", "| GRPO-step200"]
    assert table3[10].startswith("| ΔSE = pass@8(Tiny base) − best pass@1 |")
    assert "| PPO |" in (built / "results" / "tables" / "table2_algorithms.md").read_text()
    pairs = (built / "results" / "tables" / "pairs" / "fig8_algorithms.csv").read_text().splitlines()
    assert pairs[0].startswith("panel,a,b,k_max,") and len(pairs) == 1 + 2 * 3  # 2 panels x 3 pairs
    logs = (built / "results" / "figures" / "fig18_training.csv").read_text().splitlines()
    assert {row.split(",")[1] for row in logs[1:]} == {"GRPO", "PPO"} and len(logs) == 1 + 3 * 2 * 11
    search = json.loads((built / "results" / "entropy" / "tiny-rl" / "math500" / "entropy_matched.json").read_text())
    assert search["reference"]["model"] == "tiny-base" and search["steps"] and search["temperature"] > 0
    assert "after temperature scaling, before top-p" in search["definition"]


def test_adding_a_checkpoint_samples_only_it(built: Path) -> None:
    """A fourth checkpoint of the tiny GRPO run (step 170): only its model is built and sampled."""
    def add(c: dict) -> None:
        c["models"]["tiny-grpo-s170"] = {**c["models"]["tiny-grpo-s140"], "label": "Tiny GRPO step 170",
                                          "tiny": {**c["models"]["tiny-grpo-s140"]["tiny"], "train_steps": 170},
                                          "checkpoint": {"algorithm": "GRPO", "step": 170, "run": "GRPO"}}
        c["figures"]["fig1_grpo_steps"]["models"][0].append("tiny-grpo-s170")
    config = write_config(built / "smoke-ckpt4.yaml", built / "smoke.yaml", add)
    text = (lambda p: p.stdout + p.stderr)(snakemake(built, "-n", config=config))
    jobs = planned_jobs_from(text)
    outputs = planned_outputs_from(text)
    samples = sorted(o for o in outputs if o.startswith("results/samples/"))
    assert samples and all(o.startswith("results/samples/tiny-grpo-s170/") for o in samples), samples
    assert len(samples) == 2  # Fig 1's one benchmark, two shards
    assert jobs["get_model"] == 1 and jobs["sample"] == 2 and jobs["verify"] == 2 and jobs["pass_at_k"] == 1
    assert jobs["plot_figure"] == 1 and "prepare_benchmark" not in jobs and "match_temperature" not in jobs


def test_report_in_a_browser(built: Path) -> None:
    """`snakemake --report` builds; headless Chromium shows every image with a width > 0, and the
    comparison table has one row per number the paper states."""
    from report_browser import browser_available, inspect_report

    from passk.analysis.paper_comparison import load_paper_numbers

    snakemake(built, "--report", "results/report.html", config=built / "smoke.yaml")
    report = built / "results" / "report.html"
    assert report.stat().st_size > 100_000
    why = browser_available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser check: {why}")
        pytest.skip(why)
    shots = Path(os.environ.get("PASSK_REPORT_SCREENSHOTS") or built / "screenshots")
    found = inspect_report(report, shots)
    figures = [f for f, spec in yaml.safe_load((built / "smoke.yaml").read_text())["figures"].items() if spec["kind"] not in ("coverage_table", "checkpoint_table", "plan")]
    assert sorted(found["image_widths"]) == sorted(f"{f}.png" for f in figures)
    assert all(width > 0 for width in found["image_widths"].values()), found["image_widths"]
    assert all(complete and width > 0 for _, complete, width in found["page_images"]), found["page_images"]
    numbers = load_paper_numbers()
    assert [row[0] for row in found["comparison_rows"]] == [n["id"] for n in numbers]
    ours = {row[0]: row[4] for row in found["comparison_rows"]}
    assert ours["fig2/aime24/qwen-7b/base/k1"] != "not run" and ours["table2/DAPO/omni_math_test/k1"] == "not run"
    assert ours["fig17/math500/temperature"] != "not run"
    assert all(shot.stat().st_size > 0 for shot in found["screenshots"])
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


def test_the_vision_pair_draws_distinct_curves(built: Path) -> None:
    """Fig 4 right from MathVision's staged images: the tiny VL "rl" model beats its "base", and
    neither curve is all zero."""
    curves = {}
    for model in ("tiny-vl-base", "tiny-vl-rl"):
        rows = (built / "results" / "passk" / model / "mathvision" / "default" / "curve.csv").read_text().splitlines()[1:]
        curves[model] = [float(r.split(",")[1]) for r in rows]
    assert len(curves["tiny-vl-rl"]) == 8 and curves["tiny-vl-base"][-1] > 0
    assert curves["tiny-vl-rl"][0] > curves["tiny-vl-base"][0], curves


def test_changing_an_image_reruns_only_that_benchmarks_samples(built: Path) -> None:
    """Images are inputs of their benchmark's prepare job: editing one MathVision image plans the
    MathVision problem file, its samples and what follows from them (and the tiny VL models, which
    are trained on those problems), and no other benchmark's samples."""
    image = built / "data" / "vision" / "mathvision" / "images" / "4.jpg"
    before, stat = image.read_bytes(), image.stat()
    from PIL import Image

    with Image.open(image) as img:
        edited = img.convert("RGB")
    edited.putpixel((0, 0), (255, 0, 0))
    edited.save(image, format="JPEG")
    try:
        proc = snakemake(built, "-n", config=built / "smoke.yaml")
        text = proc.stdout + proc.stderr
        outputs = planned_outputs_from(text)
        jobs = planned_jobs_from(text)
    finally:
        image.write_bytes(before)
        os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert sorted(o for o in outputs if o.startswith("results/problems/")) == [
        "results/problems/mathvision.jsonl", "results/problems/mathvision.manifest.json"]
    samples = sorted(o for o in outputs if o.startswith("results/samples/"))
    every_vision_shard = sorted(str(p.relative_to(built)) for p in (built / "results" / "samples").glob("*/mathvision/*/*.parquet"))
    assert samples == every_vision_shard and len(samples) == 4
    assert set(jobs) <= {"prepare_benchmark", "get_model", "sample", "verify", "pass_at_k", "plot_figure", "pairs_table", "sampling_report",
                         "report_fig4_vision", "all"}, jobs
    assert jobs["prepare_benchmark"] == 1 and jobs["plot_figure"] == 1
    assert planned_jobs(built, built / "smoke.yaml") == {}  # the original image back: nothing to do


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
    # the verifier panel's checkers run through the same checker's worker pool: they rerun too
    analyses = {"answer_table", "cover_figure", "diversity_figure", "noise_figure", "plan_samples", "review_select", "review_judge_prompts",
                "review_judge", "cot_review"}  # the analyses of math runs (issue 15)
    downstream = {"pass_at_k", "plot_figure", "coverage_table", "checkpoint_table", "pairs_table", "paper_comparison", "guess_filter", "all",
                  "verify_checker", "pass_at_k_checker", "verifier_panel", *analyses}
    assert {j for j in jobs if not j.startswith("report_")} == {"verify", *downstream}, jobs
    # the report items of figures that show a math benchmark (their runs' provenance changes), no others
    assert not {"report_fig3_lcb", "report_fig4_code", "report_fig11_lcb_windows", "report_table5_lcb_coverage", "report_fig18_training"} & set(jobs), jobs
    verdicts = sorted(o for o in planned_outputs_from(text) if o.startswith("results/verdicts/"))
    math = ("aime24", "math500", "minerva_math", "olympiadbench", "amc23", "gsm8k", "omni_math_train", "omni_math_test")
    assert verdicts and all(v.split("/")[3] in math for v in verdicts), verdicts
    all_math_shards = sorted(str(p.relative_to(built)) for p in (built / "results" / "verdicts").glob("*/*/*/*.parquet") if p.parts[-3] in math)
    assert verdicts == all_math_shards


def test_named_figure_target(built: Path) -> None:
    proc = snakemake(built, "-n", "fig2_math", config=built / "smoke.yaml")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_plot_setting_reruns_only_the_plot(built: Path) -> None:
    config = write_config(built / "smoke-dpi.yaml", built / "smoke.yaml", lambda c: c["plot"].update(dpi=81))
    jobs = planned_jobs(built, config)
    figures = yaml.safe_load(config.read_text())["figures"]
    drawn = {f for f, spec in figures.items() if spec["kind"] not in ("coverage_table", "checkpoint_table", "plan")}
    analyses = {"test_strength_figure", "cover_figure", "diversity_figure", "noise_figure", "cot_review"}  # the analyses' figures (issue 15)
    assert {j for j in jobs if not j.startswith("report_")} == {"plot_figure", "plot_training_log", "verifier_panel", "all", *analyses}, jobs
    assert {j for j in jobs if j.startswith("report_")} <= {f"report_{f}" for f in drawn}, jobs  # and the report's copies
    before = snapshot(built / "results", "passk/**/*.csv")
    snakemake(built, config=config)
    assert snapshot(built / "results", "passk/**/*.csv") == before


def test_raising_n_reruns_only_new_shards(built: Path) -> None:
    config = write_config(built / "smoke-n12.yaml", built / "smoke-dpi.yaml", lambda c: c["benchmarks"]["math500"].update(n=12))
    outputs = planned_outputs(built, config)
    samples = sorted(o for o in outputs if o.startswith("results/samples/"))
    assert samples == [  # every run on MATH500 (Figs 2, 8, 14, 15, 17), one new shard each
        "results/samples/tiny-base/math500/default/shard-2.parquet",
        "results/samples/tiny-ppo-s200/math500/default/shard-2.parquet",
        "results/samples/tiny-rl/math500/default/shard-2.parquet",
        "results/samples/tiny-rl/math500/entropy_matched/shard-2.parquet",
    ]
    jobs = planned_jobs(built, config)
    assert jobs["sample"] == 4 and jobs["verify"] == 4 and jobs["pass_at_k"] == 4
    assert "prepare_benchmark" not in jobs and "get_model" not in jobs and "match_temperature" not in jobs
    assert jobs["plot_figure"] == 5  # the figures that show MATH500
    assert jobs["verify_checker"] == 4 and jobs["pass_at_k_checker"] == 4 and jobs["verifier_panel"] == 1  # the panel's 2 new shards x paper, strict
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
