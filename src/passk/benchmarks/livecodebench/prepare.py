"""LiveCodeBench ``code_generation_lite``: a pinned release, a date window, an asserted count.

Sources (``prepare``):

- **Hub** (default, ``data_dir`` is None): the dataset repo's raw ``test*.jsonl`` files for the
  release tag, fetched with ``huggingface_hub`` — never the dataset's loading script (it needs
  ``trust_remote_code`` and no longer runs on ``datasets>=4``). The file list per tag mirrors the
  script's: ``release_vN`` = ``test.jsonl`` + ``test2.jsonl`` … ``testN.jsonl``; ``vN`` is the
  single file of that release; ``vA_vB`` the files A..B. ``file:`` in the config reads a local
  JSONL of the same format instead.
- **Offline** (``data_dir`` given): the staged files in ``{data_dir}/livecodebench`` — the official
  o1-mini release_v5 submission (ids, titles, dates, platform, difficulty, starter code of all 880
  problems, no tests) joined on the question text with DeepCoder's **public** tests of the 279
  problems of 2024-08-01..2025-02-01. ``func_name`` is derived from the starter code's
  ``class Solution`` method. Problems of the window without staged tests make ``prepare`` fail
  unless ``allow_missing_tests: true`` (then they carry ``tests: null``, and verifying a sample of
  one is an error naming the problem). ``metadata.tests_source`` says which tests a record holds.

Private tests (hub) are JSON or ``base64(zlib(pickle(json)))``; they are decoded by
``passk.benchmarks.safe_pickle`` (no code can run) and pinned by ``metadata.private_tests_sha256``;
``metadata.tests_sha256`` pins the full test set as verified.

Test completeness: every record says which tests it holds, ``metadata.tests``: ``full`` (the
release's public and private tests) or ``public`` (the staged DeepCoder files: public tests only,
which inflates pass@k). The verdicts, pass@k tables, provenance and figures carry it on; a
benchmark with ``tests: full`` refuses data without the private tests, and preparing public-only
data logs a warning.

Window: ``start_date <= contest_date < end_date`` (ISO dates; ``end_date`` exclusive, so
2024-08-01..2025-02-01 is "Aug 2024 – Jan 2025"). ``expected_count`` is asserted before ``limit``.

Order and ``index``: ``order: question_id`` (default) sorts by ``question_id`` as ``lcb_runner``
does before generating and grading (``build_prompt_benchmark``), so ``index`` lines up with any
``lcb_runner`` output file (the official submission files are in this order); ``order: date`` sorts
by ``(contest_date, question_id)``; ``order: source`` keeps the files' order. ``index`` is the 0-based
position in that order within the window (Table 5 uses 0-based indices).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from passk.benchmarks.livecodebench.safe_pickle import canonical_sha256, decode_private_tests
from passk.errors import ConfigError, DataError
from passk.io import iter_jsonl, read_json, sha256_file, write_jsonl

log = logging.getLogger(__name__)

HF_REPO = "livecodebench/code_generation_lite"
DEFAULT_RELEASE = "release_v5"
LATEST = 6  # release_latest = release_v6 (1055 problems)
SUBMISSION_FILE = "submissions_O1-Mini-2024-09-12_N1_codegeneration_release_v5_eval_all.json.gz"
DEEPCODER_FILE = "deepcoder_lcb_2408_2501_public_tests.json.gz"
ORDERS = ("question_id", "date", "source")
PAYLOAD = ("tests", (dict, list))  # what every problem record of the family carries


def release_files(release: str) -> list[str]:
    """The ``test*.jsonl`` files of a version tag, as the dataset's loading script maps them."""

    def name(i: int) -> str:
        return "test.jsonl" if i == 1 else f"test{i}.jsonl"

    if release == "release_latest":
        return [name(i) for i in range(1, LATEST + 1)]
    if m := re.fullmatch(r"release_v(\d+)", release):
        return [name(i) for i in range(1, int(m.group(1)) + 1)]
    if m := re.fullmatch(r"v(\d+)", release):
        return [name(int(m.group(1)))]
    if m := re.fullmatch(r"v(\d+)_v(\d+)", release):
        return [name(i) for i in range(int(m.group(1)), int(m.group(2)) + 1)]
    raise ConfigError(f"benchmarks.*.release: unknown LiveCodeBench version tag {release!r} (e.g. release_v5, v5, v4_v5)")


