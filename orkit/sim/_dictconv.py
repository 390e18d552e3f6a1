"""Plain-dict conversion for the emulator's frozen option dataclasses.

`SimConfig`, `ModelProfile`, `ProviderProfile` and `FaultProfile` travel as plain dicts: to a
child process, and from TOML/JSON files. This module converts in both directions, driven by
the dataclasses' own type hints, and names the offending field in every error
(`faults.status.418: ...`), because a config file is typed by hand.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["SimConfigError", "from_mapping", "to_plain"]

T = TypeVar("T")


class SimConfigError(ValueError):
    """A configuration value is missing, unknown or out of range; the message names the field."""


def from_mapping(cls: type[T], data: object, path: str = "") -> T:
    """Build dataclass `cls` from a plain mapping, converting nested values by type hint."""
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        where = path.rstrip(".") or cls.__name__
        raise SimConfigError(f"{where}: expected a table/object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SimConfigError(f"{path}{key}: unknown field{hint}")
        kwargs[key] = _convert(value, hints[key], f"{path}{key}")
    try:
        return cls(**kwargs)
    except SimConfigError:
        raise
    except (ValueError, TypeError) as exc:  # __post_init__ messages start with the field name
        raise SimConfigError(f"{path}{exc}") from None


def to_plain(value: object) -> Any:
    """Turn a dataclass tree into JSON/TOML-friendly dicts, lists and scalars."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    return value


def _convert(value: object, hint: Any, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        return _convert_optional(value, typing.get_args(hint), path)
    if dataclasses.is_dataclass(hint):
        return from_mapping(hint, value, f"{path}.")  # type: ignore[arg-type]
    if origin is tuple:
        return _convert_tuple(value, typing.get_args(hint), path)
    if origin in (Mapping, dict):
        key_hint, value_hint = typing.get_args(hint)
        return _convert_mapping(value, key_hint, value_hint, path)
    return _convert_scalar(value, hint, path)


def _convert_optional(value: object, args: tuple[Any, ...], path: str) -> Any:
    if value is None and type(None) in args:
        return None
    (inner,) = [a for a in args if a is not type(None)]
    return _convert(value, inner, path)


def _convert_tuple(value: object, args: tuple[Any, ...], path: str) -> tuple[Any, ...]:
    if not isinstance(value, list | tuple):
        raise SimConfigError(f"{path}: expected a list, got {type(value).__name__}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(_convert(v, args[0], f"{path}[{i}]") for i, v in enumerate(value))
    if len(value) != len(args):
        raise SimConfigError(f"{path}: expected {len(args)} items, got {len(value)}")
    return tuple(
        _convert(v, a, f"{path}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
    )


def _convert_mapping(value: object, key_hint: Any, value_hint: Any, path: str) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise SimConfigError(f"{path}: expected a table/object, got {type(value).__name__}")
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if key_hint is int:
            # TOML and JSON keys are strings: accept "429" for a status code.
            try:
                key = int(key)
            except (TypeError, ValueError):
                raise SimConfigError(f"{path}.{key}: expected an integer key") from None
        elif not isinstance(key, str):
            raise SimConfigError(f"{path}.{key}: expected a string key")
        out[key] = _convert(item, value_hint, f"{path}.{key}")
    return out


def _convert_scalar(value: object, hint: Any, path: str) -> Any:
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is str and isinstance(value, str):
        return value
    name = getattr(hint, "__name__", str(hint))
    raise SimConfigError(f"{path}: expected {name}, got {type(value).__name__} {value!r}")
