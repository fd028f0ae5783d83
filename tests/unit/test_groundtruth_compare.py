"""``groundtruth_differences``: two ground truths of the same problems compared as ``.ci/run`` does
for root's and an unprivileged user's (issue 11). Each kind of difference must be reported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from passk.benchmarks.evalplus.groundtruth import groundtruth_differences, write_groundtruth


def _entry(outputs: list[int], dropped: list[int] | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"base": [1, 2], "base_time": [0.1, 0.1], "base_bytes": [1, 1],
                         "plus": outputs, "plus_time": [0.1] * len(outputs), "plus_bytes": [1] * len(outputs)}
    if dropped:
        e["plus_kept"] = [i for i in range(len(outputs) + len(dropped)) if i not in dropped]
        e["plus_dropped"] = [{"index": i, "why": "exceeded its time limit"} for i in dropped]
    return e


BASE = {"HumanEval/0": _entry([3, 4, 5]), "Mbpp/255": _entry([7, 8], dropped=[1])}


def _write(path: Path, tasks: dict[str, dict[str, Any]], sha: str = "abc", machine: str = "root-box") -> Path:
    with open(path, "wb") as fh:
        write_groundtruth(fh, {"problems_sha256": sha, "machine": machine, "seconds": 1.0}, tasks)
    return path


def test_same_ground_truth_built_elsewhere_is_the_same(tmp_path: Path) -> None:
    other = copy.deepcopy(BASE)
    other["HumanEval/0"]["plus_time"] = [9.0, 9.0, 9.0]  # runtimes differ from machine to machine
    a = _write(tmp_path / "a.json.gz", BASE)
    b = _write(tmp_path / "b.json.gz", other, machine="user-box")
    assert groundtruth_differences(a, b) == []


def test_every_kind_of_difference_is_reported(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json.gz", BASE)
    changed = copy.deepcopy(BASE)
    changed["HumanEval/0"]["plus"][1] = 40
    diffs = groundtruth_differences(a, _write(tmp_path / "b.json.gz", changed))
    assert diffs == ["HumanEval/0: plus differs (3 against 3 entries; first difference at 1)"]

    dropped = copy.deepcopy(BASE)
    dropped["HumanEval/0"] = _entry([3, 5], dropped=[1])  # a sandbox fault that became a drop
    diffs = groundtruth_differences(a, _write(tmp_path / "c.json.gz", dropped))
    assert any("dropped plus inputs [1]" in d for d in diffs)
    assert any("dropped plus inputs differ: [] against [1]" in d for d in diffs)

    assert any(d.startswith("problems differ") for d in groundtruth_differences(a, _write(tmp_path / "d.json.gz", BASE, sha="other")))
    fewer = {"HumanEval/0": BASE["HumanEval/0"]}
    assert any(d.startswith("tasks differ") for d in groundtruth_differences(a, _write(tmp_path / "e.json.gz", fewer)))


def test_mbpp_255_may_drop_but_no_other_task(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json.gz", BASE)
    assert groundtruth_differences(a, a) == []
    assert groundtruth_differences(a, a, may_drop=()) == [f"Mbpp/255: {a} dropped plus inputs [1]"] * 2


def test_a_missing_file_is_a_difference(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json.gz", BASE)
    assert groundtruth_differences(a, tmp_path / "none.json.gz") == [f"{tmp_path / 'none.json.gz'}: no such ground-truth file"]


def test_an_order_only_difference_is_the_same(tmp_path: Path) -> None:
    """Mbpp/2's canonical ``tuple(set(a) & set(b))`` orders its elements by the process's hash seed:
    two builds differ in order only, which no sandbox can cause; other reorderings still count."""
    a = {"Mbpp/2": _entry([{"$tuple": ["b", "a"]}, {"$set": ["x", "y"]}])}
    b = {"Mbpp/2": _entry([{"$tuple": ["a", "b"]}, {"$set": ["y", "x"]}])}
    c = {"Mbpp/2": _entry([{"$tuple": ["a", "c"]}, {"$set": ["y", "x"]}])}
    pa, pb, pc = _write(tmp_path / "a.json.gz", a), _write(tmp_path / "b.json.gz", b), _write(tmp_path / "c.json.gz", c)
    assert groundtruth_differences(pa, pb) == []
    assert groundtruth_differences(pa, pc) == ["Mbpp/2: plus differs (2 against 2 entries; first difference at 0)"]
