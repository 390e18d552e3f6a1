"""`contestants` numbers its groups column by column through codes (only distinct values are
spelt as text); it must group, number and label exactly as grouping the rows' text did."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orkit.stats import contestants
from orkit.stats._contestants import grouping_columns


def _by_text(results: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, pd.DataFrame]:
    """The groups as `groupby(sort=False)` over every row's text makes them."""
    frame = pd.DataFrame(
        {
            c: results[c].astype(object).where(results[c].notna(), "").astype(str)
            if c in results.columns
            else ""
            for c in columns
        },
        index=pd.RangeIndex(len(results)),
    )
    grouped = frame.groupby(list(columns), sort=False)
    keys = grouped.size().index.to_frame(index=False)[list(columns)]
    return grouped.ngroup().to_numpy(), keys


@pytest.mark.parametrize("by", [None, "model", ["model", "served_provider"], "params"])
def test_groups_match_grouping_every_rows_text(by: object) -> None:
    rng = np.random.default_rng(4)
    n = 500
    results = pd.DataFrame(
        {
            "model": rng.choice(["b/m", "a/m", "c/m"], n),
            # missing, empty and a number that reads like a string: one group each way
            "prompt_id": pd.Series(rng.choice(np.array(["x", "", None, "y"]), n), dtype=object),
            "params_json": rng.choice(['{"t":0}', '{"t":1}', "{}"], n),
            "served_provider": pd.Series(
                rng.choice(np.array([1, "1", None, "P"]), n), dtype=object
            ),
        }
    )
    entrants = contestants(results, by)  # type: ignore[arg-type]
    codes, keys = _by_text(results, grouping_columns(by))  # type: ignore[arg-type]
    assert len(entrants.table) == len(keys)
    # the same partition of the rows, labelled by the same key values
    labels = entrants.of_rows()
    for group in range(len(keys)):
        rows = np.flatnonzero(codes == group)
        assert labels.iloc[rows].nunique() == 1
    texts = {
        tuple("" if pd.isna(v) else str(v) for v in row)
        for row in entrants.table[list(grouping_columns(by))].itertuples(index=False)  # type: ignore[arg-type]
    }
    assert texts == {tuple(row) for row in keys.itertuples(index=False)}


def test_a_column_the_results_lack_is_one_empty_group() -> None:
    results = pd.DataFrame({"model": ["a/m", "b/m", "a/m"]})
    entrants = contestants(results)
    assert entrants.labels == ["a/m", "b/m"] and entrants.codes.tolist() == [0, 1, 0]
