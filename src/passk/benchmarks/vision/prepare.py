"""Loaders of the visual math benchmarks: MathVista testmini and MathVision testmini, free-form only.

The paper (Fig 4 right) drops the multiple-choice problems: 460 of MathVista's 1000 testmini
problems are left (``question_type == "free_form"``) and 114 of MathVision's 304 (``options ==
[]``); both counts are asserted for the pinned annotation files (/work/shared/data/MANIFEST.md).

Where the files come from, first found:

- annotations: ``benchmarks.<name>.file``, else ``{data_dir}/vision/{dataset}/{file name}``, else a
  download of the official file at its pinned commit (sha256-checked);
- images: ``benchmarks.<name>.images`` (a folder), else the folder beside the annotation file
  that its relative image paths (``images/<id>.jpg``) point into, when it exists, else a download:
  MathVision's images one by one from its repository, each checked against the sha256 recorded
  in ``mathvision_images.json``; MathVista's from the Hugging Face dataset's testmini parquet
  (pinned by sha256), which holds every testmini image.

A problem record holds the question as the model reads it (MathVista: the dataset's own ``query``
form, its hint for the answer type and precision, then the question and its unit; MathVision: the
question as given), the gold answer, its ``answer_type``/``precision``/``unit`` (``answers``), and
``images``: the absolute path and sha256 of its image (``passk.records.images``). Ids are
``{dataset}/{source id}`` and ``index`` the 0-based position among the free-form problems.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from passk.benchmarks.vision.answers import classify_gold
from passk.errors import ConfigError, DataError
from passk.io import atomic_path, read_json, sha256_file, write_jsonl
from passk.records.images import check_image, image_ref

PROMPT = "easyr1"  # the message prompt these problems are sampled with (paper Fig 26)


@dataclass(frozen=True)
class VisionSource:
    """Where a benchmark's annotation file officially lives, and what we expect from it."""

    repo: str
    revision: str
    path: str
    sha256: str
    records: int
    free_form: int

    @property
    def url(self) -> str:
        return f"https://raw.githubusercontent.com/{self.repo}/{self.revision}/{self.path}"

    @property
    def file_name(self) -> str:
        return Path(self.path).name


# Pins from /work/shared/data/MANIFEST.md (vision section).
SOURCES: dict[str, VisionSource] = {
    "mathvista": VisionSource("lupantech/MathVista", "53d525874bdde205128e6b160b7357a88277d479", "data/testmini.json",
                              "ab0148dca9d401c31cc47f29b3826eec28a76ff155a1c0878d81e8daf0413480", 1000, 460),
    "mathvision": VisionSource("mathllm/MATH-V", "a1f5cc3add200c0cd080fad463e500f44ef1fb41", "data/testmini.jsonl",
                               "449e238b768f702e2659543495f2c87ee1f41a9e9c013d174daf12029756227a", 304, 114),
}
DATASETS = tuple(SOURCES)

# MathVista's images are not in its repository; the Hugging Face dataset's testmini parquet holds
# all 1000 (141,568,126 bytes; its sha256 as a public project recorded it).
MATHVISTA_PARQUET_URL = ("https://huggingface.co/datasets/AI4Math/MathVista/resolve/main/data/"
                         "testmini-00000-of-00001-725687bf7a18d64b.parquet")
MATHVISTA_PARQUET_SHA256 = "373f6c0b412a9be2cec36711cee724e03f4c5db6908f3c13db903aa9694d4f2d"
# sha256 of each free-form MathVision testmini image (the staged copies, byte-identical to the
# official ones per MANIFEST.md), for checking the one-by-one downloads.
MATHVISION_IMAGE_PINS = "mathvision_images.json"

# MathVista's hint for each answer type, as its own query field words it.
_MATHVISTA_HINTS = {
    ("integer", None): "Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.",
    ("float", 1): ("Please answer the question requiring a floating-point number with one decimal place and provide the "
                   "final value, e.g., 1.2, 1.3, 1.4, at the end."),
    ("float", 2): ("Please answer the question requiring a floating-point number with two decimal places and provide the "
                   "final value, e.g., 1.23, 1.34, 1.45, at the end."),
    ("list", None): ("Please answer the question requiring a Python list as an answer and provide the final list, "
                     "e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end."),
}
_DOWNLOAD_TIMEOUT = 120.0


