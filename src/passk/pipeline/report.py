"""The HTML report's items (``snakemake --report results/report.html``): a caption per figure or
table saying what was run, and tables rendered as HTML.

A caption is written from what the run itself recorded, not from the config alone: each run's
``provenance.json`` (model revision and resolved commit, template, decoding settings, the seeds of
every shard, sample counts), its problem file (how many problems, and for code benchmarks which tests
they carry: LiveCodeBench public-only or public + private, problems without tests), the matched
temperatures of Fig 17, and the notes of ``analysis/paper_figures.yaml`` on what differs from the
paper (with our n against the paper's). It is reStructuredText, as Snakemake's report expects.
"""

from __future__ import annotations

import html
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from passk.io import atomic_path, read_jsonl, write_text

PAPER_FIGURES = "paper_figures.yaml"


def paper_figure_notes(figure: str) -> dict[str, Any]:
    """The paper's n and the known differences for one figure (``paper_figures.yaml`` beside this module)."""
    data = yaml.safe_load(Path(__file__).with_name(PAPER_FIGURES).read_text(encoding="utf-8")) or {}
    return data.get(figure) or {}


def _test_completeness(problems_path: str) -> str:
    records = list(read_jsonl(problems_path))
    if not records:
        return "no problems"
    if all("answer" in r for r in records):
        return f"{len(records)} problems, each with its gold answer"
    sources = Counter(str((r.get("metadata") or {}).get("tests_source") or ("evalplus base + plus inputs" if r.get("tests") else "none")) for r in records)
    without = sum(1 for r in records if not r.get("tests"))
    public = sum(int((r.get("metadata") or {}).get("n_public_tests") or 0) for r in records)
    private = sum(int((r.get("metadata") or {}).get("n_private_tests") or 0) for r in records)
    parts = [f"{len(records)} problems; tests: " + ", ".join(f"{k} ({v})" for k, v in sorted(sources.items()))]
    if public or private:
        parts.append(f"{public} public and {private} private test cases")
    if without:
        parts.append(f"{without} problems without tests (every sample of them counts as wrong)")
    return "; ".join(parts)


def _seeds(prov: dict[str, Any]) -> str:
    shards = prov.get("samples", {}).get("shards", {})
    firsts = [str(v["seeds"][0]) for _, v in sorted(shards.items()) if v.get("seeds")]
    shown = ", ".join(firsts[:4]) + (", …" if len(firsts) > 4 else "")
    return f"{len(shards)} shards; the first problem seed of each: {shown}"


def figure_caption(
    spec: dict[str, Any],
    *,
    provenance: list[str],
    problems: dict[str, str],
    matched: list[str],
    logs: list[str],
    out_rst: str,
) -> str:
    """Write the reStructuredText caption of one figure or table and return it."""
    notes = paper_figure_notes(spec["name"])
    lines = [f"**{spec.get('title') or spec['name']}** (``{spec['name']}``, kind ``{spec['kind']}``)", ""]
    if notes.get("paper"):
        lines += [f"The paper: {notes['paper']}", ""]
    runs = [json.loads(Path(p).read_text(encoding="utf-8")) for p in provenance]
    if runs:
        lines += ["What was run:", ""]
        for prov in runs:
            run, cfg, model = prov["run"], prov.get("config", {}), prov.get("model") or {}
            m = cfg.get("model", {})
            s = cfg.get("sampling", {})
            where = m.get("hf_id") or m.get("path") or "a tiny model built locally"
            rev = model.get("resolved_commit") or m.get("revision") or "-"
            lines.append(
                f"- {m.get('name', run.get('model'))} on {run.get('benchmark')} ({run.get('setting')}): {where} @ {rev}; "
                f"template {', '.join(prov.get('samples', {}).get('templates') or [str(m.get('template'))])}; n = {run.get('n')}; "
                f"T = {s.get('temperature')}, top-p = {s.get('top_p')}, max tokens = {s.get('max_tokens')}, base seed {s.get('seed')}; "
                f"{_seeds(prov)}; backend {', '.join(prov.get('samples', {}).get('backends') or ['-'])}"
            )
        lines.append("")
    if problems:
        lines += ["Problems and test completeness:", ""]
        lines += [f"- {bench}: {_test_completeness(path)}" for bench, path in sorted(problems.items())]
        lines.append("")
    for path in matched:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        lines.append(
            f"Entropy-matched temperature of {data['target']['model']} on {data['benchmark']}: T = {data['temperature']} "
            f"(its entropy {data['entropy']:.3f} vs {data['reference']['model']}'s {data['reference']['entropy']:.3f} at T = "
            f"{data['reference']['temperature']}; {len(data['steps'])} bisection steps on {len(data['problems'])} problems"
            + ("" if data.get("converged") else f"; not converged: {data.get('note')}") + ")."
        )
        lines.append("")
    if logs:
        lines += ["Training logs: " + ", ".join(f"``{Path(p).name}``" for p in logs), ""]
    differs = list(notes.get("differences") or [])
    paper_n = notes.get("n") or {}
    for prov in runs:
        bench, n = prov["run"].get("benchmark"), prov["run"].get("n")
        if bench in paper_n and n != paper_n[bench]:
            differs.append(f"{prov['run'].get('model')} on {bench}: n = {n}, the paper's n = {paper_n[bench]}")
    lines += ["What differs from the paper:", ""]
    lines += [f"- {d}" for d in differs] if differs else ["- nothing known"]
    text = "\n".join(lines) + "\n"
    write_text(out_rst, text)
    return text


def markdown_table_html(md_path: str, out_html: str, *, title: str) -> None:
    """A Markdown file's pipe tables (and its prose lines) as a small self-contained HTML page."""
    body = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            head, *rest = rows
            body.append("<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr></thead><tbody>"
                        + "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rest) + "</tbody></table>")
            rows.clear()

    for line in Path(md_path).read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-:") for c in cells):
                rows.append(cells)
            continue
        flush()
        if line.startswith("# "):
            body.append(f"<h2>{html.escape(line[2:])}</h2>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    flush()
    write_text(out_html, f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;font-size:13px}} table{{border-collapse:collapse}} td,th{{border:1px solid #ccc;padding:2px 6px}} th{{background:#eee}}</style>
</head><body>{''.join(body)}</body></html>
""")


def copy_file(src: str, dst: str) -> None:
    """Copy a file atomically (the report's own copy of a figure, beside its caption)."""
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def report_item(spec: dict[str, Any], *, item: str, out_item: str, out_rst: str, pairs_md: str | None, out_pairs: str | None,
                provenance: list[str], problems: dict[str, str], matched: list[str], logs: list[str]) -> None:
    """Everything one figure contributes to the report: its caption, its image (or its table as
    HTML) and, for curve figures, the ΔSE / crossover table as HTML."""
    figure_caption(spec, provenance=provenance, problems=problems, matched=matched, logs=logs, out_rst=out_rst)
    if item.endswith(".md"):
        markdown_table_html(item, out_item, title=spec.get("title") or spec["name"])
    else:
        copy_file(item, out_item)
    if pairs_md and out_pairs:
        markdown_table_html(pairs_md, out_pairs, title=f"{spec['name']}: ΔSE and crossover k")
