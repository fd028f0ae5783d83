"""The review page: one static HTML file to mark each lucky-guess chain of thought valid, invalid or unsure.

The page holds everything it shows: its style and script are inlined (``review_page.css``,
``review_page.js`` beside this module) and the LaTeX of problems, gold answers, reference
solutions and chains is turned into MathML here, when the page is written, by latex2mathml (a
PyPI dependency of passk), so a browser renders it with no script and nothing to fetch. Marks
are exported as a JSON download (``passk.analysis.review.read_marks`` reads it back).

Model output is hostile text: every piece of it is HTML-escaped, and the MathML latex2mathml
makes from it (which passes ``\\text{…}`` through unescaped) is parsed and rebuilt from an
allow-list of presentation-MathML elements and attributes; anything else, or LaTeX it cannot
convert, is shown as escaped source in ``<code>``. The embedded JSON escapes ``<``, so no text
can close its ``<script>`` element.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml

from passk.analysis.review import NO_JUDGE_MARK, ChainKey, chain_id, chain_key
from passk.io import write_text

HERE = Path(__file__).resolve().parent
_MATHML_TAGS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot",
    "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "munder", "mover", "munderover", "mtable", "mtr",
    "mtd", "mlabeledtr", "mmultiscripts", "mprescripts", "none", "semantics", "annotation",
})
_MATHML_ATTRS = frozenset({
    "display", "mathvariant", "stretchy", "fence", "separator", "separators", "lspace", "rspace", "notation", "columnalign",
    "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame", "width", "height", "depth",
    "linethickness", "displaystyle", "scriptlevel", "accent", "accentunder", "movablelimits", "form", "minsize",
    "maxsize", "symmetric", "largeop", "open", "close", "align", "mathsize", "encoding",
})
# (opening, closing, display) delimiters of math in text, longest opening first where they share a start.
_DELIMITERS = (("$$", "$$", "block"), ("\\[", "\\]", "block"), ("\\(", "\\)", "inline"), ("$", "$", "inline"))


def _matching_brace(text: str, open_at: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_at`` (-1 when unbalanced)."""
    depth = 0
    i = open_at
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def split_math(text: str) -> list[tuple[str, str]]:
    """``[(kind, content)]`` with kind ``text``, ``inline`` or ``block``: math between ``$…$``,
    ``$$…$$``, ``\\(…\\)``, ``\\[…\\]``, and a bare ``\\boxed{…}`` outside them (models often write
    one). ``\\$`` is a dollar sign; an opening with no closing is text."""
    parts: list[tuple[str, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("\\$", i):
            buf.append("$")
            i += 2
            continue
        if text.startswith("\\boxed{", i):
            end = _matching_brace(text, i + len("\\boxed"))
            if end != -1:
                parts.append(("text", "".join(buf)))
                buf = []
                parts.append(("inline", text[i:end + 1]))
                i = end + 1
                continue
        for opening, closing, kind in _DELIMITERS:
            if text.startswith(opening, i):
                end = text.find(closing, i + len(opening))
                if end != -1 and end > i + len(opening):
                    parts.append(("text", "".join(buf)))
                    buf = []
                    parts.append((kind, text[i + len(opening):end]))
                    i = end + len(closing)
                    break
        else:
            buf.append(text[i])
            i += 1
    parts.append(("text", "".join(buf)))
    return [(kind, content) for kind, content in parts if content]


def _rebuild(node: ET.Element) -> ET.Element | None:
    """A copy of a MathML tree with only allowed elements and attributes (None if any element is not)."""
    tag = node.tag.rsplit("}", 1)[-1]
    if tag not in _MATHML_TAGS:
        return None
    out = ET.Element(tag, {k: v for k, v in node.attrib.items() if k in _MATHML_ATTRS})
    out.text, out.tail = node.text, node.tail
    for child in node:
        copy = _rebuild(child)
        if copy is None:
            return None
        out.append(copy)
    return out


def render_math(latex: str, display: str) -> str:
    """Safe MathML for one LaTeX expression, or its escaped source when it cannot be converted."""
    fallback = f'<code class="tex">{html.escape(latex)}</code>'
    try:
        mathml = latex_to_mathml(latex, display=display)
        tree = _rebuild(ET.fromstring(mathml))
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds of errors on malformed input; show the source
        return fallback
    if tree is None:
        return fallback
    return ET.tostring(tree, encoding="unicode")


def render_text(text: str) -> str:
    """HTML of a text with LaTeX math in it: escaped text, MathML math."""
    out = []
    for kind, content in split_math(text):
        out.append(html.escape(content) if kind == "text" else render_math(content, kind))
    return "".join(out)


def _json_for_script(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def write_review_page(
    *,
    figure: str,
    title: str,
    max_accuracy: float,
    chains: Sequence[dict[str, Any]],
    problems: dict[str, dict[str, dict[str, Any]]],
    runs: Sequence[dict[str, str]],
    marks: dict[ChainKey, str],
    suggestions: dict[ChainKey, str],
    judge_label: str | None,
    out_html: str,
) -> None:
    """Write the page: one section per run (``runs``: model, benchmark, setting, label, bench_label),
    one box per selected problem (question, gold answer, reference solution, c of n) with its correct
    chains, each with the reviewer's mark (``marks``, those that apply) and the judge's suggestion."""
    body: list[str] = []
    for run in runs:
        key3 = (run["model"], run["benchmark"], run["setting"])
        mine = [c for c in chains if (c["model"], c["benchmark"], c["setting"]) == key3]
        setting = "" if run["setting"] == "default" else f" ({html.escape(run['setting'])})"
        body.append(f"<h2>{html.escape(run['label'])}{setting} · {html.escape(run['bench_label'])}</h2>")
        if not mine:
            body.append(f'<p class="meta">No problem with 0 &lt; accuracy &lt; {max_accuracy:g}: nothing to review.</p>')
            continue
        by_problem: dict[str, list[dict[str, Any]]] = {}
        for c in mine:
            by_problem.setdefault(c["problem_id"], []).append(c)
        for pid, items in by_problem.items():
            problem = problems[run["benchmark"]][pid]
            first = items[0]
            solution = (problem.get("metadata") or {}).get("solution")
            body.append('<div class="problem">')
            body.append(f'<h3>{html.escape(pid)} <span class="meta">(index {first["index"]}; {first["c"]} of {first["n"]} samples correct)</span></h3>')
            body.append(f'<div class="text question">{render_text(problem["question"])}</div>')
            body.append(f'<p>Gold answer: <span class="gold">{render_math(str(problem.get("answer", "")), "inline")}</span></p>')
            if solution:
                body.append(f'<details><summary>Reference solution</summary><div class="text">{render_text(solution)}</div></details>')
            for c in items:
                key = chain_key(c)
                cid = chain_id(key)
                name = html.escape(f"mark-{cid}", quote=True)
                suggestion = suggestions.get(key)
                said = "gave no mark" if suggestion == NO_JUDGE_MARK else f"suggests: {html.escape(suggestion or '')}"
                hint = (f'<span class="suggestion" title="a suggestion of the judge model, not a mark">judge '
                        f'{html.escape(judge_label or "")} {said}</span>') if suggestion else ""
                radios = "".join(
                    f'<label><input type="radio" name="{name}" value="{m}"> {m}</label>' for m in ("valid", "invalid", "unsure"))
                body.append(f'<section class="chain" data-id="{html.escape(cid, quote=True)}" data-mark="{marks.get(key, "")}">')
                body.append(f'<p class="meta">sample {c["sample_index"]} · extracted answer '
                            f'{render_math(str(c.get("extracted") or ""), "inline")}</p>')
                body.append(f'<div class="text chain-text">{render_text(c["text"])}</div>')
                body.append(f'<p class="controls">{radios}<button type="button" class="clear">clear</button>{hint}</p>')
                body.append("</section>")
            body.append("</div>")
    data = {
        "figure": figure,
        "download_name": f"{figure}-marks.json",
        "chains": [{"id": chain_id(chain_key(c)), "model": c["model"], "benchmark": c["benchmark"], "setting": c["setting"],
                    "problem_id": c["problem_id"], "sample_index": c["sample_index"], "sha256": c["sha256"]} for c in chains],
        "marks": {chain_id(k): v for k, v in sorted(marks.items())},
    }
    css = (HERE / "review_page.css").read_text(encoding="utf-8")
    script = (HERE / "review_page.js").read_text(encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{html.escape(title)}</title>
<style>
{css}</style>
</head>
<body>
<header>
<h1>{html.escape(title)}</h1>
<p class="meta">Correct chains of thought of the problems each model solves with 0 &lt; accuracy &lt; {max_accuracy:g}. Mark each
chain valid (the reasoning derives the answer), invalid (a guess, or wrong reasoning that lands on the answer) or unsure,
then export the marks and point the figure's <code>review.marks</code> in the config to the file.</p>
<p><button type="button" id="export">Export marks</button>
<label>Import marks <input type="file" id="import" accept="application/json,.json"></label>
<span class="meta">marked <span id="count-marked">0</span> of {len(chains)}: valid <span id="count-valid">0</span>,
invalid <span id="count-invalid">0</span>, unsure <span id="count-unsure">0</span></span><span id="status"></span></p>
</header>
<main>
{chr(10).join(body)}
</main>
<script type="application/json" id="review-data">{_json_for_script(data)}</script>
<script>
{script}</script>
</body>
</html>
"""
    write_text(out_html, page)
