"""The package's layers (docs/architecture.md): data flow down, nothing reaches up.

Read from the source with ``ast`` (an independent reading of what each module imports,
at module level and inside functions): the layer rule, no import cycles among the
module-level imports, and the module-size limit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "sigmoid_neuron"

#: each layer may import only from the layers at the same or a lower rank
RANK = {
    "functional": 0,
    "derivations": 0,
    "objective": 1,
    "optim": 2,
    "training": 3,
    "distributed": 3,
    "inference": 3,
    "estimators": 4,
    "io": 5,
    "plotting": 5,
    "demo": 6,
    "explorer": 6,
    "cli": 7,
}
#: modules that depend on nothing in the package: file primitives every layer may use
BOTTOM = {"sigmoid_neuron._version", "sigmoid_neuron.io.atomic", "sigmoid_neuron.io.document"}
MAX_LINES = 450


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, *, module_level_only: bool) -> set[str]:
    """Names of ``sigmoid_neuron`` modules ``path`` imports (TYPE_CHECKING blocks left out)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = top and not isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            counted = top or not module_level_only
            if isinstance(child, ast.ImportFrom) and child.module and counted:
                if child.module.startswith("sigmoid_neuron"):
                    found.add(child.module)
                    found.update(f"{child.module}.{a.name}" for a in child.names)
            elif isinstance(child, ast.Import) and counted:
                found.update(a.name for a in child.names if a.name.startswith("sigmoid_neuron"))
            visit(child, inner)

    visit(tree, True)
    return found


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_no_layer_imports_from_a_layer_above_it() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        here = _layer(name)
        if here is None:
            continue
        for target in _imports(path, module_level_only=False):
            if target not in modules or target in BOTTOM:
                continue
            there = _layer(target)
            if there is not None and RANK[there] > RANK[here]:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_the_checker_sees_a_violation_and_a_cycle(tmp_path: Path) -> None:
    """The reading above is not vacuous: it finds an upward import inside a function."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from sigmoid_neuron.cli import main\n"
        "def f():\n    from sigmoid_neuron.estimators import linear\n"
    )
    assert _imports(bad, module_level_only=False) == {
        "sigmoid_neuron.estimators",
        "sigmoid_neuron.estimators.linear",
    }
    assert _imports(bad, module_level_only=True) == set()
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_no_import_cycles_between_modules() -> None:
    """Module-level imports form no cycle (a package's ``__init__`` re-exporting its own
    modules is the package, not a cycle, so packages are left out as targets)."""
    modules = _modules()
    packages = {n for n, p in modules.items() if p.name == "__init__.py"}
    graph = {
        name: {t for t in _imports(path, module_level_only=True) if t in modules}
        - packages
        - {name}
        for name, path in modules.items()
        if name not in packages
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_modules_are_small(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines (limit {MAX_LINES})"