def _dataset(name: str, cfg: dict[str, Any]) -> str:
    dataset = cfg.get("dataset")
    if dataset not in SOURCES:
        raise ConfigError(f"config key benchmarks.{name}.dataset: unknown visual math dataset {dataset!r}; known: {', '.join(DATASETS)}")
    return str(dataset)


def _cache_dir(cfg: dict[str, Any]) -> Path:
    if cfg.get("cache_dir"):
        return Path(cfg["cache_dir"])
    base = os.environ.get("PASSK_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "passk")
    return Path(base) / "vision"


def _download(url: str, dest: Path, sha256: str | None, what: str) -> Path:
    """Fetch ``url`` to ``dest`` atomically, checking its sha256 (an intact cached copy is reused)."""
    if dest.is_file() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    try:
        with atomic_path(dest) as tmp:
            with urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT) as resp, open(tmp, "wb") as fh:  # noqa: S310 (pinned https URL)
                while block := resp.read(1 << 20):
                    fh.write(block)
            actual = sha256_file(tmp)
            if sha256 is not None and actual != sha256:
                raise DataError(f"{url}: downloaded {what} has sha256 {actual}, not the pinned {sha256}; not using it")
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise DataError(f"{url}: download of {what} failed ({exc}); put a local copy in the data directory "
                        "($PASSK_DATA_DIR/vision/<dataset>/: the annotation file, and its images in images/) or name "
                        "it in the config (benchmarks.<name>.file for the annotations, benchmarks.<name>.images for "
                        "a folder of images)") from None
    return dest


def annotation_file(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None, *, fetch: bool = True) -> tuple[Path | None, str | None]:
    """The annotation file to read and the sha256 it must have (None: a user's own, unpinned file).

    With ``fetch=False`` nothing is downloaded and a file that would need it gives ``(None, sha)``.
    """
    src = SOURCES[_dataset(name, cfg)]
    if cfg.get("file"):
        path = Path(cfg["file"]).expanduser()
        if not path.is_file():
            raise DataError(f"{path}: file not found (config key benchmarks.{name}.file)")
        return path, cfg.get("sha256")
    if data_dir is not None:
        path = Path(data_dir) / "vision" / str(cfg["dataset"]) / src.file_name
        if not path.is_file():
            raise DataError(f"{path}: file not found (data_dir for benchmark {name}); unset data_dir to download it")
        return path, src.sha256
    dest = _cache_dir(cfg) / str(cfg["dataset"]) / src.revision / src.file_name
    if not fetch:
        return (dest if dest.is_file() and sha256_file(dest) == src.sha256 else None), src.sha256
    return _download(src.url, dest, src.sha256, f"{name} annotations"), src.sha256


def local_images_dir(name: str, cfg: dict[str, Any], annotation: Path | None, data_dir: str | os.PathLike[str] | None) -> Path | None:
    """The local image folder (``benchmarks.<name>.images``, else beside a local annotation file), or
    None when the images are downloaded (into the cache, where each is checked against its pin)."""
    if cfg.get("images"):
        folder = Path(cfg["images"]).expanduser()
        if not folder.is_dir():
            raise DataError(f"{folder}: not a folder (config key benchmarks.{name}.images)")
        return folder.resolve()
    local = bool(cfg.get("file")) or data_dir is not None
    if local and annotation is not None and (annotation.parent / "images").is_dir():
        return annotation.parent.resolve()  # the annotation's paths are "images/<id>.jpg"
    return None


def _image_path(root: Path, relative: str) -> Path:
    """An annotation's image path under ``root`` (``images/<id>.jpg``); a folder given by config may
    also hold the files directly."""
    nested = root / relative
    return nested if nested.exists() or not (root / Path(relative).name).exists() else root / Path(relative).name


def read_annotations(path: Path, dataset: str) -> list[dict[str, Any]]:
    """The source records in file order (MathVista: a JSON object keyed by pid; MathVision: JSONL)."""
    try:
        if dataset == "mathvista":
            data = read_json(path)
            if not isinstance(data, dict):
                raise DataError(f"{path}: expected a JSON object keyed by pid")
            return [dict(rec, _line=i + 1) for i, rec in enumerate(data.values())]
        rows = []
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if line.strip():
                    rows.append(dict(json.loads(line), _line=lineno))
        return rows
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: invalid JSON ({exc})") from None


def is_free_form(record: dict[str, Any], dataset: str) -> bool:
    """The paper keeps the problems without answer choices."""
    if dataset == "mathvista":
        return record.get("question_type") == "free_form"
    return record.get("options") == []


