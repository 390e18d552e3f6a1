"""The import contract of DESIGN.md §1: a module imports only from its own layer or below,
across subpackages only through the subpackage's __init__, and the emulator imports nothing
of orkit's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "orkit"

LAYER = {
    "errors": 0,
    "types": 0,
    "config": 0,
    "_settings": 0,
    "_clock": 0,
    "_format": 0,
    "_redact": 0,
    "_portal": 0,  # depends on nothing in orkit (anyio only), so every layer may use it
    "client": 1,
    "router": 2,
    "catalog": 2,
    "cost": 2,
    "results": 2,
    "scorers": 2,
    "stats": 2,
    "data": 2,
    "batch": 3,
    "report": 3,
    "__init__": 4,
    "sync": 4,
    "__main__": 5,
    "cli": 5,
    "notebook": 5,
}
SIM_USERS = {"batch", "cli", "notebook", "__init__", "sync"}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return [m for m in out if m == "orkit" or m.startswith("orkit.")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_layers(path: Path) -> None:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    module = ".".join(rel.parts)
    unit = _unit(module)
    for target in _imports(path):
        tunit = _unit(target)
        if tunit == unit:
            continue
        if unit == "sim":
            pytest.fail(f"{module} imports {target}: the emulator must not depend on orkit")
        if tunit == "sim":
            assert unit in SIM_USERS, f"{module} imports the emulator"
            continue
        if tunit == "__init__":
            assert target == "orkit", target
            continue
        assert LAYER[tunit] <= LAYER[unit], (
            f"{module} (layer {LAYER[unit]}) imports {target} (layer {LAYER[tunit]})"
        )
        private = [p for p in target.split(".")[2:] if p.startswith("_")]
        assert not private, f"{module} reaches into {target}; import from orkit.{tunit} instead"
