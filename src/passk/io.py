"""File input and output with atomic writes and precise errors.

Writes go to a temporary name in the destination's directory and are renamed into place,
so a killed job never leaves a half-written file that looks complete. Reads of JSONL files
report the file and line of a malformed record.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from passk.errors import DataError


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()
_HOST = socket.gethostname().replace(".", "_")
STALE_TMP_SECONDS = 2 * 86400  # a temporary file from another host is only swept this old


def _sweep_stale_temporaries(dest: Path) -> None:
    """Remove ``dest``'s temporary files left by writers that were killed (SIGKILL skips ``finally``).

    A temporary name carries its writer's host and pid; one from this host whose pid is gone, or
    any older than ``STALE_TMP_SECONDS``, is removed. Snakemake never runs two jobs for one output,
    so no live writer of ``dest`` can lose its file.
    """
    now = time.time()
    for tmp in dest.parent.glob(f".{glob.escape(dest.name)}.*.tmp"):  # output names may hold brackets
        writer = tmp.name[len(dest.name) + 2 : -len(".tmp")].rsplit(".", 1)[0]  # "{host}-{pid}"
        host, _, pid = writer.rpartition("-")
        try:
            dead = host == _HOST and pid.isdigit() and not _alive(int(pid))
            if dead or now - tmp.stat().st_mtime > STALE_TMP_SECONDS:
                tmp.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale_temporaries(dest)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.{_HOST}-{os.getpid()}.", suffix=".tmp", dir=dest.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs get the mode a plain open() would
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[Any]:
    """Open a temporary file for writing that replaces ``path`` when closed without error."""
    with atomic_path(path) as tmp:
        if "b" in mode:
            with open(tmp, mode) as fh:
                yield fh
        else:
            with open(tmp, mode, encoding=encoding, newline="\n") as fh:
                yield fh


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Atomically write ``text`` to ``path``."""
    with atomic_open(path) as fh:
        fh.write(text)


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Atomically write ``obj`` as sorted, indented JSON (stable bytes for identical content)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def dumps_line(record: dict[str, Any]) -> str:
    """One JSONL line with stable key order."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True)


def write_jsonl(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> int:
    """Atomically write records as JSON lines; returns the number written."""
    count = 0
    with atomic_open(path) as fh:
        for record in records:
            fh.write(dumps_line(record) + "\n")
            count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a header and ``\\n`` line ends (stable bytes for the same rows)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def open_text(path: str | os.PathLike[str]) -> Any:
    """Open a text file for reading, transparently decompressing ``.gz``."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: file not found")
    if p.suffix == ".gz":
        return gzip.open(p, "rt", encoding="utf-8")
    return open(p, encoding="utf-8")


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, record)`` for each non-blank line; a bad line raises DataError naming file:line."""
    p = Path(path)
    lineno = 0
    try:
        with open_text(p) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{p}:{lineno}: malformed JSON ({exc.msg} at column {exc.colno})") from None
                if not isinstance(record, dict):
                    raise DataError(f"{p}:{lineno}: expected a JSON object, got {type(record).__name__}")
                yield lineno, record
    except (EOFError, OSError, gzip.BadGzipFile) as exc:  # truncated or corrupt gzip
        if isinstance(exc, DataError):
            raise
        raise DataError(f"{p}: unreadable after line {lineno} ({exc})") from None


def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All records of a JSONL file (see ``iter_jsonl`` for the errors)."""
    return [record for _, record in iter_jsonl(path)]


def read_json(path: str | os.PathLike[str]) -> Any:
    """Parse a JSON (optionally gzipped) file, naming the file in any error."""
    p = Path(path)
    try:
        with open_text(p) as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}:{exc.lineno}: malformed JSON ({exc.msg})") from None
    except (EOFError, OSError, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: unreadable ({exc})") from None


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    """Hex sha256 of a string's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
