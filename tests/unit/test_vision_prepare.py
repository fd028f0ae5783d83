"""The visual math loaders on the staged annotations: counts, queries, images, placeholders.

MathVision's images are staged; MathVista's are not, so its loader is tested with generated
placeholder images (PNG with the passk-placeholder text chunk), which every run outside the tests
refuses.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from passk.benchmarks.vision import prepare as vp
from passk.errors import DataError
from passk.io import read_jsonl, sha256_file
from passk.records.images import PLACEHOLDER_KEY, check_image, is_placeholder, write_placeholder
from passk.records.problems import load_problems


@pytest.fixture(scope="module")
def mathvista_placeholders(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A MathVista folder: the staged annotation and a placeholder for every free-form image."""
    root = tmp_path_factory.mktemp("mathvista")
    shutil.copy(shared_data / "vision" / "mathvista" / "testmini.json", root / "testmini.json")
    for rec in json.loads((root / "testmini.json").read_text()).values():
        if rec["question_type"] == "free_form":
            write_placeholder(root / rec["image"], 40 + int(rec["pid"]) % 50, 30, label=f"pid {rec['pid']}")
    return root


def test_mathvision_keeps_the_114_free_form_problems_with_their_staged_images(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "mathvision.jsonl"
    n = vp.prepare("mathvision", {"family": "vision", "dataset": "mathvision"}, str(shared_data), out)
    assert n == 114
    problems = load_problems(out, ("answer", str))
    first = problems["mathvision/4"]
    assert first["index"] == 0 and first["answer"] == "6" and first["metadata"]["answer_type"] == "integer"
    [image] = first["images"]
    assert image["path"] == str((shared_data / "vision" / "mathvision" / "images" / "4.jpg").resolve())
    assert image["sha256"] == sha256_file(image["path"])
    types = sorted({p["metadata"]["answer_type"] for p in problems.values()})
    assert types == ["float", "integer", "text", "tuple"]
    pins = json.loads((Path(vp.__file__).with_name(vp.MATHVISION_IMAGE_PINS)).read_text())["sha256"]
    assert {p["metadata"]["source_id"]: p["images"][0]["sha256"] for p in problems.values()} == pins


def test_mathvista_keeps_the_460_free_form_problems(mathvista_placeholders: Path, tmp_path: Path) -> None:
    records = vp.load_problems_from(mathvista_placeholders / "testmini.json", "mathvista", mathvista_placeholders,
                                    allow_placeholders=True, expected_free_form=460)
    assert len(records) == 460
    by_type: dict[tuple[str, int | None], int] = {}
    for r in records:
        key = (r["metadata"]["answer_type"], r["metadata"]["precision"])
        by_type[key] = by_type.get(key, 0) + 1
    assert by_type == {("integer", None): 418, ("float", 1): 20, ("float", 2): 20, ("list", None): 2}
    assert sum(1 for r in records if r["metadata"]["unit"]) == 50
    one = records[0]
    assert one["id"] == "mathvista/1" and one["answer"] == "1.2" and one["metadata"]["precision"] == 1
    assert one["question"].startswith("Hint: Please answer the question requiring a floating-point number with one decimal place")
    assert "\nQuestion: When a spring does work" in one["question"]
    unit = next(r for r in records if r["metadata"]["source_id"] == "2")
    assert unit["question"].endswith("what is the total volume of the measuring cup? (Unit: g)") and unit["metadata"]["unit"] == "g"


def test_a_run_refuses_placeholder_images(mathvista_placeholders: Path, tmp_path: Path) -> None:
    """Outside the tests (no allow_placeholders) a generated stand-in is refused, naming the file and why."""
    with pytest.raises(DataError, match=PLACEHOLDER_KEY):
        vp.load_problems_from(mathvista_placeholders / "testmini.json", "mathvista", mathvista_placeholders, limit=3)
    cfg = {"family": "vision", "dataset": "mathvista", "file": str(mathvista_placeholders / "testmini.json"),
           "images": str(mathvista_placeholders)}
    with pytest.raises(DataError, match="generated placeholder"):
        vp.prepare("mathvista", cfg, None, tmp_path / "p.jsonl")
    image = mathvista_placeholders / "images" / "1.jpg"
    assert is_placeholder(image)
    check_image(image, allow_placeholder=True)
    with pytest.raises(DataError, match="placeholder"):
        check_image(image)


def test_local_images_by_config_and_limit(shared_data: Path, tmp_path: Path) -> None:
    """``images:`` names a folder (files directly in it work too); ``limit`` keeps the first N."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("4.jpg", "5.jpg", "7.jpg"):
        shutil.copy(shared_data / "vision" / "mathvision" / "images" / name, folder / name)
    cfg = {"family": "vision", "dataset": "mathvision", "images": str(folder), "limit": 3}
    out = tmp_path / "p.jsonl"
    assert vp.prepare("mathvision", cfg, str(shared_data), out) == 3
    assert [Path(r["images"][0]["path"]).parent for r in read_jsonl(out)] == [folder.resolve()] * 3
    assert vp.image_inputs("mathvision", cfg, str(shared_data)) == [str(folder.resolve() / n) for n in ("4.jpg", "5.jpg", "7.jpg")]


def test_missing_image_names_the_file(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    cfg = {"family": "vision", "dataset": "mathvision", "images": str(folder), "limit": 1}
    with pytest.raises(DataError, match=r"testmini.jsonl:1: image .*4.jpg not found"):
        vp.prepare("mathvision", cfg, str(shared_data), tmp_path / "p.jsonl")


def test_image_inputs_list_local_images_only(shared_data: Path) -> None:
    """The workflow's inputs: MathVision's staged images; none for MathVista, whose images are downloaded."""
    files = vp.image_inputs("mathvision", {"dataset": "mathvision", "limit": 5}, str(shared_data))
    assert len(files) == 5 and all(Path(f).is_file() for f in files)
    assert len(vp.image_inputs("mathvision", {"dataset": "mathvision"}, str(shared_data))) == 114
    assert vp.image_inputs("mathvista", {"dataset": "mathvista"}, str(shared_data)) == []


def test_a_changed_annotation_is_refused(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "vision" / "mathvision").mkdir(parents=True)
    src = shared_data / "vision" / "mathvision"
    (data / "vision" / "mathvision" / "testmini.jsonl").write_text((src / "testmini.jsonl").read_text().replace('"answer": "6"', '"answer": "7"', 1))
    (data / "vision" / "mathvision" / "images").symlink_to(src / "images")
    with pytest.raises(DataError, match="differs from the pinned"):
        vp.prepare("mathvision", {"family": "vision", "dataset": "mathvision"}, str(data), tmp_path / "p.jsonl")


def test_offline_download_says_where_to_put_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def offline(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("network unreachable")

    monkeypatch.setattr(vp.urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"raw.githubusercontent.com/lupantech/MathVista/.*benchmarks.<name>.images"):
        vp.prepare("mathvista", {"family": "vision", "dataset": "mathvista", "cache_dir": str(tmp_path)}, None, tmp_path / "p.jsonl")


class _FakeResponse:
    """What urllib.request.urlopen returns, over bytes held in memory."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos = data, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._data[self._pos:] if size < 0 else self._data[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk

    def __enter__(self) -> _FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_mathvision_downloads_annotations_and_images_checked_against_the_pins(shared_data: Path, tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """No data dir: the pinned annotation and each image come from the repository's raw URLs (served
    here from the staged copies, which are the official bytes) and are checked against their sha256."""
    src = shared_data / "vision" / "mathvision"
    prefix = f"https://raw.githubusercontent.com/mathllm/MATH-V/{vp.SOURCES['mathvision'].revision}/"
    fetched: list[str] = []

    def serve(url: str, timeout: float = 0) -> _FakeResponse:
        fetched.append(url)
        relative = url.removeprefix(prefix)
        return _FakeResponse((src / ("testmini.jsonl" if relative == "data/testmini.jsonl" else relative)).read_bytes())

    monkeypatch.setattr(vp.urllib.request, "urlopen", serve)
    cfg = {"family": "vision", "dataset": "mathvision", "cache_dir": str(tmp_path / "cache"), "limit": 4}
    assert vp.prepare("mathvision", cfg, None, tmp_path / "p.jsonl") == 4
    assert fetched[0] == prefix + "data/testmini.jsonl" and len(fetched) == 5
    records = read_jsonl(tmp_path / "p.jsonl")
    assert all(Path(r["images"][0]["path"]).is_relative_to(tmp_path / "cache") for r in records)
    assert vp.image_inputs("mathvision", cfg, None) == []  # downloads are pinned, not workflow inputs
    # a tampered image is refused by its pin
    monkeypatch.setattr(vp.urllib.request, "urlopen", lambda url, timeout=0: _FakeResponse(b"not the image"))
    cfg2 = dict(cfg, cache_dir=str(tmp_path / "cache2"))
    (tmp_path / "cache2" / "mathvision" / vp.SOURCES["mathvision"].revision / "data").mkdir(parents=True)
    shutil.copy(src / "testmini.jsonl", tmp_path / "cache2" / "mathvision" / vp.SOURCES["mathvision"].revision / "testmini.jsonl")
    with pytest.raises(DataError, match="not the pinned"):
        vp.prepare("mathvision", cfg2, None, tmp_path / "p2.jsonl")


def test_mathvista_images_come_out_of_the_testmini_parquet(mathvista_placeholders: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With its annotation local and no image folder, MathVista's images are taken from the dataset's
    testmini parquet (a stand-in parquet here, of the same columns, with its own hash pinned)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    annotation = json.loads((mathvista_placeholders / "testmini.json").read_text())
    rows = [{"pid": pid, "decoded_image": {"bytes": (mathvista_placeholders / rec["image"]).read_bytes(), "path": None}}
            for pid, rec in list(annotation.items())[:40] if rec["question_type"] == "free_form"]
    parquet = tmp_path / "stand-in.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    monkeypatch.setattr(vp, "MATHVISTA_PARQUET_SHA256", sha256_file(parquet))
    monkeypatch.setattr(vp.urllib.request, "urlopen", lambda url, timeout=0: _FakeResponse(parquet.read_bytes()))
    data = tmp_path / "data" / "vision" / "mathvista"
    data.mkdir(parents=True)
    shutil.copy(mathvista_placeholders / "testmini.json", data / "testmini.json")
    cfg = {"family": "vision", "dataset": "mathvista", "cache_dir": str(tmp_path / "cache"), "limit": 5}
    with pytest.raises(DataError, match="generated placeholder"):  # the stand-in images are placeholders: refused
        vp.prepare("mathvista", cfg, str(tmp_path / "data"), tmp_path / "p.jsonl")
    extracted = sorted((tmp_path / "cache" / "mathvista").rglob("images/*.jpg"))
    assert len(extracted) == 5 and all(is_placeholder(p) for p in extracted)
    assert extracted[0].read_bytes() == (mathvista_placeholders / "images" / extracted[0].name).read_bytes()
