"""Copy one shard out of a multi-shard sampling job's folder to its sample file (rule unpack_shard)."""

import os
import shutil

from passk.errors import DataError
from passk.io import atomic_path
from passk.pipeline.rule import run_rule


def body(sm):
    src = os.path.join(sm.input[0], f"{int(sm.wildcards.shard)}.parquet")
    if not os.path.isfile(src):
        raise DataError(f"{sm.input[0]}: shard {sm.wildcards.shard} is missing")
    with atomic_path(sm.output[0]) as tmp:
        shutil.copyfile(src, tmp)


run_rule(snakemake, body)  # noqa: F821 - injected by Snakemake
