"""The sampling report: truncation rate and token counts of every run's samples.

A high truncation rate means max_tokens cut answers short, which lowers pass@k silently (the
paper's own code capped prompt + output at 4096 tokens). The rule hands over which run each
shard belongs to; nothing here reads a run's name out of a path.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow.parquet as pq

from passk.io import csv_text, write_text

REPORT_COLUMNS = ("model", "benchmark", "setting", "samples", "truncated", "truncation_rate", "mean_tokens", "max_tokens")


def run_stats(shards: Sequence[str]) -> tuple[int, int, int, int]:
    """``(samples, truncated, total tokens, longest completion)`` of one run's sample shards."""
    count = length = tokens = longest = 0
    for path in shards:
        table = pq.read_table(path, columns=["finish_reason", "num_tokens"]).to_pydict()
        count += len(table["finish_reason"])
        length += sum(1 for reason in table["finish_reason"] if reason == "length")
        tokens += sum(table["num_tokens"])
        longest = max([longest, *table["num_tokens"]])
    return count, length, tokens, longest


def write_sampling_report(runs: Sequence[Sequence[str]], shards: Sequence[Sequence[str]], out_csv: str) -> None:
    """One CSV row per run ``(model, benchmark, setting)``, from that run's ``shards``, sorted by run."""
    if len(runs) != len(shards):
        raise ValueError(f"{len(runs)} runs but {len(shards)} lists of shards")
    rows = []
    for (model, bench, setting), paths in sorted(zip((tuple(r) for r in runs), shards)):
        count, length, tokens, longest = run_stats(paths)
        rate = length / count if count else 0.0
        mean = tokens / count if count else 0.0
        rows.append([model, bench, setting, count, length, f"{rate:.6f}", f"{mean:.3f}", longest])
    write_text(out_csv, csv_text(REPORT_COLUMNS, rows))
