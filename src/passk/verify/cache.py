"""Progress cache of a verification job, so a crash halfway through a shard resumes where it stopped.

Verifying a shard of code samples can take an hour of sandbox time; a job killed at 90 % should
not start over. ``verify_shard_files`` verifies a shard in chunks of whole problems and appends
each chunk's verdicts to a side file; a rerun of the same job reads it back and verifies only the
samples not in it.

It is a *cache*, not a completion marker: the verdict shard is still written atomically at the
end and Snakemake's own incomplete-output tracking decides what reruns. The side file lives
outside Snakemake's outputs (``results/.cache/verify/…``), is ignored when anything that decides a
verdict changed, and is deleted once the verdict shard is in place.

Validity has two levels:

- the file's header holds a *context* hash: the verifier code version, the benchmark and verify
  and sandbox settings, and the sha256 of the problem and ground-truth files. A different context
  discards the whole file.
- each entry is keyed by (problem id, sample index, sha256 of the text), so a resampled shard
  with other completions never reuses a verdict.

A line cut short by a kill is ignored (the samples on it are simply verified again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_VERSION = 1
# Test hook: a verify job SIGKILLs itself once this many verdicts are checkpointed (simulates a
# crash in the workflow tests; never set in normal use).
FAULT_ENV = "PASSK_FAULT_VERIFY_AFTER"
# Samples per checkpoint: an operational knob (no effect on verdicts), so an environment variable
# rather than a config key — a config key would be a param and rerun every verify job.
CHUNK_ENV = "PASSK_VERIFY_CHECKPOINT_EVERY"
DEFAULT_CHUNK = 256


def checkpoint_every() -> int:
    """Samples per checkpoint (at least one problem's samples go in each chunk regardless)."""
    try:
        return max(1, int(os.environ.get(CHUNK_ENV, DEFAULT_CHUNK)))
    except ValueError:
        return DEFAULT_CHUNK


def progress_path(out_path: str | os.PathLike[str]) -> Path:
    """Where the progress of the verdict shard ``out_path`` is kept.

    ``results/verdicts/{model}/{bench}/{setting}/shard-{i}.parquet`` maps to
    ``results/.cache/verify/{model}/{bench}/{setting}/shard-{i}.jsonl``; any other path gets a
    hidden sibling file.
    """
    p = Path(out_path)
    parts = p.parts
    if "verdicts" in parts:
        i = parts.index("verdicts")
        return Path(*parts[:i], ".cache", "verify", *parts[i + 1:]).with_suffix(".jsonl")
    return p.with_name(f".{p.name}.progress.jsonl")


def context_hash(parts: dict[str, Any]) -> str:
    """A hash of everything (besides the sample itself) that decides a verdict."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sample_key(sample: dict[str, Any]) -> str:
    """The cache key of one sample: its problem, its index and the hash of its completion."""
    text = sample.get("text")
    digest = hashlib.sha256(str(text).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{sample.get('problem_id')}\x1f{sample.get('sample_index')}\x1f{digest}"


class VerifyProgress:
    """Append-only verdicts of one shard, valid for one context."""

    def __init__(self, path: str | os.PathLike[str], context: str) -> None:
        self.path = Path(path)
        self.context = context
        self.done = 0  # verdicts checkpointed by this process (for the fault hook)

    def load(self) -> dict[str, dict[str, Any]]:
        """Verdicts already checkpointed for this context, by sample key (empty if none or stale)."""
        if not self.path.exists():
            return {}
        verdicts: dict[str, dict[str, Any]] = {}
        with open(self.path, encoding="utf-8") as fh:
            header = fh.readline()
            try:
                meta = json.loads(header)
            except json.JSONDecodeError:
                meta = {}
            if meta.get("version") != CACHE_VERSION or meta.get("context") != self.context:
                log.info("%s: progress of another code version or inputs; starting over", self.path)
                return {}
            for line in fh:
                try:
                    entry = json.loads(line)
                    verdicts[entry["key"]] = entry["verdict"]
                except (json.JSONDecodeError, KeyError, TypeError):
                    break  # a line cut short by a kill: everything after it is re-verified
        return verdicts

    def start(self, keep: bool) -> None:
        """Open for appending; ``keep`` False (nothing reusable) starts a fresh file with the header."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not keep or not self.path.exists():
            with open(self.path, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"version": CACHE_VERSION, "context": self.context}) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        else:
            self._drop_partial_tail()

    def _drop_partial_tail(self) -> None:
        """Cut a final line without newline (a write killed midway), so appends start on a fresh line."""
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(cut)

    def append(self, keyed: list[tuple[str, dict[str, Any]]]) -> None:
        """Checkpoint verdicts (flushed and fsynced: they must survive a kill of the job)."""
        if not keyed:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            for key, verdict in keyed:
                fh.write(json.dumps({"key": key, "verdict": verdict}, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.done += len(keyed)
        after_checkpoint(self.done)

    def remove(self) -> None:
        """Delete the progress once the verdict shard is written (it would only take space)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        for parent in list(self.path.parents)[:4]:  # tidy empty cache folders, never beyond results/.cache
            try:
                parent.rmdir()
            except OSError:
                break


def after_checkpoint(done: int) -> None:
    """Fault-injection hook (tests): SIGKILL this process once ``$PASSK_FAULT_VERIFY_AFTER`` verdicts
    are checkpointed, the harshest crash there is (no cleanup, no exception handlers)."""
    limit = os.environ.get(FAULT_ENV)
    if limit and done >= int(limit):
        log.warning("simulated crash after %d checkpointed verdicts (%s)", done, FAULT_ENV)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)
