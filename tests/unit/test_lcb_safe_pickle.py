"""Private-test decoding: JSON and base64+zlib+pickle are decoded; a pickle that names any global is refused."""

from __future__ import annotations

import base64
import json
import os
import pickle
import zlib
from pathlib import Path

import pytest

from passk.benchmarks.livecodebench.safe_pickle import canonical_sha256, decode_private_tests, safe_loads
from passk.errors import DataError

TESTS = [{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}]


def encode(obj: object, protocol: int = 4) -> str:
    """LiveCodeBench's encoding: base64(zlib(pickle(obj)))."""
    return base64.b64encode(zlib.compress(pickle.dumps(obj, protocol=protocol))).decode("ascii")


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):  # the classic payload: os.system at load time
        return (os.system, (f"touch {self.path}",))


def test_json_field_is_decoded_as_json() -> None:
    tests, enc = decode_private_tests(json.dumps(TESTS))
    assert tests == TESTS and enc == "json"


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_pickled_json_string_is_decoded(protocol: int) -> None:
    tests, enc = decode_private_tests(encode(json.dumps(TESTS), protocol))
    assert tests == TESTS and enc == "base64-zlib-pickle"


def test_pickled_plain_list_is_decoded() -> None:
    tests, _ = decode_private_tests(encode(TESTS))
    assert tests == TESTS


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_code_running_pickle_is_refused(tmp_path: Path, protocol: int) -> None:
    sentinel = tmp_path / "pwned"
    payload = encode([_Evil(str(sentinel))], protocol)
    with pytest.raises(DataError, match="refused"):
        decode_private_tests(payload, where="abc999_z: private_test_cases")
    assert not sentinel.exists(), "the pickle ran code"


def test_any_class_is_refused_even_harmless_ones() -> None:
    import collections

    with pytest.raises(pickle.UnpicklingError, match="refused global"):
        safe_loads(pickle.dumps(collections.OrderedDict(a=1)))


def test_non_plain_values_and_garbage_are_refused() -> None:
    with pytest.raises(pickle.UnpicklingError):
        safe_loads(b"not a pickle")
    with pytest.raises(DataError):
        decode_private_tests("@@@ not base64 nor json @@@")
    with pytest.raises(DataError, match="list of test objects"):
        decode_private_tests(encode(json.dumps({"input": "x"})))


def test_decompression_bomb_is_capped() -> None:
    bomb = base64.b64encode(zlib.compress(pickle.dumps("x" * (1 << 20)))).decode()
    with pytest.raises(DataError, match="expand beyond"):
        decode_private_tests(bomb, limit=1 << 16)


def test_hash_is_canonical() -> None:
    a = [{"input": "1", "output": "2", "testtype": "stdin"}]
    b = [{"testtype": "stdin", "output": "2", "input": "1"}]
    assert canonical_sha256(a) == canonical_sha256(b)
    assert canonical_sha256(a) != canonical_sha256([{"input": "1", "output": "3", "testtype": "stdin"}])
