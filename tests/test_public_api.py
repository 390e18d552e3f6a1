"""The public surface, httpx's way (its tests/test_exported_members.py, anyio's
test_all_attributes.py): which modules of orkit are public, and for each a sorted, complete
`__all__` whose classes and functions say they live in that module.

A user imports from `orkit` and from the modules in PUBLIC; their names keep working when the
private `_modules` behind them move. INTERNAL modules are importable (the CLI's entry point,
the engine) but promise nothing. A new top-level module must be put in one list or the other.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pickle
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import FunctionType, ModuleType

import pytest

import orkit

PACKAGE_DIR = Path(orkit.__file__).parent

PUBLIC = (
    "api",
    "catalog",
    "client",
    "config",
    "cost",
    "data",
    "errors",
    "report",
    "results",
    "router",
    "scorers",
    "sim",
    "stats",
    "types",
)
INTERNAL = ("batch", "cli", "estimate", "plan", "progress", "widgets")


def _module(name: str) -> ModuleType:
    return importlib.import_module(name if name == "orkit" else f"orkit.{name}")


SURFACES = ("orkit", *(f"orkit.{name}" for name in PUBLIC))


def _exported(surface: str) -> list[tuple[str, object]]:
    module = importlib.import_module(surface)
    return [(name, getattr(module, name)) for name in module.__all__]


def _classes_and_functions(surface: str) -> list[tuple[str, type | FunctionType]]:
    return [
        (name, value)
        for name, value in _exported(surface)
        if isinstance(value, type | FunctionType)
    ]


def _source(surface: str) -> Path:
    module = importlib.import_module(surface)
    assert module.__file__ is not None
    return Path(module.__file__)


def _is_package(surface: str) -> bool:
    return _source(surface).name == "__init__.py"


def _top_level_statements(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements, including both branches of a top-level `try` (the version)."""
    out: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, ast.Try):
            out.extend([*node.body, *(s for h in node.handlers for s in h.body)])
        elif not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            out.append(node)  # names imported for type checkers only are not bound at runtime
    return out


def _defined_names(surface: str) -> set[str]:
    """Public names the module defines itself or, for a package, imports from its own
    modules; names it imports from elsewhere (typing, importlib, a sibling) are its tools."""
    tree = ast.parse(_source(surface).read_text())
    own_prefix = f"{surface}." if _is_package(surface) else None
    names: set[str] = set()
    for node in _top_level_statements(tree):
        if isinstance(node, ast.ImportFrom) and node.module and own_prefix:
            if node.level == 0 and node.module.startswith(own_prefix):
                names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_")}


def _tool_names(surface: str) -> set[str]:
    """Names bound by importing something that is not the module's own (`TYPE_CHECKING`)."""
    tree = ast.parse(_source(surface).read_text())

    def own(module: str) -> bool:
        return _is_package(surface) and module.startswith(f"{surface}.")

    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not own(node.module):
            names.update(a.asname or a.name for a in node.names)
    return names


