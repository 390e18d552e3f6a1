"""Every exception orkit defines lives in `orkit.errors` (the package `orkit/errors/`), and
the tree drawn in its docstring is the real class tree: each class drawn once, under its real
parent, and nothing drawn that is not there. (The emulator, `orkit.sim`, is independent and
keeps its own.)"""

from __future__ import annotations

import ast
import builtins
import inspect
import re
from pathlib import Path

import orkit.errors

ORKIT = Path(__file__).resolve().parent.parent / "orkit"
BUILTIN_EXCEPTIONS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
# Read from the source, not `__module__` (which a public package may set to its own name).
ERROR_CLASSES: dict[str, type[BaseException]] = {
    node.name: getattr(orkit.errors, node.name)
    for path in sorted((ORKIT / "errors").glob("*.py"))
    for node in ast.parse(path.read_text()).body
    if isinstance(node, ast.ClassDef)
}


def _base_name(base: ast.expr) -> str:
    """`Exception`, `errors.ConfigError` → `ConfigError`, `httpx.HTTPError` → `HTTPError`."""
    return ast.unparse(base).rsplit(".", 1)[-1].split("[", 1)[0]


def _looks_like_exception(name: str, known: set[str]) -> bool:
    # A third-party base (`httpx.HTTPError`, `jinja2.TemplateError`) cannot be resolved by
    # reading orkit alone; its name gives it away.
    return name in known or name.endswith(("Error", "Exception", "Interrupt", "Exit"))


def exception_classes_outside_errors(root: Path) -> list[str]:
    classes: list[tuple[str, str, list[str]]] = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("sim", "errors"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                where = f"{root.name}/{rel}:{node.lineno} {node.name}"
                classes.append((node.name, where, [_base_name(b) for b in node.bases]))
    known = BUILTIN_EXCEPTIONS | set(ERROR_CLASSES)
    found: dict[str, str] = {}
    changed = True
    while changed:  # a subclass of a class found in the walk is found next round
        changed = False
        for name, where, bases in classes:
            if where not in found and any(_looks_like_exception(b, known) for b in bases):
                found[where] = name
                known.add(name)
                changed = True
    return sorted(found)


def test_no_exception_class_is_defined_outside_errors_py() -> None:
    outside = exception_classes_outside_errors(ORKIT)
    assert not outside, f"define these in orkit/errors/ and draw them in its tree: {outside}"


def test_the_walk_finds_exception_classes(tmp_path: Path) -> None:
    """The walk above can fail: on a package that defines some, it finds each one."""
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "x.py").write_text("class SimOnly(Exception): ...\n")
    (tmp_path / "errors").mkdir()
    (tmp_path / "errors" / "_x.py").write_text("class Fine(Exception): ...\n")
    (tmp_path / "mod.py").write_text(
        "import httpx\n"
        "class Local(ValueError): ...\n"
        "class Deeper(Local): ...\n"
        "class Wrapped(httpx.HTTPError): ...\n"
        "class OrkitSubclass(ConfigError): ...\n"
        "class Plain: ...\n"
        "class Data(dict): ...\n"
    )
    found = exception_classes_outside_errors(tmp_path)
    assert [w.rsplit(" ", 1)[1] for w in found] == ["Local", "Deeper", "Wrapped", "OrkitSubclass"]


def _drawn_tree() -> list[tuple[int, str]]:
    """(depth, class name) of each line of the docstring's tree, top to bottom."""
    doc = orkit.errors.__doc__ or ""
    block = doc.split("```", 2)[1]
    drawn = []
    for line in block.splitlines():
        match = re.match(r"^([│├└─\s]*)([A-Z]\w+)", line)
        if match:
            drawn.append((len(match.group(1)) // 4, match.group(2)))
    return drawn


def test_every_error_class_is_drawn_under_its_parent() -> None:
    drawn = _drawn_tree()
    names = [name for _, name in drawn]
    missing = sorted(set(ERROR_CLASSES) - set(names))
    assert not missing, f"classes of orkit.errors missing from its drawn tree: {missing}"
    stale = sorted(n for n in names if n not in ERROR_CLASSES and n not in BUILTIN_EXCEPTIONS)
    assert not stale, f"drawn in orkit.errors's tree but not defined there: {stale}"
    assert len(names) == len(set(names)), "a class is drawn twice"
    parents: list[str] = []
    for depth, name in drawn:
        del parents[depth:]
        if depth == 0:
            root = ERROR_CLASSES.get(name) or getattr(builtins, name)
            if name in ERROR_CLASSES:
                assert root.__bases__[0] in (Exception, BaseException), name
        else:
            parent = ERROR_CLASSES.get(parents[-1]) or getattr(builtins, parents[-1])
            assert parent in ERROR_CLASSES[name].__bases__, (
                f"{name} is drawn under {parents[-1]}, but its bases are "
                f"{[b.__name__ for b in ERROR_CLASSES[name].__bases__]}"
            )
        parents.append(name)


def test_every_error_class_is_exported() -> None:
    assert set(ERROR_CLASSES) <= set(orkit.errors.__all__)
    for name, cls in ERROR_CLASSES.items():
        assert inspect.getdoc(cls) or issubclass(cls, orkit.errors.APIStatusError), name
