"""Every benchmark module imports with the test extras installed (`pip install -e
'.[test]'`, which includes `.[bench]`): a dependency missing from the extras fails CI here,
not a user three minutes into a benchmark. Importing runs no benchmark (each runs from its
`if __name__ == "__main__"` block). Packages a benchmark imports only inside a function (a
baseline client loaded when its turn comes) must be installed too."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
MODULES = sorted(p.stem for p in BENCHMARKS.glob("*.py"))


def test_there_are_benchmarks_to_import() -> None:
    assert "bench_throughput" in MODULES and len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_benchmark_module_imports(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # how `python benchmarks/x.py` finds _harness
    for loaded in [m for m in sys.modules if m in MODULES]:
        monkeypatch.delitem(sys.modules, loaded)  # import it afresh, from this directory
    module = importlib.import_module(name)
    assert Path(str(module.__file__)).resolve().parent == BENCHMARKS


def _imported_packages(path: Path) -> set[str]:
    """Top-level packages a file imports anywhere (module level or inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names - set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_every_package_a_benchmark_imports_later_is_installed(name: str) -> None:
    packages = _imported_packages(BENCHMARKS / f"{name}.py")
    missing = sorted(p for p in packages if importlib.util.find_spec(p) is None)
    assert not missing, f"benchmarks/{name}.py imports {missing}: add them to the bench extra"


def test_the_lazy_imports_are_seen() -> None:
    assert "httpx_aiohttp" in _imported_packages(BENCHMARKS / "bench_throughput.py")
