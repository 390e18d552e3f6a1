"""A sweep's `[params]` and `[grid]` checked field by field against the request-field table
(`_request_fields`), before anything is sent: unknown names (with a did-you-mean), wrong
types and ranges (each grid value on its own), and the `[params.extra]` passthrough."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.errors import SpecError
from orkit.plan._request_fields import (
    EXTRA_TABLE,
    REQUEST_FIELDS,
    field_problem,
    unknown_field_message,
)

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = ["check_request_fields", "flatten_extra", "is_url_endpoint"]

_NESTED = re.compile(r"^(\[\d+\](?:\.\w+)?|\w+): (.*)$")
"""`key: problem` or `[i].key: problem`, as the table's nested rules report."""


def is_url_endpoint(endpoint: Any) -> bool:
    """A server named by URL (llama.cpp, vLLM, a proxy): its own sampler fields are known."""
    return str(endpoint).startswith(("http://", "https://"))


def check_request_fields(sweep: SweepDefinition, reserved: frozenset[str]) -> None:
    """Raise SpecError naming the first field of params or grid that is unknown or whose
    value is wrong; `reserved` are the fields orkit sets itself."""
    local = is_url_endpoint(sweep.endpoint)
    where = sweep.spec_path
    for key, value in sweep.params.items():
        if key == EXTRA_TABLE:
            _check_extra(value, reserved, where)
            continue
        _check_one(f"params.{key}", key, value, local, where)
    for key, values in sweep.grid.items():
        if key == EXTRA_TABLE:
            raise SpecError(
                f"custom fields cannot be swept: give them in [params.{EXTRA_TABLE}]",
                path=where,
                field=f"grid.{key}",
            )
        if not isinstance(values, list | tuple):
            continue  # _checks says what a grid axis must be
        for value in values:
            _check_one(f"grid.{key}", key, value, local, where)


def _check_one(at: str, key: str, value: Any, local: bool, where: str | None) -> None:
    unknown = unknown_field_message(key, local_server=local)
    if unknown is not None:
        raise SpecError(unknown, path=where, field=at)
    problem = field_problem(key, value, local_server=local)
    if problem is None:
        return
    # a nested rule says where inside the value (`zdr: must be ...`): name it in the field
    while (nested := _NESTED.match(problem)) is not None:
        step, problem = nested.group(1), nested.group(2)
        at += step if step.startswith("[") else f".{step}"
    raise SpecError(problem, path=where, field=at)


def _check_extra(table: Any, reserved: frozenset[str], where: str | None) -> None:
    at = f"params.{EXTRA_TABLE}"
    if not isinstance(table, Mapping):
        raise SpecError(
            f"must be a table of custom fields, got {table!r:.60}", path=where, field=at
        )
    for key in table:
        if not isinstance(key, str) or not key.strip():
            raise SpecError(f"field names must be non-empty strings, got {key!r}", field=at)
        if key in reserved or key == EXTRA_TABLE:
            raise SpecError(
                "is set by orkit and cannot be a param", path=where, field=f"{at}.{key}"
            )
        if key in REQUEST_FIELDS:
            # a known field is checked where it belongs; here it would skip its check (a
            # llama.cpp/vLLM sampler may stay here: that is how it reaches any endpoint)
            raise SpecError(
                f"{key!r} is a known request field: set it in [params], where it is checked",
                path=where,
                field=f"{at}.{key}",
            )


def flatten_extra(params: Mapping[str, Any]) -> dict[str, Any]:
    """The body fields of a params set: `[params.extra]`'s fields go on the body's top
    level, next to the known ones (they never share a name: `_check_extra`)."""
    extra = params.get(EXTRA_TABLE)
    out = {k: v for k, v in params.items() if k != EXTRA_TABLE}
    if isinstance(extra, Mapping):
        out.update(extra)
    return out
