"""A run's tables for Polars and DuckDB, both optional: each is imported only when asked
for, and its absence is a one-line error saying what to install."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from orkit.results._read import part_files
from orkit.results._rundir import RunDir
from orkit.results._schema import ATTEMPTS_SCHEMA, RESULTS_SCHEMA, SCORES_SCHEMA
from orkit.results._typed import categorical

__all__ = ["duckdb_views", "polars_frame"]

_DATASET_SCHEMA = pa.schema([("item_id", pa.string()), ("item_index", pa.int64())])


def _missing(package: str, what: str) -> ImportError:
    return ImportError(f"{what} needs {package}, which is not installed: pip install {package}")


def polars_frame(table: pa.Table) -> Any:
    """`table` as a Polars DataFrame (the repeated text as `Categorical`)."""
    try:
        import polars as pl
    except ImportError:
        raise _missing("polars", "Run.to_polars()") from None
    return pl.from_arrow(categorical(table))


def duckdb_views(run: RunDir) -> Any:
    """An in-memory DuckDB connection with the views `results`, `scores`, `attempts` and
    `dataset` over the run's Parquet files (the part files present now)."""
    try:
        import duckdb
    except ImportError:
        raise _missing("duckdb", "Run.to_duckdb()") from None
    con = duckdb.connect()
    dataset = [run.dataset_path] if run.dataset_path.is_file() else []
    for name, files, schema in (
        ("results", part_files(run.results_dir), RESULTS_SCHEMA),
        ("scores", part_files(run.scores_dir), SCORES_SCHEMA),
        ("attempts", part_files(run.attempts_dir), ATTEMPTS_SCHEMA),
        ("dataset", dataset, _DATASET_SCHEMA),
    ):
        if files:
            listed = ", ".join(_sql_text(str(f)) for f in files)
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}], union_by_name=true)"
            )
        else:  # no rows yet: an empty view of the right columns, not a missing table
            con.from_arrow(schema.empty_table()).create_view(name)
    return con


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
