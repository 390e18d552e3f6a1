"""A run's tables in the shape an analyst wants: one wide table (scores as columns, the
dataset's columns joined by item id) and its pandas form with the right dtypes.

Arrow first, so pandas and Polars get the same table: repeated text (model, status,
provider...) dictionary-encoded with its values in sorted order (a pandas categorical that
sorts as the text does), joins by position (`index_in` + `take`), so rows keep the run's
order. In pandas, integer and boolean columns are the nullable kinds (`Int64`,
`boolean`): an unknown token count is `<NA>`, never 0 and never a float.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orkit.results._read import read_scores
from orkit.results._rundir import RunDir

__all__ = ["CATEGORICAL_COLUMNS", "categorical", "typed_pandas", "wide_table"]

CATEGORICAL_COLUMNS = frozenset(
    {
        "model",
        "prompt_id",
        "params_json",
        "served_model",
        "served_provider",
        "status",
        "error_type",
        "finish_reason",
        "cost_source",
        "scorer",
        "judge_model",
        "judge_cost_source",
    }
)
"""Text with a few distinct values over many rows: stored once per value (categoricals)."""

_NULLABLE: dict[pa.DataType, object] = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def wide_table(
    results: pa.Table, run: RunDir, *, with_scores: bool, with_dataset: bool
) -> pa.Table:
    """`results` with, per scorer, `score_<scorer>` and `passed_<scorer>` (the task's score
    row; null when it has none), then the dataset's columns by item id (a name the table
    already has is prefixed `data_`)."""
    if with_scores:
        results = _with_scores(results, run)
    if with_dataset and run.dataset_path.is_file():
        results = _with_dataset(results, pq.read_table(run.dataset_path))
    return results


def _with_scores(results: pa.Table, run: RunDir) -> pa.Table:
    scores = read_scores(run, ["task_key", "scorer", "score", "passed"])
    if not scores.num_rows:
        return results
    # Reversed: `index_in` finds a key's first match, which is then the last row written.
    scores = scores.take(pa.array(np.arange(scores.num_rows - 1, -1, -1, dtype=np.int64)))
    names = list(dict.fromkeys(reversed(scores["scorer"].to_pylist())))
    for name in names:
        mine = scores.filter(pc.equal(scores["scorer"], name))
        at = pc.index_in(results["task_key"], value_set=mine["task_key"])
        results = results.append_column(f"score_{name}", mine["score"].take(at))
        results = results.append_column(f"passed_{name}", mine["passed"].take(at))
    return results


def _with_dataset(results: pa.Table, data: pa.Table) -> pa.Table:
    at = pc.index_in(results["item_id"], value_set=data["item_id"])
    taken = set(results.column_names)
    for name in data.column_names:
        if name in ("item_id", "item_index"):
            continue
        shown = f"data_{name}" if name in taken else name
        results = results.append_column(shown, data[name].take(at))
    return results


def categorical(table: pa.Table) -> pa.Table:
    """`table` with its `CATEGORICAL_COLUMNS` dictionary-encoded, values sorted."""
    for i, field in enumerate(table.schema):
        if field.name in CATEGORICAL_COLUMNS and pa.types.is_string(field.type):
            column = table[field.name]
            values = pc.sort_indices(pc.unique(column.drop_null()))
            ordered = pc.unique(column.drop_null()).take(values)
            codes = pc.index_in(column, value_set=ordered).cast(pa.int32())
            encoded = pa.chunked_array(
                [pa.DictionaryArray.from_arrays(c, ordered) for c in codes.chunks],
                type=pa.dictionary(pa.int32(), pa.string()),
            )
            table = table.set_column(i, field.name, encoded)
    return table


def typed_pandas(table: pa.Table) -> pd.DataFrame:
    """`table` as pandas: categoricals (sorted categories) for the repeated text, nullable
    integers and booleans, timestamps as datetimes; unknown is `<NA>`/NaN, never 0."""
    frame: pd.DataFrame = categorical(table).to_pandas(types_mapper=_NULLABLE.get)
    return frame