_DEF_IN_SOLUTION = re.compile(r"^class\s+Solution\b.*?^\s+def\s+([A-Za-z_]\w*)\s*\(\s*self\b", re.S | re.M)


def func_name_from_starter(starter_code: str) -> str | None:
    """The method of ``class Solution`` that a LeetCode starter code declares (None if none)."""
    if not starter_code:
        return None
    m = _DEF_IN_SOLUTION.search(starter_code)
    return m.group(1) if m else None


def _date(value: str, key: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", value):
        raise ConfigError(f"benchmarks.*.{key}: expected an ISO date like 2024-08-01, got {value!r}")
    return value[:10]


def _in_window(contest_date: str, start: str | None, end: str | None) -> bool:
    day = str(contest_date)[:10]
    return (start is None or day >= start) and (end is None or day < end)


def _tests_record(tests: list[dict[str, Any]], fn_name: str | None) -> dict[str, Any]:
    types = sorted({str(t.get("testtype", "")) for t in tests})
    return {
        "inputs": [t["input"] for t in tests],
        "outputs": [t["output"] for t in tests],
        "fn_name": fn_name,
        "testtype": types[0] if len(types) == 1 else types,
    }


def convert_raw(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """One raw ``code_generation_lite`` row as a canonical record (without ``benchmark``/``index``)."""
    try:
        public = json.loads(raw["public_test_cases"]) if raw.get("public_test_cases") else []
        meta = json.loads(raw["metadata"]) if isinstance(raw.get("metadata"), str) and raw["metadata"] else dict(raw.get("metadata") or {})
    except (json.JSONDecodeError, KeyError) as exc:
        raise DataError(f"{where}: malformed public tests or metadata ({exc})") from None
    private, encoding = decode_private_tests(raw.get("private_test_cases") or "", where=f"{where}: private_test_cases")
    fn_name = meta.get("func_name") or None
    tests = _tests_record(public + private, fn_name)
    return {
        "id": raw["question_id"],
        "question": raw["question_content"],
        "tests": tests,
        "metadata": {
            "title": raw.get("question_title"),
            "platform": raw.get("platform"),
            "contest_id": raw.get("contest_id"),
            "contest_date": raw.get("contest_date"),
            "difficulty": raw.get("difficulty"),
            "starter_code": raw.get("starter_code") or "",
            "func_name": fn_name,
            "n_public_tests": len(public),
            "n_private_tests": len(private),
            "private_tests_encoding": encoding,
            "private_tests_sha256": canonical_sha256(private),
            "tests_sha256": canonical_sha256(tests),
            "tests_source": "livecodebench-public+private",
            "tests": "full",
        },
    }


def _hub_files(release: str, cfg: dict[str, Any]) -> list[Path]:
    """Download (or reuse the cache of) the release's raw JSONL files; never runs the loading script."""
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise ConfigError("huggingface_hub is needed to download LiveCodeBench") from exc
    revision = cfg.get("revision")
    paths = []
    for name in release_files(release):
        try:
            paths.append(Path(hf_hub_download(HF_REPO, name, repo_type="dataset", revision=revision)))
        except Exception as exc:  # noqa: BLE001 - network/auth/cache errors all mean "cannot load"
            raise DataError(
                f"could not download hf://datasets/{HF_REPO}/{name} (revision {revision or 'main'}; "
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}). Offline? Use a local "
                "copy: a data folder holding livecodebench/ (set PASSK_DATA_DIR, or pass --data-dir DIR to passk "
                "verify-code, or data_dir in the workflow config), or the release's JSONL file itself (--data-file "
                "FILE, or benchmarks.<name>.file)") from None
    return paths


