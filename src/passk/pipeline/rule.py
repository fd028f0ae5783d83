"""Glue between Snakemake's ``snakemake`` object and the library, shared by every rule script.

``run_rule`` sends the library's logging to the rule's log file and turns a ``PasskError`` (bad
input) or a ``VerifierError`` (a fault of the verifier itself) into a one-line message on stderr
and in the log, and a failed job, instead of a traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from passk.errors import PasskError, VerifierError
from passk.pipeline.provenance import environment_line, workflow_dir_of


def run_rule(snakemake: Any, body: Callable[[Any], None]) -> None:
    """Run ``body(snakemake)`` with logging to ``snakemake.log[0]`` and clean user-error reporting."""
    log_path = snakemake.log[0] if len(snakemake.log) else None
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", handlers=handlers, force=True)
    try:
        # Every job's log starts with its environment (package versions, git commit): the
        # provenance of outputs that carry none themselves, e.g. a sample shard made on a GPU node.
        logging.getLogger("passk.provenance").info("%s", environment_line(workflow_dir_of(snakemake)))
    except Exception as exc:  # noqa: BLE001 - provenance must never fail a job
        logging.getLogger("passk.provenance").warning("provenance not recorded: %s", exc)
    try:
        body(snakemake)
    except PasskError as exc:
        logging.getLogger("passk").error("%s", exc)
        sys.exit(1)
    except VerifierError as exc:
        logging.getLogger("passk").error("verifier fault (no verdict was written): %s", exc)
        sys.exit(1)
