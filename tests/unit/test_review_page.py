"""The review page: LaTeX to MathML offline, hostile chain text kept inert, nothing fetched."""

from __future__ import annotations

import json
import re
from pathlib import Path

from passk.analysis.review import text_sha256
from passk.figures.review_page import render_math, render_text, split_math, write_review_page


def test_split_math_finds_every_delimiter() -> None:
    text = "So $x^2$ and $$\\frac12$$ then \\(a\\) or \\[b\\], costing \\$5, answer \\boxed{\\frac{1}{2}}."
    assert split_math(text) == [
        ("text", "So "), ("inline", "x^2"), ("text", " and "), ("block", "\\frac12"), ("text", " then "), ("inline", "a"),
        ("text", " or "), ("block", "b"), ("text", ", costing $5, answer "), ("inline", "\\boxed{\\frac{1}{2}}"), ("text", "."),
    ]


def test_an_unclosed_dollar_is_text() -> None:
    assert split_math("it costs $5") == [("text", "it costs $5")]


def test_math_becomes_mathml() -> None:
    out = render_math("\\frac{a}{b}", "inline")
    assert out.startswith("<math") and "<mfrac>" in out and "display=\"inline\"" in out


def test_hostile_text_stays_text() -> None:
    hostile = "<script>alert(1)</script> $\\text{<img src=x onerror=alert(1)>}$ \\boxed{\\text{</math><script>x()</script>}}"
    html = render_text(hostile)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html


def test_unconvertible_latex_is_shown_as_source() -> None:
    assert render_math("\\frac{a}{", "inline") == '<code class="tex">\\frac{a}{</code>'


def _chain(pid: str, s: int, text: str) -> dict:
    return {"model": "m", "benchmark": "toy", "setting": "default", "label": "M", "problem_id": pid, "index": 0, "n": 20, "c": 1,
            "sample_index": s, "text": text, "extracted": "1", "sha256": text_sha256(text)}


def test_the_page_holds_everything_and_fetches_nothing(tmp_path: Path) -> None:
    chains = [_chain("t/0", 3, "Since $2+2=4$, \\boxed{4}</script><script>alert(1)</script>")]
    problems = {"toy": {"t/0": {"id": "t/0", "question": "What is $2+2$?", "answer": "4", "metadata": {"solution": "$2+2=\\boxed{4}$"}}}}
    key = ("m", "toy", "default", "t/0", 3)
    out = tmp_path / "index.html"
    write_review_page(figure="fig", title="Review", max_accuracy=0.05, chains=chains, problems=problems,
                      runs=[{"model": "m", "benchmark": "toy", "setting": "default", "label": "M", "bench_label": "Toy"}],
                      marks={key: "valid"}, suggestions={key: "invalid"}, judge_label="Judge", out_html=str(out))
    page = out.read_text()
    assert page.count("<script") == 2  # the page's data and its own code, nothing from the chain
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:|//)", page)  # nothing to fetch
    assert "default-src 'none'" in page
    assert "<mfrac>" not in page and "<mn>4</mn>" in page  # the chain's and the problem's math are MathML
    assert "judge Judge suggests: invalid" in page and 'data-mark="valid"' in page
    data = json.loads(re.search(r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S).group(1))
    assert data["marks"] == {"m|toy|default|t/0|3": "valid"} and data["chains"][0]["sha256"] == chains[0]["sha256"]
    assert "Reference solution" in page
