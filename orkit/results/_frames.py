"""A run's results and scores as compact pandas frames, for summaries and reports: only the
columns asked for, each repeated text (model, prompt, params, status...) stored once and
shared by its rows, and task keys replaced by row numbers.

Every row of a large run is in these frames, so what a row costs is what a report costs: on
a 200,000-task run, every column as pandas took some 400 MB (mostly answers and prompts),
these columns as separate strings some 100 MB, and these frames about 20 MB.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orkit.results._read import read_parts
from orkit.results._rundir import RunDir
from orkit.results._schema import RESULTS_SCHEMA, SCORES_SCHEMA
from orkit.results._typed import CATEGORICAL_COLUMNS

__all__ = ["read_summary_frames"]

# Text columns with a few distinct values over many rows are read as one string per value:
# the same columns a typed frame makes categoricals (one list of them, in `_typed`).
_SHARED_TEXT = CATEGORICAL_COLUMNS


def read_summary_frames(
    run: RunDir, result_columns: Sequence[str], score_columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The results (one row per task, in the order `read_results` reads them) and scores of
    `run`, with only the columns named.

    The frames hold what `read_results(...).to_pandas()` would, with two differences no
    summary can see: the shared-text columns are object columns whose rows share one
    string per distinct value, and `task_key` (when both lists name it) is the results
    row's position in both frames (-1 in a score whose task has no row), which joins them
    as the keys would.
    """
    results = read_parts(run.results_dir, RESULTS_SCHEMA, result_columns, encode=_SHARED_TEXT)
    scores = read_parts(run.scores_dir, SCORES_SCHEMA, score_columns, encode=_SHARED_TEXT)
    if "task_key" in result_columns and "task_key" in score_columns:
        rows = _row_of_key(results["task_key"], scores["task_key"])
        results = _replaced(results, "task_key", pa.array(np.arange(results.num_rows)))
        scores = _replaced(scores, "task_key", pa.array(rows))
    # The keys' text is gone; hand what arrow freed back before pandas allocates its own.
    pa.default_memory_pool().release_unused()
    return _to_pandas(results), _to_pandas(scores)


def _row_of_key(keys: pa.ChunkedArray, wanted: pa.ChunkedArray) -> np.ndarray:
    """For each wanted key, the position of the last row with that key (-1: none), as
    `orkit.stats` joins scores to results when given the keys themselves."""
    last_first = keys.take(pa.array(np.arange(len(keys) - 1, -1, -1, dtype=np.int64)))
    found = pc.index_in(wanted, value_set=last_first).to_numpy(zero_copy_only=False)
    found = np.nan_to_num(found.astype(np.float64), nan=-1.0).astype(np.int64)
    return np.where(found >= 0, len(keys) - 1 - found, -1)


def _replaced(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, column)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """`table` as pandas, each arrow column freed once converted (`table` is spent)."""
    encoded = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    frame: pd.DataFrame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for name in encoded:
        # object rows pointing at each value's one string (a Categorical would change how
        # pandas groups and compares them)
        frame[name] = frame[name].astype(object)
    return frame
