"""Read a run's tables back as Arrow (pandas on request). No orkit needed for this: any
Parquet reader works on a run directory; these helpers only add the empty-table case."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orkit.results._rundir import RunDir
from orkit.results._schema import ATTEMPTS_SCHEMA, RESULTS_SCHEMA, SCORES_SCHEMA

__all__ = ["read_attempts", "read_parts", "read_results", "read_scores", "with_columns_of"]


def read_parts(directory: Path, schema: pa.Schema) -> pa.Table:
    """Concatenate `part-*.parquet` in order; an empty table of `schema` when there are none."""
    parts = sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []
    if not parts:
        return schema.empty_table()
    tables = [pq.read_table(p) for p in parts]
    return pa.concat_tables(tables, promote_options="default")


def read_results(run: RunDir) -> pa.Table:
    return with_columns_of(read_parts(run.results_dir, RESULTS_SCHEMA), RESULTS_SCHEMA)


def read_scores(run: RunDir) -> pa.Table:
    return with_columns_of(read_parts(run.scores_dir, SCORES_SCHEMA), SCORES_SCHEMA)


def with_columns_of(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with every column of `schema` it lacks added as nulls: runs written by an
    older orkit (fewer columns) read back in today's shape."""
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, type=field.type))
    return table


def read_attempts(run: RunDir) -> pa.Table:
    return with_columns_of(read_parts(run.attempts_dir, ATTEMPTS_SCHEMA), ATTEMPTS_SCHEMA)
