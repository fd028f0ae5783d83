"""Progress of long jobs in their logs: done / total, rate and ETA, at least once a minute.

A sampling job on the paper grid runs for hours and a verification job for tens of minutes, with no
output in between. ``Progress`` is a context manager: the job calls ``advance(n)`` as work
completes, and a daemon thread writes one line to the job's log every ``interval`` seconds (60 by
default; ``PASSK_PROGRESS_INTERVAL`` overrides it) whether or not anything advanced since, plus a
last line at the end. Engines that report their own progress through a tqdm bar (vLLM's
``LLM.generate(use_tqdm=...)``) get a tqdm class that draws nothing and forwards its counts here
(``tqdm_class``).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from types import TracebackType
from typing import Any

INTERVAL_ENV = "PASSK_PROGRESS_INTERVAL"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class Progress:
    """Counts work done out of ``total`` ``unit``s and logs it periodically (see the module docstring)."""

    def __init__(self, what: str, total: int, unit: str, *, log: logging.Logger, interval: float | None = None) -> None:
        self.what, self.total, self.unit, self.log = what, int(total), unit, log
        self.interval = float(interval if interval is not None else os.environ.get(INTERVAL_ENV, 60.0))
        self.done = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._start = time.monotonic()
        self._thread: threading.Thread | None = None

    def line(self) -> str:
        """``what: done/total unit (pct%), rate unit/s, ETA …``."""
        with self._lock:
            done = self.done
        elapsed = time.monotonic() - self._start
        rate = done / elapsed if elapsed > 0 else 0.0
        pct = 100.0 * done / self.total if self.total else 100.0
        eta = _duration((self.total - done) / rate) if rate > 0 else "unknown"
        return f"{self.what}: {done}/{self.total} {self.unit} ({pct:.1f}%), {rate:.3g} {self.unit}/s, elapsed {_duration(elapsed)}, ETA {eta}"

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        with self._lock:
            self.done += int(n)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self.log.info("progress %s", self.line())

    def __enter__(self) -> Progress:
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._beat, name="passk-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if exc_type is None:
            self.log.info("progress %s", self.line())

    def tqdm_class(self, per_update: int = 1) -> Any:
        """A tqdm class that draws nothing and adds ``per_update`` units here for each unit it counts."""
        from tqdm import tqdm  # installed with transformers and vLLM; only engines that take a bar need it

        progress = self

        class _Forward(tqdm):  # type: ignore[misc,valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["file"] = open(os.devnull, "w")  # noqa: SIM115 - closed in close()
                super().__init__(*args, **kwargs)

            def update(self, n: float | None = 1) -> bool | None:
                progress.advance(int(n or 0) * per_update)
                return super().update(n)

            def close(self) -> None:
                super().close()
                self.fp.close()

        return _Forward