def mathvista_query(record: dict[str, Any], where: str) -> str:
    """MathVista's query: the hint for the answer type and precision, the question, its unit."""
    key = (record.get("answer_type"), record.get("precision") if record.get("answer_type") == "float" else None)
    if key not in _MATHVISTA_HINTS:
        raise DataError(f"{where}: no hint for answer_type {key[0]!r} with precision {key[1]!r}")
    question = str(record["question"])
    if record.get("unit"):
        question += f" (Unit: {record['unit']})"
    return f"Hint: {_MATHVISTA_HINTS[key]}\nQuestion: {question}"


def _free_form_records(path: Path, dataset: str) -> list[dict[str, Any]]:
    rows = read_annotations(path, dataset)
    return [r for r in rows if is_free_form(r, dataset)]


def load_problems_from(annotation: Path, dataset: str, images_root: Path | None, *, limit: int | None = None,
                       images: dict[str, Path] | None = None, allow_placeholders: bool = False,
                       expected_free_form: int | None = None) -> list[dict[str, Any]]:
    """Canonical problem records of the free-form problems of one annotation file.

    Each problem's image is ``images_root / <its relative path>`` or, for downloaded images,
    ``images[source id]``. ``allow_placeholders`` is for the loader tests only (no run sets it):
    otherwise a generated stand-in image is refused. ``expected_free_form`` is asserted before
    ``limit`` cuts the list.
    """
    free = _free_form_records(annotation, dataset)
    if expected_free_form is not None and len(free) != expected_free_form:
        raise DataError(f"{annotation}: {len(free)} free-form problems, expected {expected_free_form}")
    if limit is not None:
        free = free[:limit]
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, rec in enumerate(free):
        where = f"{annotation}:{rec['_line']}"
        sid = str(rec.get("pid") if dataset == "mathvista" else rec.get("id"))
        if sid in seen:
            raise DataError(f"{where}: duplicate id {sid!r} (first on line {seen[sid]})")
        seen[sid] = rec["_line"]
        if dataset == "mathvista":
            gold = classify_gold(rec.get("answer", ""), answer_type=rec.get("answer_type"), precision=rec.get("precision"),
                                 unit=rec.get("unit"), where=where)
            question = mathvista_query(rec, where)
            meta_src = rec.get("metadata") or {}
            extra = {k: meta_src.get(k) for k in ("source", "category", "task", "context", "grade", "skills") if k in meta_src}
        else:
            gold = classify_gold(rec.get("answer", ""), where=where)
            question = str(rec.get("question", ""))
            extra = {k: rec.get(k) for k in ("level", "subject") if k in rec}
        if not question.strip():
            raise DataError(f"{where}: empty question")
        relative = rec.get("image")
        if not isinstance(relative, str) or not relative:
            raise DataError(f"{where}: no image path")
        if images is not None and sid in images:
            image = images[sid]
        elif images_root is not None:
            image = _image_path(images_root, relative)
        else:
            raise DataError(f"{where}: no image for {dataset} problem {sid}")
        check_image(image, allow_placeholder=allow_placeholders, where=where)
        out.append({
            "id": f"{dataset}/{sid}", "benchmark": "", "index": index, "question": question, "answer": gold.answer,
            "images": [image_ref(image)],
            "metadata": {"dataset": dataset, "source_id": sid, "line": rec["_line"], **gold.metadata(), **extra},
        })
    if not out:
        raise DataError(f"{annotation}: no free-form problems")
    return out


def _mathvision_pins() -> dict[str, str]:
    return read_json(Path(__file__).with_name(MATHVISION_IMAGE_PINS))["sha256"]


def _download_mathvision_images(cfg: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Path]:
    src = SOURCES["mathvision"]
    pins = _mathvision_pins()
    out = {}
    for rec in records:
        sid, relative = str(rec["id"]), str(rec["image"])
        if sid not in pins:
            raise DataError(f"mathvision problem {sid}: no pinned sha256 for its image {relative}")
        url = f"https://raw.githubusercontent.com/{src.repo}/{src.revision}/{relative}"
        out[sid] = _download(url, _cache_dir(cfg) / "mathvision" / src.revision / relative, pins[sid], f"MathVision image {relative}")
    return out


