"""A figure's or table's report item: caption, image or HTML table, ΔSE table (rule report_<figure>)."""

from passk.pipeline.report import report_item
from passk.pipeline.rule import run_rule

run_rule(
    snakemake,  # noqa: F821 - injected by Snakemake
    lambda sm: report_item(
        dict(sm.params.figure),
        item=sm.input.item,
        out_item=sm.output.item,
        out_rst=sm.output.caption,
        pairs_md=sm.input.pairs[0] if sm.input.pairs else None,
        out_pairs=sm.output.pairs if "pairs" in sm.output.keys() else None,
        provenance=list(sm.input.provenance),
        problems=dict(zip(sm.params.benchmarks, sm.input.problems)),
        matched=list(sm.input.matched),
        logs=list(sm.input.logs),
    ),
)
