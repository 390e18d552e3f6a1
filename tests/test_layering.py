"""The import contract (README, Development): a module imports only from its own unit or a
lower layer, across subpackages only through the subpackage's `__init__`; the emulator
imports nothing of orkit's and nothing imports its internals; only the top layers use the
sync portal; no import cycle between modules at run time; and no import inside a function
outside the CLI, except the few declared below with the reason each pays for itself."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "orkit"

LAYER = {
    # 0: no orkit imports besides each other
    "errors": 0,
    "types": 0,
    "config": 0,
    "_settings": 0,
    "_clock": 0,
    "_format": 0,
    "_redact": 0,
    "_hashing": 0,
    "_version": 0,
    "_concurrency": 0,
    "_exports": 0,
    "_portal": 0,  # anyio only; who may use it is its own rule (PORTAL_USERS)
    "client": 1,
    "router": 2,
    "catalog": 2,
    "cost": 2,
    "results": 2,
    "scorers": 2,
    "stats": 2,
    "data": 2,
    "batch": 3,  # the engine
    "report": 3,
    "plan": 4,
    "estimate": 5,
    "progress": 5,
    "api": 6,  # the verbs, Run, Sweep
    "widgets": 6,  # notebook widgets over the verbs (api never imports them)
    "__init__": 7,  # `from orkit import X`
    "__main__": 8,
    "cli": 8,
}
SIM_USERS = {"plan", "cli", "__init__"}  # start it (plan), wrap `orkit sim`, export it lazily
PORTAL_USERS = {"api", "cli"}  # the blocking twins of async verbs live only at the top
LAZY_ALLOWED = {
    # module -> imports it makes inside functions, each paying for itself:
    # the emulator's server (starlette and its app: 120 ms) only when an endpoint is "sim"
    "orkit.plan._endpoint": {"orkit.sim"},
    # POSIX-only file locking, imported where it is used (no such module on Windows)
    "orkit.results._lock": {"fcntl"},
    # jsonschema (80 ms) only for a sweep that validates against a schema
    "orkit.scorers._json": {"jsonschema"},
    # ... and when a sweep's response_format schema is checked
    "orkit.plan._response_format": {"jsonschema"},
    # pyarrow.parquet only for a Parquet dataset
    "orkit.data._files": {"pyarrow.parquet"},
    # an Estimate's table and HTML form: pandas only when shown in a notebook
    "orkit.cost._result": {"pandas", "html"},
    # altair and vl-convert (0.3 s, 35 MB) only when a report is written
    "orkit.report._render": {"orkit.report._charts", "orkit.report._vega"},
    # Polars and DuckDB are optional: imported by `Run.to_polars` / `to_duckdb` only, so a
    # user without them loses those two methods, not `import orkit`
    "orkit.results._engines": {"polars", "duckdb"},
    # tqdm (and its logging bridge) only when a bar is drawn
    "orkit.progress._tqdm": {"tqdm.auto", "tqdm.contrib.logging"},
    # ipywidgets (an optional extra; 0.2 s with its IPython imports) only when a widget is made
    "orkit.progress._ipywidgets": {"ipywidgets"},
}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.parts[-1] == "__init__" else rel.parts
    return ".".join(parts)


PATHS = sorted(ROOT.rglob("*.py"))
MODULES = {_module_name(p): p for p in PATHS}


@dataclass(frozen=True)
class Import:
    target: str
    names: tuple[str, ...]
    in_function: bool
    type_only: bool
    line: int


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            ids.update(id(sub) for sub in ast.walk(node))
    return ids


def _function_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            ids.update(id(sub) for sub in ast.walk(node) if sub is not node)
    return ids


def _imports(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text())
    type_only, in_function = _type_checking_nodes(tree), _function_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "orkit":
            # `from orkit import _format` imports the module orkit._format; a name from
            # orkit's own __init__ (`from orkit import Sweep`) imports the package
            targets: list[tuple[str, tuple[str, ...]]] = [
                (f"orkit.{a.name}", ()) if f"orkit.{a.name}" in MODULES else ("orkit", (a.name,))
                for a in node.names
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [(node.module, tuple(a.name for a in node.names))]
        elif isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        else:
            continue
        for target, names in targets:
            yield Import(target, names, id(node) in in_function, id(node) in type_only, node.lineno)


def _orkit_imports(path: Path) -> list[Import]:
    return [i for i in _imports(path) if i.target == "orkit" or i.target.startswith("orkit.")]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_layers(path: Path) -> None:
    module = _module_name(path)
    unit = _unit(module)
    for imp in _orkit_imports(path):
        target, tunit = imp.target, _unit(imp.target)
        where = f"{module}:{imp.line} imports {target}"
        if tunit == unit:
            continue
        if unit == "sim":
            pytest.fail(f"{where}: the emulator must not depend on orkit")
        if tunit == "sim":
            assert unit in SIM_USERS, f"{where}: only {sorted(SIM_USERS)} may use the emulator"
            assert target == "orkit.sim", f"{where}: use what `orkit.sim` exports, not its modules"
            continue
        if tunit == "_portal":
            assert unit in PORTAL_USERS, f"{where}: only {sorted(PORTAL_USERS)} block on a loop"
        assert LAYER[tunit] <= LAYER[unit], (
            f"{where} (layer {LAYER[unit]} imports layer {LAYER[tunit]})"
        )
        private = [p for p in target.split(".")[2:] if p.startswith("_")]
        assert not private, f"{where}: import from orkit.{tunit} instead"


def _edges() -> dict[str, set[str]]:
    """Module -> modules it imports when it is imported (not under TYPE_CHECKING, not inside
    a function). `from pkg import name` imports the submodule `pkg.name` if there is one, and
    importing `a.b.c` imports the packages `a` and `a.b` first (not a cycle for a module
    inside them: the package is already being imported)."""
    edges: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        out: set[str] = set()
        for imp in _orkit_imports(path):
            if imp.type_only or imp.in_function:
                continue
            targets = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in MODULES]
            if imp.target in MODULES and (not targets or MODULES[imp.target].name == "__init__.py"):
                targets.append(imp.target)
            for target in targets:
                if target != module:
                    out.add(target)  # named: a module's own package too (a real cycle)
                parts = target.split(".")
                for i in range(1, len(parts)):
                    above = ".".join(parts[:i])
                    inside = module.startswith(above + ".")
                    if above in MODULES and not inside:
                        out.add(above)
        edges[module] = out
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
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


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(_edges()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_inside_a_function_outside_the_cli() -> None:
    found: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        if _unit(module) in ("cli", "sim"):
            continue  # the CLI imports lazily for a fast --help; the emulator is its own
        lazy = {i.target for i in _imports(path) if i.in_function}
        if lazy:
            found[module] = lazy
    unexpected = {m: t - LAZY_ALLOWED.get(m, set()) for m, t in found.items()}
    assert {m: t for m, t in unexpected.items() if t} == {}, (
        "import at module level, or declare the import in LAZY_ALLOWED with what it saves"
    )
