"""The shape contract (README, Development): no module of `orkit/` (the emulator included:
it is orkit's code) runs over MAX_MODULE_LINES lines, and no public function or method takes
more than MAX_PUBLIC_PARAMETERS parameters.

A long module is two jobs in one file: split it along the seam, as `router/_policy.py` (the
pure decision) and `router/_router.py` (the driver) are split. A long parameter list is
settings that travel together: pass them as one typed option object (a frozen dataclass),
not as `**kwargs`.

A function is public when its name does not start with `_` and it stands in a module or a
class body (functions nested in functions are the enclosing function's business). Every
parameter counts (positional-only, keyword-only, `*args`, `**kwargs`) except the `self` or
`cls` of a method.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "orkit"
MAX_MODULE_LINES = 400
MAX_PUBLIC_PARAMETERS = 8

# Public functions allowed over the parameter cap, each with the reason. Keep it empty: the
# last four (`orkit.stats`' summarize, score_summary, compare, rank_groups) now take
# `SummaryOptions` and `PairOptions`. An entry must name a documented API whose parameters
# are each a user-facing option that travels alone, and the stale-exemption test below
# drops it the day it is no longer wide.
ALLOWED_WIDE: dict[str, str] = {}

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def _modules() -> Iterator[Path]:
    return iter(sorted(ROOT.rglob("*.py")))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)


def line_count(source: str) -> int:
    """The lines of a module as `wc -l` counts them (a last line without a newline counts)."""
    return len(source.splitlines())


def parameter_count(function: FunctionNode, *, is_method: bool) -> int:
    """Every parameter of `function`, less the `self`/`cls` a method receives implicitly.

    A `@staticmethod` has no implicit first parameter, so nothing is taken off it."""
    arguments = function.args
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
    count = len(names) + len(arguments.kwonlyargs)
    count += arguments.vararg is not None
    count += arguments.kwarg is not None
    static = any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list
    )
    if is_method and not static and names and names[0] in {"self", "cls"}:
        count -= 1
    return count


def public_functions(tree: ast.Module) -> Iterator[tuple[str, FunctionNode, bool]]:
    """(qualified name, node, is a method) for each public function of a module or class
    body, classes nested in classes included."""

    def walk(
        body: list[ast.stmt], prefix: str, in_class: bool
    ) -> Iterator[tuple[str, FunctionNode, bool]]:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if not node.name.startswith("_"):
                    yield f"{prefix}{node.name}", node, in_class
            elif isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.", True)
            elif isinstance(node, ast.If | ast.Try):
                # `if TYPE_CHECKING:` / version branches still define module-level names
                for block in (node.body, node.orelse, getattr(node, "finalbody", [])):
                    yield from walk(block, prefix, in_class)

    return walk(tree.body, "", False)


def test_no_module_over_the_line_cap() -> None:
    long = {
        _name(path): n
        for path in _modules()
        if (n := line_count(path.read_text(encoding="utf-8"))) > MAX_MODULE_LINES
    }
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines (split along a seam): {long}"


def test_no_public_function_over_the_parameter_cap() -> None:
    wide: dict[str, int] = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for qualified, node, is_method in public_functions(tree):
            name = f"{_name(path)}:{qualified}"
            n = parameter_count(node, is_method=is_method)
            if n > MAX_PUBLIC_PARAMETERS and name not in ALLOWED_WIDE:
                wide[name] = n
    assert wide == {}, (
        f"public functions over {MAX_PUBLIC_PARAMETERS} parameters "
        f"(pass the settings that travel together as one frozen dataclass): {wide}"
    )


def test_allowed_wide_entries_are_still_wide() -> None:
    """An exemption outlives its reason silently unless it is checked."""
    found: set[str] = set()
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for qualified, node, is_method in public_functions(tree):
            if parameter_count(node, is_method=is_method) > MAX_PUBLIC_PARAMETERS:
                found.add(f"{_name(path)}:{qualified}")
    assert set(ALLOWED_WIDE) <= found, f"stale exemptions: {set(ALLOWED_WIDE) - found}"


def _function(source: str) -> FunctionNode:
    node = ast.parse(source).body[0]
    if isinstance(node, ast.ClassDef):
        node = node.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    return node


def test_parameter_count_counts_every_kind_but_self() -> None:
    plain = _function("def f(a, /, b, *args, c, d=1, **kw): pass")
    assert parameter_count(plain, is_method=False) == 6
    method = _function("class C:\n    def m(self, a, *, b): pass")
    assert parameter_count(method, is_method=True) == 2
    classmethod_ = _function("class C:\n    @classmethod\n    def m(cls, a): pass")
    assert parameter_count(classmethod_, is_method=True) == 1
    static = _function("class C:\n    @staticmethod\n    def m(a, b): pass")
    assert parameter_count(static, is_method=True) == 2
    # a module-level function whose first parameter happens to be called self keeps it
    assert parameter_count(_function("def f(self, a): pass"), is_method=False) == 2


def test_public_functions_skips_private_and_nested_ones() -> None:
    tree = ast.parse(
        "def public(a): pass\n"
        "def _private(a): pass\n"
        "async def coroutine(a): pass\n"
        "class C:\n"
        "    def method(self): pass\n"
        "    def _hidden(self): pass\n"
        "    class Inner:\n"
        "        def deep(self): pass\n"
        "def outer():\n"
        "    def nested(a, b, c, d, e, f, g, h, i): pass\n"
        "if True:\n"
        "    def branch(a): pass\n"
    )
    names = [(name, is_method) for name, _, is_method in public_functions(tree)]
    assert names == [
        ("public", False),
        ("coroutine", False),
        ("C.method", True),
        ("C.Inner.deep", True),
        ("outer", False),
        ("branch", False),
    ]


def test_line_count_matches_wc() -> None:
    assert line_count("a\nb\n") == 2
    assert line_count("a\nb") == 2
    assert line_count("") == 0
