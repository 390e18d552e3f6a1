"""ipywidgets, imported when a widget is made: it is an optional extra (`orkit[notebook]`)
and 0.2 s of imports that `import orkit` in a script should not pay."""

from __future__ import annotations

from types import ModuleType

__all__ = ["ipywidgets"]


def ipywidgets() -> ModuleType:
    """The ipywidgets module, or an ImportError that says how to install it."""
    try:
        import ipywidgets as widgets
    except ImportError as exc:
        raise ImportError(
            "orkit's notebook widgets need ipywidgets: pip install 'orkit[notebook]'"
        ) from exc
    module: ModuleType = widgets
    return module
