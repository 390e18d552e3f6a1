"""Custom scorers written in Python: any function of the output (and optionally the dataset
item), sync or async, given as an object or as `"module:attr"` / `"path/to/file.py:attr"`.

What the function returns becomes a Score: a `Score` as is; `True`/`False` → pass/fail
(1/0); a number → that value; `None` → the scorer does not apply to this item. A function
that raises does not stop a paid-for run: its row gets a null score and the exception in
`detail` (fix the function, then `orkit rescore` the run).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orkit.errors import ConfigError
from orkit.scorers._base import Score

__all__ = ["PythonScorer", "load_object", "python", "to_score"]

_MAX_DETAIL = 300


def to_score(result: Any) -> Score | None:
    """A custom function's return value as a Score (see the module docstring)."""
    if result is None or isinstance(result, Score):
        return result
    if isinstance(result, bool):
        return Score(1.0 if result else 0.0, passed=result)
    if isinstance(result, int | float):
        return Score(float(result))
    return Score(None, detail=f"scorer returned {type(result).__name__}, not a Score/bool/number")


def _failure(exc: BaseException) -> Score:
    return Score(None, detail=f"scorer raised {type(exc).__name__}: {exc}"[:_MAX_DETAIL])


def _takes_fields(fn: Callable[..., Any]) -> bool:
    """Whether `fn` wants the dataset item too (`fn(output, fields)`) or only the output."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


def _reference(fn: Callable[..., Any]) -> str:
    """`module:qualname` when the function can be imported back (for the run's manifest)."""
    module = getattr(fn, "__module__", None) or "?"
    qualname = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", "?")
    return f"{module}:{qualname}"


@dataclass(frozen=True, slots=True)
class _FunctionScorer:
    """A custom function as a scorer: what it is called, where it can be imported back
    from (for the run's spec), and whether it takes the dataset item too."""

    name: str
    function: Callable[..., Any] = field(repr=False)
    reference: str
    takes_fields: bool
    options: Mapping[str, Any] | None = None

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": "python", "function": self.reference, "name": self.name}
        if self.options is not None:
            spec["options"] = dict(self.options)
        return spec


@dataclass(frozen=True, slots=True)
class PythonScorer(_FunctionScorer):
    """A sync custom function: runs inline, like the built-in scorers."""

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        try:
            result = self.function(output, fields) if self.takes_fields else self.function(output)
        except Exception as exc:
            return _failure(exc)
        return to_score(result)


@dataclass(frozen=True, slots=True)
class AsyncPythonScorer(_FunctionScorer):
    """An async custom function: runs in the scoring stage, after the candidates."""

    function: Callable[..., Awaitable[Any]] = field(repr=False)

    async def score(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        try:
            if self.takes_fields:
                result = await self.function(output, fields)
            else:
                result = await self.function(output)
        except Exception as exc:
            return _failure(exc)
        return to_score(result)


def _is_async(fn: Callable[..., Any]) -> bool:
    call = getattr(fn, "__call__", None)  # noqa: B004 - an object's async __call__ counts
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)


def python(
    function: Callable[..., Any] | str,
    *,
    name: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Any:
    """A scorer from a Python function `fn(output)` or `fn(output, fields)`, sync or async;
    or from `"module:attr"` / `"file.py:attr"`. With `options`, the attribute is a factory
    called as `attr(**options)` to build the scorer."""
    reference = function if isinstance(function, str) else None
    target = load_object(function) if isinstance(function, str) else function
    if options is not None:
        try:
            target = target(**options)
        except TypeError as exc:
            raise ConfigError(f"scorer python: {reference or target}: bad options: {exc}") from exc
    if hasattr(target, "name") and (callable(target) or hasattr(target, "score")):
        return target  # already a scorer object
    if not callable(target):
        raise ConfigError(f"scorer python: {reference or target!r} is not callable")
    label = name or getattr(target, "__name__", None) or "python"
    if label == "<lambda>":
        label = "python"
    # Built by a factory from a reference: the reference and its options rebuild it.
    kept = dict(options) if options is not None and reference is not None else None
    ref = reference if reference is not None else _reference(target)
    cls = AsyncPythonScorer if _is_async(target) else PythonScorer
    return cls(label, target, ref, _takes_fields(target), kept)


def load_object(reference: str) -> Any:
    """`"package.module:attr"` or `"path/to/file.py:attr"` (dotted attrs allowed) → the
    object. A one-line ConfigError says what could not be found."""
    module_part, sep, attr = reference.rpartition(":")
    if not sep or not module_part or not attr:
        raise ConfigError(f"scorer python: function must be 'module:attr', got {reference!r}")
    try:
        module = _load_module(module_part)
    except ConfigError:
        raise
    except Exception as exc:  # the module itself failed to import
        raise ConfigError(
            f"scorer python: cannot import {module_part!r}: {type(exc).__name__}: {exc}"
        ) from exc
    if "<" in attr:  # `<lambda>`, `f.<locals>.g`: not reachable by name
        raise ConfigError(
            f"scorer python: cannot rebuild {reference!r} (a lambda or nested function); "
            "use a module-level function, or pass the scorer again"
        )
    target: Any = module
    for part in attr.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ConfigError(f"scorer python: {module_part!r} has no {attr!r}") from None
    return target


def _load_module(name: str) -> Any:
    if not name.endswith(".py"):
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            raise ConfigError(f"scorer python: no module named {exc.name!r}") from None
    path = Path(name).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"scorer python: no such file {str(path)!r}")
    key = f"orkit_user_scorers.{path.stem}_{abs(hash(str(path))):x}"
    if key in sys.modules:  # loaded before: same objects (and one module per file)
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"scorer python: cannot load {str(path)!r}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(key, None)
        raise
    return module
