"""Import rules of the lower floors (everything below `batch/`): no import cycle between
modules, no orkit import hidden inside a function (such imports only dodged cycles), and
nothing outside the emulator reaches into `orkit.sim`'s modules (the estimate counts tokens
itself, so checking it against the emulator means something).

Lazy imports of other libraries may stay inside functions where they save start-up time
(jsonschema, pandas, pyarrow) or exist on one platform only (fcntl)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORKIT = ROOT / "orkit"
FLOORS = ("client", "catalog", "cost", "data", "results", "scorers", "router", "stats")
"""Packages below `batch/` that import orkit (the layer-0 modules import nothing of orkit's)."""


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in ORKIT.rglob("*.py")}


def _imports(path: Path) -> Iterator[tuple[ast.stmt, list[str], bool]]:
    """(node, orkit modules it imports, inside a function?) outside `if TYPE_CHECKING:`."""
    tree = ast.parse(path.read_text())
    skip = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for sub in ast.walk(node)
    }
    in_function = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for sub in ast.walk(node)
        if sub is not node
    }
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` imports the submodule `pkg.sub` (and runs `pkg` first)
            targets = [f"{node.module}.{a.name}" for a in node.names]
            targets = [t for t in targets if t in MODULES] + [node.module]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        targets = [t for t in targets if t == "orkit" or t.startswith("orkit.")]
        yield node, targets, id(node) in in_function


def _floor_modules() -> list[str]:
    return sorted(m for m in MODULES if m.split(".")[1:2] and m.split(".")[1] in FLOORS)


def _graph(modules: list[str]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module in modules:
        for _, targets, _ in _imports(MODULES[module]):
            for target in targets:
                parts = target.split(".")
                # importing a.b.c runs a and a.b first, unless the importer is inside them
                for i in range(2, len(parts) + 1):
                    head = ".".join(parts[:i])
                    inside = module.startswith(head + ".")
                    if head in graph and head != module and (i == len(parts) or not inside):
                        graph[module].add(head)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_below_batch() -> None:
    assert _cycles(_graph(_floor_modules())) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", _floor_modules())
def test_no_orkit_import_inside_a_function(module: str) -> None:
    lazy = [
        f"line {node.lineno}: {targets}"
        for node, targets, in_function in _imports(MODULES[module])
        if in_function and targets
    ]
    assert not lazy, f"{module} imports orkit inside a function (a cycle dodged?): {lazy}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.startswith("orkit.sim")))
def test_nothing_outside_the_emulator_reaches_into_it(module: str) -> None:
    inside = [
        f"line {node.lineno}: {t}"
        for node, targets, _ in _imports(MODULES[module])
        for t in targets
        if t.startswith("orkit.sim.")
    ]
    assert not inside, f"{module} imports the emulator's internals; use `orkit.sim`: {inside}"
