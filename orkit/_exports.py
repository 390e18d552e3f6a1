"""A public package's names say where users import them from (layer 0, stdlib only).

Each public package (`orkit.router`, `orkit.stats`, ...) re-exports names from its private
`_modules` and lists them in `__all__`; `publish` then rewrites their `__module__` to the
package, as httpx and anyio do, so reprs, docs, tracebacks and pickles say
`orkit.router.RetryPolicy`, not `orkit.router._policy.RetryPolicy`: a path that would break
the day the private module moves. `tests/test_public_api.py` holds every package to it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from types import FunctionType
from typing import Any

__all__ = ["publish"]


def publish(namespace: Mapping[str, Any]) -> None:
    """Move the classes and functions in `namespace["__all__"]` that its package defines in a
    private module to the package itself (call it last in the package's `__init__`).

    A name re-exported under another name (`judge_rubric` for `_judges.rubric`) takes that
    name too. Names the package re-exports from elsewhere (an error from `orkit.errors`) keep
    their home.
    """
    package: str = namespace["__name__"]
    for name in namespace["__all__"]:
        value = namespace[name]
        if isinstance(value, type | FunctionType) and value.__module__.startswith(f"{package}._"):
            if isinstance(value, type):
                _resolve_annotations(value)
            value.__module__ = package
            if "." not in value.__qualname__:  # pickles find it by the name it is exported as
                value.__name__ = value.__qualname__ = name


def _resolve_annotations(cls: type) -> None:
    """Turn the class's own string annotations into the objects they name, while its module
    is still the one that imports those names.

    `typing.get_type_hints` (used by dataclass tools and by the emulator's config reader) looks
    a class's names up in `sys.modules[cls.__module__]`; once that is the package, `Mapping` or
    `pd` imported by the private module would no longer be found. A hint that cannot be
    resolved even now (a name imported for type checkers only) is left as it was.
    """
    own = inspect.get_annotations(cls)
    if not own:
        return
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except NameError:
        return
    cls.__annotations__ = {name: hints.get(name, hint) for name, hint in own.items()}
