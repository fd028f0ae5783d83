"""Open a Snakemake HTML report in headless Chromium (Debian's `chromium` + `chromium-driver`) and
look at it as a reader would: every result image displayed, the comparison table's rows counted.

The report is a single-page app: each result is shown when its entry is clicked, by
``app.setView({content, contentPath})`` with the result's embedded data URI. The checks call the
same function for every image and for the comparison page, wait for the browser to decode the image
(``complete``), and read ``naturalWidth``; the comparison page is an iframe whose table rows are
counted. Screenshots are saved as PNG.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

CHROMIUM = ("chromium", "chromium-browser")
FIND_IMAGE = "(Array.from(document.images).find(i => i.getAttribute('src') === results[arguments[0]].data_uri) || null)"
DRIVER = "chromedriver"


def browser_available() -> str | None:
    """Why the browser check cannot run here (None when it can)."""
    if not any(shutil.which(c) for c in CHROMIUM):
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if not shutil.which(DRIVER):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


def _driver(width: int = 1400, height: int = 1000) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = next(shutil.which(c) for c in CHROMIUM if shutil.which(c))
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=shutil.which(DRIVER)), options=options)


def _wait(driver: Any, script: str, timeout: float = 30.0, path: str | None = None) -> Any:
    end = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *([path] if path is not None else []))
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def inspect_report(report: Path, screenshot_dir: Path, comparison_name: str = "comparison.html", figure_shot: str | None = "fig8_algorithms.png") -> dict[str, Any]:
    """Show every result of the report; return each image's natural width, the comparison table's
    row count, and the screenshots saved."""
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    driver = _driver()
    try:
        driver.get(report.resolve().as_uri())
        _wait(driver, "return typeof app !== 'undefined' && typeof results !== 'undefined' && document.querySelector('#app').children.length > 0")
        entries = driver.execute_script("return Object.entries(results).map(([p, r]) => [p, r.mime_type, r.name]);")
        widths: dict[str, int] = {}
        shots = []
        for path, mime, name in entries:
            if not str(mime).startswith("image/"):
                continue
            driver.execute_script("app.setView({content: 'img', contentPath: results[arguments[0]].data_uri, resultPath: arguments[0]});", path)
            # the result's own <img> (the page also has the logo), found by its data URI
            _wait(driver, f"const i = {FIND_IMAGE}; return i !== null && i.complete;", path=path)
            widths[name] = int(driver.execute_script(f"return {FIND_IMAGE}.naturalWidth;", path))
            if name == figure_shot or (not shots and figure_shot is None):
                shot = screenshot_dir / "report-figure.png"
                driver.save_screenshot(str(shot))
                shots.append(shot)
        # one figure's caption (its result info: what was run, what differs from the paper)
        captioned = [p for p, mime, name in entries if name == (figure_shot or "")] or [p for p, mime, _ in entries if str(mime).startswith("image/")]
        driver.execute_script("app.showResultInfo(arguments[0]);", captioned[0])
        time.sleep(1.0)
        shot = screenshot_dir / "report-caption.png"
        driver.save_screenshot(str(shot))
        shots.append(shot)
        page_images = driver.execute_script("return Array.from(document.images).map(i => [i.src.slice(0, 40), i.complete, i.naturalWidth]);")
        (comparison,) = [p for p, mime, name in entries if name == comparison_name]
        driver.execute_script("app.setView({content: 'html', contentPath: results[arguments[0]].data_uri, resultPath: arguments[0]});", comparison)
        _wait(driver, "return document.querySelector('#app iframe') !== null;")
        driver.switch_to.frame(driver.find_element("css selector", "#app iframe"))
        _wait(driver, "return document.querySelector('#comparison tbody') !== null;")
        rows = driver.execute_script("return Array.from(document.querySelectorAll('#comparison tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent));")
        driver.switch_to.default_content()
        shot = screenshot_dir / "report-comparison.png"
        driver.save_screenshot(str(shot))
        shots.append(shot)
        return {"image_widths": widths, "page_images": page_images, "comparison_rows": rows, "screenshots": shots,
                "results": [(p, m) for p, m, _ in entries]}
    finally:
        driver.quit()


if __name__ == "__main__":  # python tests/workflow/report_browser.py results/report.html screenshots/
    import json
    import sys

    found = inspect_report(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else os.getcwd()))
    print(json.dumps({k: (v if k != "screenshots" else [str(s) for s in v]) for k, v in found.items() if k != "comparison_rows"}, indent=1))
    print(len(found["comparison_rows"]), "comparison rows")
