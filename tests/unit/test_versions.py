"""Stage code versions follow the code each stage imports: every code edit reruns the stages that
import it, a docstring or comment edit reruns nothing, and a family's code reruns only its own
benchmarks' jobs (passk.pipeline.versions)."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from passk.benchmarks.registry import FAMILIES
from passk.pipeline import versions as pv

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO / "workflow" / "scripts").glob("*.py"))
# scripts whose stage works on one benchmark family, and the family stage they run
FAMILY_STAGES = {"verify.py": "verify", "prepare_benchmark.py": "prepare", "code_groundtruth.py": "groundtruth"}


def stages() -> list[tuple[Path, str | None, str | None]]:
    out = []
    for script in SCRIPTS:
        stage = FAMILY_STAGES.get(script.name)
        families = [f for f in FAMILIES if FAMILIES[f].stage_functions(stage)] if stage else [None]
        out += [(script, family, stage) for family in families]
    return out


STAGES = stages()


@pytest.fixture()
def package_copy(tmp_path: Path) -> Path:
    """A copy of src/passk to edit (the installed package is never touched)."""
    root = tmp_path / "passk"
    shutil.copytree(pv.PACKAGE_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    yield root
    pv.module_fingerprint.cache_clear()


@pytest.mark.parametrize(("script", "family", "stage"), STAGES, ids=[f"{s.stem}-{f}" if f else s.stem for s, f, _ in STAGES])
def test_every_module_a_stage_imports_at_run_time_is_in_its_version(script: Path, family: str | None, stage: str | None) -> None:
    """The static walk misses nothing: import the stage's modules in a fresh interpreter, call nothing,
    and every passk module that got loaded is in the stage's closure, except what only the registry
    pulled in (every family's every function, of which the stage runs its family's own for this stage)."""
    roots = sorted(pv.script_imports(script))
    if family:
        roots += sorted({fn.__module__ for fn in FAMILIES[family].stage_functions(stage)})
    code = f"import importlib, json, sys\nfor m in {roots!r}: importlib.import_module(m)\nprint(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'passk')))"
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout))
    static = pv.stage_modules(script, family, stage)
    through_registry = pv.closure({"passk.benchmarks.registry"}, cuts=frozenset())
    missing = (loaded - static) - (through_registry if "passk.benchmarks.registry" in static else set())
    assert not missing, f"{script.name} loads passk modules its version does not cover: {sorted(missing)}"
    assert "passk.pipeline.rule" not in static  # the run glue decides no output


def _edit(path: Path, transform) -> None:  # type: ignore[no-untyped-def]
    path.write_text(transform(path.read_text(encoding="utf-8")), encoding="utf-8")


def _with_docstrings_and_comments_changed(source: str) -> str:
    """Every docstring reworded and a comment added after every line that can hold one."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            starts.append(body[0].lineno - 1)
    for i in starts:
        quote = '"""' if '"""' in lines[i] else ("'''" if "'''" in lines[i] else '"')
        lines[i] = lines[i].replace(quote, quote + "Reworded. ", 1)
    out = "".join(lines)
    return "# a new comment at the top\n" + out + "\n# and one at the end\n"


def test_docstring_and_comment_edits_change_no_version(package_copy: Path) -> None:
    before = {s: pv.version_of(pv.stage_modules(s, f, st, package_copy), package_copy) for s, f, st in STAGES}
    for path in package_copy.rglob("*.py"):
        _edit(path, _with_docstrings_and_comments_changed)
    pv.module_fingerprint.cache_clear()
    after = {s: pv.version_of(pv.stage_modules(s, f, st, package_copy), package_copy) for s, f, st in STAGES}
    assert after == before


def test_a_code_edit_of_any_module_changes_every_stage_that_imports_it(package_copy: Path) -> None:
    closures = {(s, f, st): pv.stage_modules(s, f, st, package_copy) for s, f, st in STAGES}
    before = {key: pv.version_of(mods, package_copy) for key, mods in closures.items()}
    modules = sorted(set().union(*closures.values()))
    fingerprints = {m: pv.module_fingerprint(m, package_copy) for m in modules}
    for module in modules:
        path = pv.module_path(module, package_copy)
        original = path.read_text(encoding="utf-8")
        _edit(path, lambda s: s + "\n_passk_test_edit = 1\n")
        pv.module_fingerprint.cache_clear()
        edited = {**fingerprints, module: pv.module_fingerprint(module, package_copy)}
        for key, mods in closures.items():
            changed = pv.version_of(mods, package_copy, edited) != before[key]
            assert changed == (module in mods), f"editing {module}: {key[0].name} ({key[1]}) version changed={changed}"
        path.write_text(original, encoding="utf-8")
    pv.module_fingerprint.cache_clear()


def test_editing_the_math_checker_reruns_only_math_verification(package_copy: Path) -> None:
    before = {(s.name, f): pv.version_of(pv.stage_modules(s, f, st, package_copy), package_copy) for s, f, st in STAGES}
    _edit(package_copy / "benchmarks" / "math" / "checker.py", lambda s: s.replace("DEFAULT_TIMEOUT = 5.0", "DEFAULT_TIMEOUT = 6.0"))
    pv.module_fingerprint.cache_clear()
    after = {(s.name, f): pv.version_of(pv.stage_modules(s, f, st, package_copy), package_copy) for s, f, st in STAGES}
    # the verifier panel's extra checkers run through the checker's worker pool (verify_checker.py)
    assert sorted(k for k in before if before[k] != after[k]) == [("verify.py", "math"), ("verify_checker.py", None)]


def test_data_files_count_without_their_descriptions(package_copy: Path) -> None:
    """schema.yaml is part of passk.schema's code: a default changes the version, a description does not."""
    before = pv.module_fingerprint("passk.schema", package_copy)
    _edit(package_copy / "schema.yaml", lambda s: s.replace("description: sandbox for code execution", "description: reworded"))
    pv.module_fingerprint.cache_clear()
    assert pv.module_fingerprint("passk.schema", package_copy) == before
    _edit(package_copy / "schema.yaml", lambda s: s.replace("default: 4096", "default: 2048"))
    pv.module_fingerprint.cache_clear()
    assert pv.module_fingerprint("passk.schema", package_copy) != before
