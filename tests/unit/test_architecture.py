"""The package's shape, as ARCHITECTURE.md states it: imports go one way, with no cycle.

Every passk module belongs to a part; a part may import only itself and the parts of lower
rank. A benchmark family imports no other family (only the registry lists them all), and no module
imports passk code inside a function (a hidden import is where cycles hid before).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from passk.pipeline.versions import PACKAGE_ROOT, imports_of, module_path

# part -> rank; ARCHITECTURE.md has the same table
RANKS = {
    "core": 0,  # passk (the package), errors, io, schema, progress, records
    "sandbox": 1,
    "prompts": 1,
    "verify": 2,
    "models": 2,
    "benchmarks": 3,
    "sampling": 3,
    "analysis": 4,
    "figures": 5,
    "config": 6,
    "pipeline": 7,
    "commands": 8,  # and cli
}
CORE = {"passk", "passk.errors", "passk.io", "passk.schema", "passk.progress"}


def all_modules() -> list[str]:
    out = []
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        rel = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def part_of(module: str) -> str:
    if module in CORE or module.startswith("passk.records"):
        return "core"
    if module == "passk.cli":
        return "commands"
    name = module.split(".")[1]
    assert name in RANKS, f"{module}: not in any part of ARCHITECTURE.md (add it to RANKS there and here)"
    return name


MODULES = all_modules()


def test_every_module_has_a_part() -> None:
    for module in MODULES:
        part_of(module)


@pytest.mark.parametrize("module", MODULES)
def test_imports_go_down(module: str) -> None:
    part = part_of(module)
    for target in imports_of(module):
        other = part_of(target)
        assert other == part or RANKS[other] < RANKS[part], f"{module} ({part}) imports {target} ({other}): an upward import"
        if part == "benchmarks" and other == "benchmarks" and module != "passk.benchmarks.registry" and target != "passk.benchmarks":
            mine, theirs = module.split(".")[2], target.split(".")[2]
            assert theirs == mine, f"{module} imports {target}: a family imports no other family, nor the registry"


def test_no_import_cycle() -> None:
    graph = {m: imports_of(m) for m in MODULES}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in MODULES:
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", MODULES)
def test_no_function_local_import_of_passk(module: str) -> None:
    """Heavy optional dependencies (torch, vLLM, docker) may be imported lazily; passk's own modules never."""
    path = module_path(module)
    assert path is not None
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                names = []
                if isinstance(inner, ast.Import):
                    names = [a.name for a in inner.names]
                elif isinstance(inner, ast.ImportFrom):
                    names = [inner.module or ""] if inner.level == 0 else ["(relative)"]
                local = [n for n in names if n == "(relative)" or n.split(".")[0] == "passk"]
                assert not local, f"{module}:{inner.lineno}: function-local import of {local} in {node.name}()"


def test_package_inits_import_nothing_of_their_package() -> None:
    """A package's ``__init__`` stays empty of imports: importing one module must not import its siblings
    (a stage's code version is the hash of what it imports; passk.pipeline.versions)."""
    for init in PACKAGE_ROOT.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert not imports, f"{init}: imports {[ast.unparse(n) for n in imports]}"
