"""Each table's row `TypedDict` has exactly its Parquet schema's columns, in the schema's
order: a column added to one and not the other fails here."""

from __future__ import annotations

import typing

import pyarrow as pa
import pytest

from orkit.results import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCORES_SCHEMA,
    AttemptRow,
    ResultRow,
    ScoreRow,
)

PAIRS = [(ResultRow, RESULTS_SCHEMA), (AttemptRow, ATTEMPTS_SCHEMA), (ScoreRow, SCORES_SCHEMA)]

_PYTHON = {"string": str, "int64": int, "int32": int, "double": float, "bool": bool}


@pytest.mark.parametrize(("row", "schema"), PAIRS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_row_s_keys_are_its_schema_s_columns_in_order(row: type, schema: pa.Schema) -> None:
    assert list(typing.get_type_hints(row)) == schema.names
    assert row.__optional_keys__ == set(schema.names)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("row", "schema"), PAIRS, ids=lambda x: getattr(x, "__name__", ""))
def test_a_row_s_value_types_are_its_columns_types(row: type, schema: pa.Schema) -> None:
    hints = typing.get_type_hints(row)
    for column in schema:
        allowed = set(typing.get_args(hints[column.name])) or {hints[column.name]}
        if pa.types.is_timestamp(column.type):
            assert int in allowed, column.name  # µs, as built and journaled
            continue
        assert _PYTHON[str(column.type)] in allowed, column.name
        if column.nullable and type(None) not in allowed:
            # a column every row fills (keys, ids, status) is typed without None
            assert column.name in _ALWAYS_SET, column.name


_ALWAYS_SET = {
    "run_id",
    "task_key",
    "item_id",
    "item_index",
    "prompt_id",
    "model",
    "params_json",
    "repeat",
    "status",
    "attempts",
    "is_fallback",
    "messages_json",
    "cost_source",
    "queue_s",
    "backoff_s",
    "attempt",
    "action",
    "scorer",
}
"""Columns whose value every row builder sets (nullable in Parquet all the same)."""
