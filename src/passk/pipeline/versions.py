"""Stage code versions: a hash of the code of every module a workflow stage imports.

Snakemake reruns a job when its script changes, but not when library code the script imports
changes. So every rule gets, as a param, the version of the code its script runs: the passk
modules the script imports, and everything those import in turn (found by reading their import
statements, function-local ones included, without running them), each hashed from its parsed
syntax tree with docstrings dropped. Editing a comment or a docstring therefore reruns nothing;
editing code reruns exactly the stages that import it.

Two refinements keep the versions as narrow as the code allows:

- ``passk.benchmarks.registry`` is a *cut*: it imports every benchmark family, but a job verifies
  one benchmark, so the walk does not follow it; the family's own functions for the stage
  (``Family.stage_functions``) are added instead. Editing the math checker reruns the
  verification of math benchmarks only.
- The run glue ``passk.pipeline.rule`` (logging, error reporting) decides no output and is left out.

A data file that a module names in a string literal and that lies beside it (``schema.yaml``) is
part of the module's code; YAML and JSON files are hashed parsed, with ``description`` keys dropped
(the schema's help texts are the data files' docstrings).
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

import passk
from passk.benchmarks.registry import family as family_of

PACKAGE = "passk"
PACKAGE_ROOT = Path(passk.__file__).resolve().parent
CUTS = frozenset({"passk.benchmarks.registry"})
GLUE = frozenset({"passk.pipeline.rule"})
_DATA_SUFFIXES = (".yaml", ".yml", ".json", ".txt", ".csv", ".jinja", ".js", ".css")


def module_path(name: str, root: Path = PACKAGE_ROOT) -> Path | None:
    """The source file of module ``name`` of the package at ``root`` (None if there is none)."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _resolve(module: str, level: int, current: str, is_package: bool) -> str:
    """The absolute name of a (possibly relative) ``from`` import."""
    if level == 0:
        return module
    base = current.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imports_of(name: str, root: Path = PACKAGE_ROOT) -> set[str]:
    """The passk modules ``name`` imports anywhere in its code, with their parent packages
    (importing ``passk.a.b`` runs ``passk/__init__`` and ``passk/a/__init__`` too)."""
    path = module_path(name, root)
    if path is None:
        return set()
    found: set[str] = set()
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, name, path.name == "__init__.py")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if module_path(sub, root) is not None else base)
    out: set[str] = set()
    for module in found:
        if module.split(".")[0] != PACKAGE:
            continue
        parts = module.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {m for m in out if module_path(m, root) is not None and m != name}


def closure(roots: Iterable[str], root: Path = PACKAGE_ROOT, cuts: frozenset[str] = CUTS) -> set[str]:
    """Every passk module reachable from ``roots`` by imports; a module in ``cuts`` is kept but not followed."""
    seen: set[str] = set()
    parents = {".".join(r.split(".")[:i]) for r in roots for i in range(1, r.count(".") + 1)}  # importing a.b runs a
    todo = [r for r in (*roots, *parents) if module_path(r, root) is not None]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in cuts:
            todo.extend(imports_of(name, root) - seen)
    return seen


class _DropDocstrings(ast.NodeTransformer):
    """Removes the docstring of a module, class or function (the first statement, a string)."""

    def _strip(self, node: Any) -> Any:
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        return node

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _strip


def _without_descriptions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_descriptions(v) for k, v in value.items() if k != "description"}
    if isinstance(value, list):
        return [_without_descriptions(v) for v in value]
    return value


def _data_fingerprint(path: Path) -> bytes:
    if path.suffix in (".yaml", ".yml", ".json"):
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) if path.suffix != ".json" else json.load(fh)
        return json.dumps(_without_descriptions(data), sort_keys=True, default=str).encode("utf-8")
    return path.read_bytes()


@functools.lru_cache(maxsize=None)
def module_fingerprint(name: str, root: Path = PACKAGE_ROOT) -> str:
    """sha256 of a module's syntax tree without docstrings, plus the data files it names."""
    path = module_path(name, root)
    if path is None:
        return ""
    tree = _parse(path)
    h = hashlib.sha256(ast.dump(_DropDocstrings().visit(tree), include_attributes=False).encode("utf-8"))
    names = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.endswith(_DATA_SUFFIXES)}
    for data_name in sorted(names):
        data = path.parent / data_name
        if "/" not in data_name and data.is_file():
            h.update(data_name.encode("utf-8") + b"\0" + _data_fingerprint(data))
    return h.hexdigest()


def script_imports(script: str | Path, root: Path = PACKAGE_ROOT) -> set[str]:
    """The passk modules a workflow script imports directly (the run glue left out)."""
    found: set[str] = set()
    for node in ast.walk(_parse(Path(script))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if module_path(sub, root) is not None else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == PACKAGE)
    return found - GLUE


def version_of(modules: Iterable[str], root: Path = PACKAGE_ROOT, fingerprints: Mapping[str, str] | None = None) -> str:
    """A short hash of the given modules' fingerprints (order-independent); ``fingerprints`` may
    supply some of them (already computed ones)."""
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        fp = fingerprints[name] if fingerprints is not None and name in fingerprints else module_fingerprint(name, root)
        h.update(name.encode("utf-8") + b"\0" + fp.encode("ascii") + b"\n")
    return h.hexdigest()[:16]


def stage_modules(script: str | Path, family: str | None = None, stage: str | None = None, root: Path = PACKAGE_ROOT) -> set[str]:
    """The modules a stage runs: the script's imports and theirs, plus the family's functions for
    ``stage`` when the stage works on one benchmark family."""
    roots = set(script_imports(script, root))
    if family is not None and stage is not None:
        roots.update(fn.__module__ for fn in family_of(family).stage_functions(stage))
    return closure(roots, root)


@functools.lru_cache(maxsize=None)
def code_version(script: str | Path, family: str | None = None, stage: str | None = None, root: Path = PACKAGE_ROOT) -> str:
    """The code version of a workflow stage (see the module docstring)."""
    return version_of(stage_modules(script, family, stage, root), root)