def _isort_key(name: str) -> tuple[int, list[object]]:
    """ruff's RUF022 order: CONSTANTS, then CamelCase, then the rest; natural order within."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_top_level_module_is_declared_public_or_internal() -> None:
    found = {
        p.stem if p.suffix == ".py" else p.name
        for p in PACKAGE_DIR.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").exists()) and not p.name.startswith("_")
    }
    assert not set(PUBLIC) & set(INTERNAL)
    assert found == set(PUBLIC) | set(INTERNAL), (
        "put each module of orkit/ in PUBLIC or INTERNAL (and say so in its docstring)"
    )


def test_the_public_modules_are_the_lazy_module_exports_of_orkit() -> None:
    lazy_modules = {name for name, target in orkit._LAZY.items() if target == f"orkit.{name}"}
    assert lazy_modules == set(PUBLIC)
    assert set(orkit._LAZY) <= set(orkit.__all__)
    for name in PUBLIC:
        assert getattr(orkit, name) is _module(name)
    docstring = orkit.__doc__ or ""
    assert all(f"orkit.{name}" in docstring for name in PUBLIC), "orkit's docstring lists them"


def test_the_readme_names_the_public_and_internal_modules() -> None:
    readme = (PACKAGE_DIR.parent / "README.md").read_text()
    paragraph = readme[readme.index("Public API: ") :].split("\n\n")[0]
    assert all(f"`{name}`" in paragraph or f"`orkit.{name}`" in paragraph for name in PUBLIC)
    assert all(f"`orkit.{name}`" in paragraph.split("are internal")[0] for name in INTERNAL)


@pytest.mark.parametrize("name", INTERNAL)
def test_an_internal_module_is_not_an_attribute_of_orkit(name: str) -> None:
    with pytest.raises(AttributeError, match=name):
        orkit.__getattr__(name)
    assert name not in orkit.__all__
    # In a fresh interpreter, neither `import orkit` nor reading every public module loads it;
    # except `orkit.api`: the verbs are built on the internal packages, so reading it (or
    # `orkit.Sweep`) loads them, and the import system then sets them on `orkit`.
    below_api = [m for m in PUBLIC if m != "api"]
    code = (
        f"import orkit\n[getattr(orkit, m) for m in {below_api!r}]\nprint(hasattr(orkit, {name!r}))"
    )
    assert _run_python(code).strip() == "False"


@pytest.mark.parametrize("name", [n for n in PUBLIC if _is_package(f"orkit.{n}")])
def test_each_package_docstring_says_it_is_public(name: str) -> None:
    assert "Public" in (_module(name).__doc__ or ""), f"say so in orkit/{name}/__init__.py"


def test_internal_packages_say_so() -> None:
    assert "Internal" in (_module("cli").__doc__ or "")


@pytest.mark.parametrize("surface", SURFACES)
def test_all_is_sorted_and_without_repeats(surface: str) -> None:
    names = list(importlib.import_module(surface).__all__)
    assert names == sorted(names, key=_isort_key)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("surface", SURFACES)
def test_all_is_complete(surface: str) -> None:
    module = importlib.import_module(surface)
    exported = set(module.__all__)
    assert not _defined_names(surface) - exported, "defined here but not in __all__"
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, "in __all__ but not there"
    # What `vars()` shows besides: the module's own submodules (set by the import system),
    # and the tools its code imports (typing, importlib). Anything else is an export.
    stray = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and name not in exported
        and name not in _tool_names(surface)
        and not (isinstance(value, ModuleType) and value.__name__.startswith(f"{surface}."))
    }
    assert not stray, "public-looking names outside __all__: export them or make them _private"


@pytest.mark.parametrize("surface", SURFACES)
def test_public_classes_and_functions_name_their_public_module(surface: str) -> None:
    for name, value in _classes_and_functions(surface):
        home = value.__module__
        assert home == surface or home in SURFACES, f"{surface}.{name} shows {home}"
        assert name in importlib.import_module(home).__all__, f"{home} does not export {name}"


@pytest.mark.parametrize("surface", SURFACES)
def test_public_classes_and_functions_pickle_by_their_public_path(surface: str) -> None:
    for name, value in _classes_and_functions(surface):
        assert pickle.loads(pickle.dumps(value)) is value, f"{surface}.{name}"


@pytest.mark.parametrize("surface", SURFACES)
def test_type_hints_of_public_classes_still_resolve(surface: str) -> None:
    """`typing.get_type_hints` (dataclass tools, the emulator's config reader) looks a class's
    names up in `sys.modules[cls.__module__]`, which is now the package."""
    for name, value in _classes_and_functions(surface):
        if inspect.isclass(value):
            try:
                typing.get_type_hints(value)
            except NameError as exc:
                pytest.fail(f"{surface}.{name}: {exc}")


def test_values_of_public_classes_pickle() -> None:
    from orkit.errors import RunStoppedError
    from orkit.router import Action, ModelLimits, RetryPolicy, RouterOptions
    from orkit.scorers import Score
    from orkit.sim import FaultProfile, SimConfig, SimConfigError

    values = [
        RetryPolicy(max_attempts=3),  # frozen, slotted dataclass
        RouterOptions(limits={"m": ModelLimits(rpm=60)}),
        Action.RETRY,  # enum member
        Score(0.5, detail="half"),
        SimConfig(seed=7, faults=FaultProfile(status={429: 0.1})),
        RunStoppedError("stopped"),
    ]
    for value in values:
        assert pickle.loads(pickle.dumps(value)) == value or repr(
            pickle.loads(pickle.dumps(value))
        ) == repr(value)
    error = pickle.loads(pickle.dumps(SimConfigError("seed: must be >= 0")))
    assert type(error) is SimConfigError and str(error) == "seed: must be >= 0"


def test_the_emulator_still_reads_its_config_from_plain_dicts() -> None:
    from orkit.sim import SimConfig

    config = SimConfig.from_dict({"seed": 3, "faults": {"status": {"503": 0.2}}, "time_scale": 0})
    assert config.seed == 3 and config.faults is not None
    assert config.faults.status == {503: 0.2}
    assert SimConfig.from_dict(config.to_dict()) == config


def test_the_emulator_stays_apart_from_the_rest_of_orkit() -> None:
    """`import orkit.sim` and every name it exports load nothing of orkit outside `orkit.sim`
    beyond what `import orkit` itself loads; its lazy names show `orkit.sim` too."""
    code = (
        "import sys, json, orkit\n"
        "before = set(sys.modules)\n"
        "import orkit.sim\n"
        "homes = {n: getattr(getattr(orkit.sim, n), '__module__', None)\n"
        "         for n in orkit.sim.__all__}\n"
        "loaded = sorted(m for m in set(sys.modules) - before if m.startswith('orkit'))\n"
        "print(json.dumps({'loaded': loaded, 'homes': homes}))\n"
    )
    report = json.loads(_run_python(code))
    assert [m for m in report["loaded"] if not m.startswith("orkit.sim")] == []
    assert {home for home in report["homes"].values() if home} == {"orkit.sim"}