def _download_mathvista_images(cfg: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Path]:
    """Extract the images of ``records`` from the pinned testmini parquet (cached; bytes as stored)."""
    import pyarrow.parquet as pq  # a dependency already (sample shards); imported here, the parquet is 140 MB

    root = _cache_dir(cfg) / "mathvista" / MATHVISTA_PARQUET_SHA256[:16]
    wanted = {str(r["pid"]): root / str(r["image"]) for r in records}
    if all(p.is_file() for p in wanted.values()):
        return wanted
    parquet = _download(MATHVISTA_PARQUET_URL, root / "testmini.parquet", MATHVISTA_PARQUET_SHA256, "MathVista testmini parquet")
    table = pq.read_table(parquet, columns=["pid", "decoded_image"]).to_pylist()
    for row in table:
        pid = str(row["pid"])
        if pid in wanted and not wanted[pid].is_file():
            data = (row.get("decoded_image") or {}).get("bytes")
            if not data:
                raise DataError(f"{parquet}: no image bytes for pid {pid}")
            with atomic_path(wanted[pid]) as tmp:
                tmp.write_bytes(data)
    missing = sorted(pid for pid, p in wanted.items() if not p.is_file())
    if missing:
        raise DataError(f"{parquet}: no image for pids {missing[:5]}{' …' if len(missing) > 5 else ''}")
    return wanted


def prepare(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None, out_path: str | os.PathLike[str]) -> int:
    """Write benchmark ``name``'s free-form problems to ``out_path`` (JSONL); return the count.

    ``cfg``: ``family: vision``, ``dataset`` (mathvista or mathvision), optional ``file`` (+
    ``sha256``), ``images`` (a folder), ``limit``, ``cache_dir``.
    """
    if cfg.get("family", "vision") != "vision":
        raise ConfigError(f"config key benchmarks.{name}.family: expected 'vision', got {cfg.get('family')!r}")
    dataset = _dataset(name, cfg)
    limit = cfg.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ConfigError(f"config key benchmarks.{name}.limit: must be a positive integer, got {limit!r}")
    annotation, expected_sha = annotation_file(name, cfg, data_dir)
    assert annotation is not None
    if expected_sha is not None and sha256_file(annotation) != expected_sha:
        raise DataError(f"{annotation}: sha256 {sha256_file(annotation)} differs from the pinned {expected_sha}; "
                        "the file is truncated, edited or a different version")
    pinned = expected_sha == SOURCES[dataset].sha256
    root = local_images_dir(name, cfg, annotation, data_dir)
    downloaded = None
    if root is None:
        free = _free_form_records(annotation, dataset)[:limit] if limit else _free_form_records(annotation, dataset)
        downloaded = _download_mathvista_images(cfg, free) if dataset == "mathvista" else _download_mathvision_images(cfg, free)
    records = load_problems_from(annotation, dataset, root, limit=limit, images=downloaded,
                                 expected_free_form=SOURCES[dataset].free_form if pinned else None)
    for rec in records:
        rec["benchmark"] = name
    return write_jsonl(out_path, records)


def sources(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None) -> list[dict[str, Any]]:
    """The annotation file a benchmark's problems were read from (images are recorded, with their
    sha256, in the problem records themselves). Called after ``prepare``: nothing is fetched."""
    src = SOURCES[_dataset(name, cfg)]
    path, expected = annotation_file(name, cfg, data_dir, fetch=False)
    return [{"path": str(path) if path else None, "url": None if (cfg.get("file") or data_dir) else src.url,
             "revision": src.revision, "pinned_sha256": expected}]


def image_inputs(name: str, cfg: dict[str, Any], data_dir: str | os.PathLike[str] | None) -> list[str]:
    """The local image files a benchmark's problems are made from, for the workflow to list as
    inputs (so that changing one reruns that benchmark). Empty when the images are downloaded:
    those are pinned by sha256 instead. Reads only the local annotation file, never the network."""
    dataset = _dataset(name, cfg)
    try:
        annotation, _ = annotation_file(name, cfg, data_dir, fetch=False)
    except DataError:
        return []  # the prepare job reports the missing file with its own message
    root = local_images_dir(name, cfg, annotation, data_dir)
    if annotation is None or root is None:
        return []
    free = _free_form_records(annotation, dataset)
    limit = cfg.get("limit")
    if isinstance(limit, int) and limit > 0:
        free = free[:limit]
    return [str(_image_path(root, str(r["image"]))) for r in free if isinstance(r.get("image"), str)]