def _iter_raw(paths: Iterable[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in paths:
        for lineno, raw in iter_jsonl(path):
            yield f"{path}:{lineno}", raw


def _from_raw(paths: list[Path], start: str | None, end: str | None) -> list[dict[str, Any]]:
    records = []
    seen: set[str] = set()
    for where, raw in _iter_raw(paths):
        if not _in_window(raw.get("contest_date", ""), start, end):
            continue
        if raw.get("question_id") in seen:
            raise DataError(f"{where}: duplicate question_id {raw.get('question_id')!r}")
        seen.add(raw["question_id"])
        records.append(convert_raw(raw, where))
    return records


def _from_offline(lcb_dir: Path, start: str | None, end: str | None, allow_missing: bool) -> list[dict[str, Any]]:
    """Problems from the staged o1-mini submission joined with DeepCoder's public tests."""
    sub_path, dc_path = lcb_dir / SUBMISSION_FILE, lcb_dir / DEEPCODER_FILE
    submission = read_json(sub_path)
    deepcoder = read_json(dc_path)
    if not isinstance(submission, list) or not isinstance(deepcoder, list):
        raise DataError(f"{lcb_dir}: expected JSON arrays in {SUBMISSION_FILE} and {DEEPCODER_FILE}")
    tests_by_text: dict[str, list[dict[str, Any]]] = {}
    for i, row in enumerate(deepcoder):
        tests = row.get("tests")
        if isinstance(tests, str):
            import ast

            try:
                tests = ast.literal_eval(tests)  # literals only: cannot run code
            except (ValueError, SyntaxError) as exc:
                raise DataError(f"{dc_path}[{i}]: tests are not a Python literal ({exc})") from None
        if not isinstance(tests, list):
            raise DataError(f"{dc_path}[{i}]: tests must be a list")
        tests_by_text[row["problem"]] = tests
    records = []
    for i, row in enumerate(submission):
        if not _in_window(row.get("contest_date", ""), start, end):
            continue
        starter = row.get("starter_code") or ""
        fn_name = func_name_from_starter(starter)
        tests = tests_by_text.get(row["question_content"])
        if tests is not None:
            kinds = {t.get("testtype") for t in tests}
            if (fn_name is None) != (kinds == {"stdin"}):
                raise DataError(f"{sub_path}[{i}] {row['question_id']}: starter code and test types disagree ({kinds})")
            test_record: dict[str, Any] | None = _tests_record(tests, fn_name)
        elif allow_missing:
            test_record = None
        else:
            raise DataError(
                f"{sub_path}[{i}] {row['question_id']} ({row['contest_date'][:10]}): no staged tests; offline tests exist "
                "only for 2024-08-01..2025-02-01 (set allow_missing_tests: true to prepare the window without them)"
            )
        records.append(
            {
                "id": row["question_id"],
                "question": row["question_content"],
                "tests": test_record,
                "metadata": {
                    "title": row.get("question_title"),
                    "platform": row.get("platform"),
                    "contest_id": row.get("contest_id"),
                    "contest_date": row.get("contest_date"),
                    "difficulty": row.get("difficulty"),
                    "starter_code": starter,
                    "func_name": fn_name,
                    "n_public_tests": len(tests) if tests is not None else 0,
                    "n_private_tests": 0,
                    "tests_sha256": canonical_sha256(test_record) if test_record is not None else None,
                    "tests_source": "deepcoder-public" if tests is not None else "none",
                    "tests": "public" if tests is not None else None,
                    "source_files": {SUBMISSION_FILE: sha256_file(sub_path), DEEPCODER_FILE: sha256_file(dc_path)},
                },
            }
        )
    all_texts = {row["question_content"] for row in submission}
    unjoined = [text for text in tests_by_text if text not in all_texts]
    if unjoined:
        raise DataError(f"{dc_path}: {len(unjoined)} problems do not join to {SUBMISSION_FILE} by question text")
    return records


def check_tests(name: str, cfg: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Refuse public-only tests for ``tests: full``; warn that public-only tests inflate pass@k."""
    public = [r["id"] for r in records if r["metadata"].get("tests") != "full"]
    if not public:
        return
    if cfg.get("tests", "any") == "full":
        raise DataError(
            f"benchmarks.{name}.tests is 'full', but {len(public)} of {len(records)} problems have no private tests "
            f"(e.g. {public[0]}): the local LiveCodeBench files hold DeepCoder's public tests only. Unset "
            f"PASSK_DATA_DIR/data_dir to download {HF_REPO} with its private tests, or set tests: any"
        )
    log.warning("%s: %d of %d problems are graded on PUBLIC tests only (no private tests in the local files); "
                "pass@k will be higher than with the full tests, and every output says tests: public", name, len(public), len(records))


def sort_records(records: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Records in the configured order (see the module docstring)."""
    if order == "question_id":
        return sorted(records, key=lambda r: r["id"])
    if order == "date":
        return sorted(records, key=lambda r: (str(r["metadata"].get("contest_date") or ""), r["id"]))
    if order == "source":
        return list(records)
    raise ConfigError(f"benchmarks.*.order: unknown order {order!r}; known: {list(ORDERS)}")


def prepare(name: str, cfg: dict[str, Any], data_dir: str | None, out_path: str | Path) -> int:
    """Write the benchmark's canonical problem records to ``out_path`` (JSONL); returns the count.

    Reads ``cfg`` keys: ``release`` (default release_v5), ``start_date``, ``end_date``,
    ``expected_count`` (asserted), ``order`` (question_id | date | source), ``limit`` (smoke runs:
    first N after ordering), ``file`` (a local code_generation_lite JSONL, overrides the hub),
    ``revision`` (hub revision), ``allow_missing_tests`` (offline only).
    """
    release = str(cfg.get("release", DEFAULT_RELEASE))
    start = _date(cfg["start_date"], "start_date") if cfg.get("start_date") else None
    end = _date(cfg["end_date"], "end_date") if cfg.get("end_date") else None
    order = str(cfg.get("order", "question_id"))
    if order not in ORDERS:
        raise ConfigError(f"benchmarks.{name}.order: unknown order {order!r}; known: {list(ORDERS)}")
    if cfg.get("file"):
        records = _from_raw([Path(cfg["file"])], start, end)
    elif data_dir is not None:
        if release != "release_v5":
            raise ConfigError(f"benchmarks.{name}.release: the offline LiveCodeBench files are release_v5, not {release!r}")
        lcb_dir = Path(data_dir) / "livecodebench"
        if not lcb_dir.is_dir():
            raise DataError(f"{lcb_dir}: LiveCodeBench data directory not found")
        records = _from_offline(lcb_dir, start, end, bool(cfg.get("allow_missing_tests", False)))
    else:
        records = _from_raw(_hub_files(release, cfg), start, end)
    check_tests(name, cfg, records)
    expected = cfg.get("expected_count")
    if expected is not None and len(records) != int(expected):
        raise DataError(
            f"benchmarks.{name}: {release} window [{start}, {end}) has {len(records)} problems, expected_count is {expected}"
        )
    records = sort_records(records, order)
    if cfg.get("limit") is not None:
        records = records[: int(cfg["limit"])]
    for i, record in enumerate(records):
        record["benchmark"] = name
        record["index"] = i
        record["metadata"]["release"] = release
        record["metadata"]["order"] = order
    count = write_jsonl(out_path, records)
    log.info("%s: wrote %d LiveCodeBench problems (%s, %s..%s, order=%s)", name, count, release, start, end, order)
    return count


def sources(name: str, cfg: dict[str, Any], data_dir: str | None) -> list[dict[str, Any]]:
    """The files a benchmark's problems were read from (hub files by URL: they live in the hub's cache)."""
    if cfg.get("file"):
        return [{"path": str(cfg["file"]), "url": None, "revision": cfg.get("revision"), "pinned_sha256": None}]
    if data_dir is not None:
        return [{"path": str(Path(data_dir) / "livecodebench" / fname), "url": None, "revision": "release_v5", "pinned_sha256": None}
                for fname in (SUBMISSION_FILE, DEEPCODER_FILE)]
    release = str(cfg.get("release", DEFAULT_RELEASE))
    return [{"path": None, "url": f"hf://datasets/{HF_REPO}/{fname}", "revision": cfg.get("revision") or "main", "pinned_sha256": None}
            for fname in release_files(release)]
