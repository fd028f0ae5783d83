"""Fig 12: write the guessable problems of a no-CoT run (rule guess_filter)."""

from passk.analysis.guess_filter import guessable, write_filter
from passk.pipeline.rule import run_rule


def body(sm):
    filt = dict(sm.params.filter)
    max_accuracy = float(filt.get("max_accuracy", 0.05))
    ids = sorted({pid for path in sm.input for pid in guessable(path, max_accuracy=max_accuracy)})
    meta = {"model": filt["model"], "setting": filt.get("setting", "default"), "max_accuracy": max_accuracy, "sources": list(sm.input)}
    write_filter(ids, sm.output[0], meta)


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
