"""Scorers that read a dataset column the dataset does not have: caught before sending.

A text scorer whose `expected` column is missing returns no score for every row, so a run
would finish with the scorer silently absent from every summary.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from orkit.errors import SpecError

__all__ = ["check_scorer_columns", "scorer_columns"]

_COLUMN_ATTRIBUTES = ("expected", "schema_field", "arguments", "calls")
"""Scorer attributes that name a dataset column (text, choice and judge scorers read
`expected`; `json_schema` may read its schema from `schema_field`; `tool_call` its expected
`arguments` or `calls`: its `tool` may be a literal name, so it is not checked)."""


def scorer_columns(scorer: Any) -> list[tuple[str, str]]:
    """(option, column) for each dataset column `scorer` reads; a Python function scorer
    reads what it likes, and says nothing here."""
    out = []
    for option in _COLUMN_ATTRIBUTES:
        column = getattr(scorer, option, None)
        if isinstance(column, str) and column:
            out.append((option, column))
    return out


def check_scorer_columns(
    scorers: Sequence[Any],
    columns: Sequence[str],
    *,
    dataset: str | None,
    spec_path: str | None = None,
) -> None:
    """Raise SpecError naming the first scorer whose column is not among `columns`."""
    if not columns:
        return  # an empty dataset has no header to compare with
    for i, scorer in enumerate(scorers):
        for option, column in scorer_columns(scorer):
            if column in columns:
                continue
            near = difflib.get_close_matches(column, list(columns), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            shown = ", ".join(list(columns)[:20]) + (", …" if len(columns) > 20 else "")
            raise SpecError(
                f"scorer {scorer.name!r} reads column {column!r}, which "
                f"{dataset or 'the dataset'} does not have (columns: {shown}){hint}",
                path=spec_path,
                field=f"scorers[{i}].{option}",
            )
