"""Run-level reports: truncation rate and token counts of the samples of every run."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from passk.io import atomic_open


def write_sampling_report(sample_paths: list[str], out_csv: str) -> None:
    """One CSV row per (model, benchmark, setting): samples, truncation rate, mean and max tokens.

    Paths follow ``results/samples/{model}/{bench}/{setting}/shard-{i}.parquet``. A high
    truncation rate means max_tokens cut answers short, which lowers pass@k silently.
    """
    stats: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # samples, length, tokens, max
    for path in sample_paths:
        parts = Path(path).parts
        key = (parts[-4], parts[-3], parts[-2])
        table = pq.read_table(path, columns=["finish_reason", "num_tokens"]).to_pydict()
        entry = stats[key]
        entry[0] += len(table["finish_reason"])
        entry[1] += sum(1 for reason in table["finish_reason"] if reason == "length")
        entry[2] += sum(table["num_tokens"])
        entry[3] = max([entry[3], *table["num_tokens"]])
    with atomic_open(out_csv) as fh:
        fh.write("model,benchmark,setting,samples,truncated,truncation_rate,mean_tokens,max_tokens\n")
        for (model, bench, setting), (count, length, tokens, longest) in sorted(stats.items()):
            rate = length / count if count else 0.0
            mean = tokens / count if count else 0.0
            fh.write(f"{model},{bench},{setting},{count},{length},{rate:.6f},{mean:.3f},{longest}\n")
