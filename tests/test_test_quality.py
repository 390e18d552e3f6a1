"""Every test checks something: no `test_*` function in tests/ may run code without an
assertion that could fail.

A test *checks* when its body (nested blocks and functions included) has an `assert`, a
`pytest.raises` / `pytest.warns` / `pytest.fail`, a call whose name starts with `assert`
(numpy's and pandas' `testing.assert_*`, a mock's `assert_called_with`, unittest's
`assertEqual`), or a call to an *asserting helper*.

An asserting helper is a function of the tests tree whose own body checks in the same
sense or raises, found by the name the test calls it by: a function of the same module
(`helper(...)`, or `self.helper(...)` for a method of the test's class), a function a
module of the tests tree exports and the test module imports (`from support import
helper`, `from .support import helper`, `import journals` then `journals.helper(...)`),
or a fixture of a `conftest.py` on the test's path that the test takes as an argument and
calls (the fixture's body, with the functions it defines, is the helper's body). Helpers
calling helpers count, to HELPER_DEPTH calls deep; the same rules resolve their names in
their own module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HELPER_DEPTH = 4
CHECKING_PYTEST_CALLS = {"raises", "warns", "fail", "deprecated_call"}

# Tests allowed to check nothing themselves, each with the reason. Keep it empty if you can.
ALLOWED: dict[str, str] = {}


@dataclass
class Module:
    path: Path
    tree: ast.Module
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = field(default_factory=dict)
    methods: dict[tuple[str, str], ast.FunctionDef | ast.AsyncFunctionDef] = field(
        default_factory=dict
    )
    imported: dict[str, tuple[Path, str]] = field(default_factory=dict)  # name -> (module, name)
    modules: dict[str, Path] = field(default_factory=dict)  # `import x` of a tests module


def _module_file(name: str, level: int, here: Path, root: Path) -> Path | None:
    """The tests-tree file an import names: relative to the importing package, or (as
    pytest's rootdir-relative sys.path makes `from support import x` work) next to the
    importing file or at the top of tests/."""
    parts = name.split(".") if name else []
    if level:
        base = here.parent
        for _ in range(level - 1):
            base = base.parent
        candidates = [base.joinpath(*parts).with_suffix(".py")] if parts else []
    else:
        candidates = [
            here.parent.joinpath(*parts).with_suffix(".py"),
            root.joinpath(*parts).with_suffix(".py"),
        ]
        if parts and parts[0] == root.name:
            candidates.append(root.joinpath(*parts[1:]).with_suffix(".py"))
    return next((c for c in candidates if c.is_file()), None)


def _load(path: Path, root: Path) -> Module:
    module = Module(path, ast.parse(path.read_text("utf-8"), filename=str(path)))
    for statement in module.tree.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            module.functions[statement.name] = statement
        elif isinstance(statement, ast.ClassDef):
            for item in statement.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    module.methods[(statement.name, item.name)] = item
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom):
            source = _module_file(node.module or "", node.level, path, root)
            for alias in node.names:
                if source is not None:
                    module.imported[alias.asname or alias.name] = (source, alias.name)
                else:  # `from . import support`: a module, not a function
                    as_module = (
                        _module_file(alias.name, node.level, path, root) if node.level else None
                    )
                    if as_module is not None:
                        module.modules[alias.asname or alias.name] = as_module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                source = _module_file(alias.name, 0, path, root)
                if source is not None:
                    module.modules[alias.asname or alias.name.split(".")[0]] = source
    return module


class Index:
    """Every module of the tests tree, parsed once, and which functions check."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._modules: dict[Path, Module] = {}

    def module(self, path: Path) -> Module:
        if path not in self._modules:
            self._modules[path] = _load(path, self.root)
        return self._modules[path]

    def fixtures(self, path: Path) -> dict[str, tuple[ast.AST, Module]]:
        """Functions of the conftest.py files on a test file's path, nearest first."""
        found: dict[str, tuple[ast.AST, Module]] = {}
        folder = path.parent
        while True:
            conftest = folder / "conftest.py"
            if conftest.is_file():
                module = self.module(conftest)
                for name, node in module.functions.items():
                    found.setdefault(name, (node, module))
            if folder == self.root or folder == folder.parent:
                return found
            folder = folder.parent

    def checks(
        self,
        body: ast.AST,
        module: Module,
        *,
        cls: str | None = None,
        fixtures: dict[str, tuple[ast.AST, Module]] | None = None,
        depth: int = 0,
        helper: bool = False,
    ) -> bool:
        """Whether this code checks something (see the module docstring); a helper's
        `raise` counts too."""
        statements = (
            body.body if isinstance(body, ast.FunctionDef | ast.AsyncFunctionDef) else [body]
        )
        for node in (n for statement in statements for n in ast.walk(statement)):
            if isinstance(node, ast.Assert) or (helper and isinstance(node, ast.Raise)):
                return True
            if not isinstance(node, ast.Call):
                continue
            name = _called_name(node)
            if name is None:
                continue
            owner, attr = name
            if owner == "pytest" and attr in CHECKING_PYTEST_CALLS:
                return True
            if attr.startswith("assert"):
                return True
            if depth >= HELPER_DEPTH:
                continue
            for target, where in self._resolve(owner, attr, module, cls, fixtures or {}):
                if self.checks(target, where, cls=cls, depth=depth + 1, helper=True):
                    return True
        return False

    def _resolve(
        self,
        owner: str | None,
        attr: str,
        module: Module,
        cls: str | None,
        fixtures: dict[str, tuple[ast.AST, Module]],
    ) -> Iterator[tuple[ast.AST, Module]]:
        if owner is None:
            if attr in module.functions:
                yield module.functions[attr], module
            if attr in module.imported:
                source, name = module.imported[attr]
                target = self.module(source)
                if name in target.functions:
                    yield target.functions[name], target
            if attr in fixtures:
                yield fixtures[attr]
        elif owner == "self" and cls is not None and (cls, attr) in module.methods:
            yield module.methods[(cls, attr)], module
        elif owner in module.modules:
            target = self.module(module.modules[owner])
            if attr in target.functions:
                yield target.functions[attr], target


def _called_name(call: ast.Call) -> tuple[str | None, str] | None:
    """`f(...)` -> (None, "f"); `x.f(...)` -> ("x", "f"); `a.b.f(...)` -> ("a.b", "f")."""
    func = call.func
    if isinstance(func, ast.Name):
        return None, func.id
    if isinstance(func, ast.Attribute):
        parts = []
        value: ast.expr = func.value
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            parts.append(value.id)
            return ".".join(reversed(parts)), func.attr
        return "", func.attr
    return None


def each_test(module: Module) -> Iterator[tuple[str, ast.AST, str | None]]:
    """(qualified name, node, class) of each test function and test method."""
    for name, node in module.functions.items():
        if name.startswith("test_"):
            yield name, node, None
    for (cls, name), node in module.methods.items():
        if cls.startswith("Test") and name.startswith("test_"):
            yield f"{cls}.{name}", node, cls


def unchecked_tests(root: Path = TESTS) -> list[str]:
    """`path::name` of every test in `root` that checks nothing."""
    index = Index(root)
    found = []
    for path in sorted(root.rglob("test_*.py")):
        if not path.name.startswith("test_") or ".venv" in path.parts:
            continue
        module = index.module(path)
        conftest = index.fixtures(path)
        for name, node, cls in each_test(module):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            arguments = {a.arg for a in node.args.args + node.args.kwonlyargs}
            fixtures = {k: v for k, v in conftest.items() if k in arguments}
            if not index.checks(node, module, cls=cls, fixtures=fixtures):
                found.append(f"{path.relative_to(root.parent)}::{name}")
    return found


def test_every_test_checks_something() -> None:
    unchecked = [t for t in unchecked_tests() if t not in ALLOWED]
    assert not unchecked, "tests that check nothing:\n" + "\n".join(unchecked)
    stale = [t for t in ALLOWED if t not in unchecked_tests()]
    assert not stale, f"allowed but no longer unchecked: {stale}"


# --- the rules themselves, on small trees -------------------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def unchecked_in(tmp_path: Path, files: dict[str, str]) -> set[str]:
    root = write(tmp_path / "tests", files)
    return {t.split("::")[1] for t in unchecked_tests(root)}


def test_the_rules_on_a_small_tree(tmp_path: Path) -> None:
    files = {
        "support.py": (
            "def check_ok(x):\n    assert x\n"
            "def refuse(x):\n    if not x:\n        raise ValueError(x)\n"
            "def build(x):\n    return [x]\n"
            "def checks_via_another(x):\n    check_ok(x)\n"
        ),
        "conftest.py": (
            "import pytest\n"
            "@pytest.fixture\ndef verify():\n"
            "    def inner(x):\n        assert x\n    return inner\n"
            "@pytest.fixture\ndef maker():\n    return lambda: 1\n"
        ),
        "test_a.py": (
            "import pytest\nimport numpy as np\n"
            "from support import build, check_ok, checks_via_another, refuse\n"
            "def local(x):\n    assert x == 1\n"
            "def test_plain_assert():\n    assert 1\n"
            "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
            "def test_numpy_testing():\n    np.testing.assert_equal(1, 1)\n"
            "def test_local_helper():\n    local(1)\n"
            "def test_imported_helper():\n    check_ok(1)\n"
            "def test_raising_helper():\n    refuse(1)\n"
            "def test_helper_of_helper():\n    checks_via_another(1)\n"
            "def test_fixture_helper(verify):\n    verify(1)\n"
            "def test_nothing():\n    build(1)\n"
            "def test_fixture_that_checks_nothing(maker):\n    maker()\n"
            "def test_raise_in_a_test_is_not_a_check():\n    if False:\n        raise ValueError\n"
            "class TestBox:\n"
            "    def helper(self):\n        assert True\n"
            "    def test_method_helper(self):\n        self.helper()\n"
            "    def test_method_nothing(self):\n        print('x')\n"
        ),
    }
    assert unchecked_in(tmp_path, files) == {
        "test_nothing",
        "test_fixture_that_checks_nothing",
        "test_raise_in_a_test_is_not_a_check",
        "TestBox.test_method_nothing",
    }


def test_helper_depth_is_bounded(tmp_path: Path) -> None:
    # h1 calls h2 ... calls h{HELPER_DEPTH + 1}, which asserts
    last = HELPER_DEPTH + 1
    chain = "".join(f"def h{i}():\n    h{i + 1}()\n" for i in range(1, last))
    chain += f"def h{last}():\n    assert True\n"
    files = {
        "test_deep.py": chain
        + "def test_near():\n    h2()\n"  # the assert HELPER_DEPTH helpers down
        + "def test_far():\n    h1()\n"  # one more: too deep
    }
    assert unchecked_in(tmp_path, files) == {"test_far"}
