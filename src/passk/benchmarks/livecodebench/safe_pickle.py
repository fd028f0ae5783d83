"""Decode LiveCodeBench's private tests without letting the payload run code.

LiveCodeBench stores most private test cases as ``base64(zlib(pickle(json_string)))``, and its
own loader calls ``pickle.loads`` on what it downloads. Unpickling downloaded bytes executes any
callable the payload names (``os.system`` via ``GLOBAL`` + ``REDUCE``), so a tampered mirror or
cache could run code on the machine that prepares the data. Here the unpickler resolves **no**
global at all: plain built-in values (str, bytes, int, float, bool, None, list, tuple, dict, set)
are built by pickle opcodes directly and never need ``find_class``, while every opcode that would
fetch a callable or class (``GLOBAL``, ``STACK_GLOBAL``, ``INST``, ``OBJ``, ``EXT*``,
``PERSID``) ends in ``find_class``/``persistent_load``, which refuse. Decompression is capped so
a zlib bomb cannot exhaust memory, and the decoded value is checked to be a tree of plain types.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import pickle
import zlib
from typing import Any

from passk.errors import DataError

#: Largest decompressed payload accepted (LCB's biggest private test blobs are ~100 MB).
MAX_DECOMPRESSED_BYTES = 1 << 30

_PLAIN_SCALARS = (str, bytes, int, float, bool, type(None))


class RefusingUnpickler(pickle.Unpickler):
    """An unpickler that admits only values built from plain built-in types."""

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        """Refuse every global: plain data never needs one, code execution always does."""
        raise pickle.UnpicklingError(f"refused global {module}.{name}: only plain built-in types are allowed")

    def persistent_load(self, pid: Any) -> Any:
        """Refuse persistent ids (they hand control to application code)."""
        raise pickle.UnpicklingError("refused persistent id: only plain built-in types are allowed")


def _check_plain(value: Any, depth: int = 0) -> None:
    """Raise UnpicklingError unless ``value`` is a tree of plain built-in values (exact types)."""
    if depth > 200:
        raise pickle.UnpicklingError("value nested too deeply")
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return
    if kind in (list, tuple, set, frozenset):
        for item in value:
            _check_plain(item, depth + 1)
        return
    if kind is dict:
        for key, item in value.items():
            _check_plain(key, depth + 1)
            _check_plain(item, depth + 1)
        return
    raise pickle.UnpicklingError(f"refused value of type {kind.__name__}")


def safe_loads(data: bytes) -> Any:
    """Unpickle ``data`` admitting only plain built-in types; raises ``pickle.UnpicklingError`` otherwise."""
    try:
        value = RefusingUnpickler(io.BytesIO(data), buffers=None).load()
    except pickle.UnpicklingError:
        raise
    except Exception as exc:  # malformed streams raise assorted errors (EOFError, ValueError, ...)
        raise pickle.UnpicklingError(f"malformed pickle ({type(exc).__name__}: {exc})") from None
    _check_plain(value)
    return value


def _bounded_decompress(blob: bytes, limit: int) -> bytes:
    """zlib-decompress at most ``limit`` bytes; more means a bomb or a corrupt file."""
    decomp = zlib.decompressobj()
    out = decomp.decompress(blob, limit)
    if decomp.unconsumed_tail:
        raise DataError(f"compressed tests expand beyond {limit} bytes")
    return out + decomp.flush()


def decode_private_tests(encoded: str, *, where: str = "private_test_cases", limit: int = MAX_DECOMPRESSED_BYTES) -> tuple[list[dict[str, Any]], str]:
    """Decode a ``private_test_cases`` field into a list of test dicts and the encoding used.

    The field is plain JSON for old problems and ``base64(zlib(pickle(json_string)))`` for newer
    ones (LiveCodeBench tries JSON first, as here). Returns ``(tests, encoding)`` with encoding
    ``"json"`` or ``"base64-zlib-pickle"``. Anything else, including a pickle that names a
    global, raises ``DataError`` naming ``where``.
    """
    if not encoded:
        return [], "empty"
    try:
        value = json.loads(encoded)
        encoding = "json"
    except (json.JSONDecodeError, ValueError):
        try:
            raw = base64.b64decode(encoded.encode("ascii"), validate=False)
            unpacked = _bounded_decompress(raw, limit)
        except (binascii.Error, zlib.error, UnicodeEncodeError) as exc:
            raise DataError(f"{where}: neither JSON nor base64+zlib ({exc})") from None
        try:
            value = safe_loads(unpacked)
        except pickle.UnpicklingError as exc:
            raise DataError(f"{where}: unsafe or malformed pickle refused ({exc})") from None
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except (json.JSONDecodeError, ValueError) as exc:
                raise DataError(f"{where}: pickled text is not JSON ({exc})") from None
        encoding = "base64-zlib-pickle"
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise DataError(f"{where}: expected a list of test objects, got {type(value).__name__}")
    for i, test in enumerate(value):
        if not isinstance(test.get("input"), str) or not isinstance(test.get("output"), str):
            raise DataError(f"{where}[{i}]: test needs string 'input' and 'output'")
    return value, encoding


def canonical_sha256(value: Any) -> str:
    """sha256 of the canonical JSON of ``value`` (sorted keys, no spaces): pins decoded tests."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
