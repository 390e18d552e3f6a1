"""A sweep's `response_format` checked against the rest of it, and the schema a `json_schema`
scorer given none checks answers against: the one the sweep sends."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.errors import SpecError
from orkit.plan._response_format import ResponseFormat, response_format_of
from orkit.scorers import AnyScorer

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "checked_response_format",
    "sent_schemas",
    "with_sweep_schema",
]


def checked_response_format(sweep: SweepDefinition) -> ResponseFormat | None:
    """The sweep's `response_format`, parsed and checked; given once (not also in params or
    the grid, where it would be sent twice with different meanings)."""
    where = sweep.spec_path
    found = response_format_of(sweep.response_format, where=where)
    if found is None:
        return None
    for table in ("params", "grid"):
        if "response_format" in getattr(sweep, table):
            raise SpecError(
                "is also in [response_format]: give it in one place",
                path=where,
                field=f"{table}.response_format",
            )
    return found


def sent_schemas(sweep: SweepDefinition) -> list[Mapping[str, Any]]:
    """The distinct `json_schema` schemas the sweep's tasks send, in order."""
    seen: dict[str, Mapping[str, Any]] = {}
    for params in sweep.param_sets():
        wire = params.get("response_format")
        if not isinstance(wire, Mapping) or wire.get("type") != "json_schema":
            continue
        inner = wire.get("json_schema")
        schema = inner.get("schema") if isinstance(inner, Mapping) else None
        if isinstance(schema, Mapping):
            seen.setdefault(json.dumps(schema, sort_keys=True), schema)
    return list(seen.values())


def with_sweep_schema(scorer: AnyScorer, sweep: SweepDefinition, i: int) -> AnyScorer:
    """`scorer`, bound to the sweep's schema if it is a `json_schema` scorer given none."""
    # the `json_schema` scorer given neither a schema nor a column (see its docstring)
    if not getattr(scorer, "uses_default_schema", False):
        return scorer
    schemas = sent_schemas(sweep)
    if len(schemas) == 1:
        bound: AnyScorer = scorer.with_default_schema(schemas[0])  # type: ignore[union-attr]
        return bound
    why = (
        "the sweep sends no response_format schema"
        if not schemas
        else f"the sweep sends {len(schemas)} response_format schemas (grid)"
    )
    # no path: the sweep adds the spec file to every scorer error
    raise SpecError(
        f"scorer json_schema has no schema and {why}: give it schema or schema_field",
        field=f"scorers[{i}]",
    )
