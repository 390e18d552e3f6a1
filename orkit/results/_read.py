"""Read a run's tables back as Arrow (pandas on request). No orkit needed for this: any
Parquet reader works on a run directory; these helpers only add the empty-table case."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orkit.results._rundir import RunDir
from orkit.results._schema import ATTEMPTS_SCHEMA, RESULTS_SCHEMA, SCORES_SCHEMA

__all__ = [
    "part_files",
    "read_attempts",
    "read_parts",
    "read_result_rows",
    "read_results",
    "read_scores",
    "with_columns_of",
]


def part_files(directory: Path) -> list[Path]:
    """A table's part files (`part-*.parquet`) in the order they were written; none when
    the directory does not exist yet."""
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def read_parts(
    directory: Path,
    schema: pa.Schema,
    columns: Sequence[str] | None = None,
    *,
    encode: Collection[str] = (),
) -> pa.Table:
    """Concatenate `part-*.parquet` in order; an empty table of `schema` when there are none.
    `columns` reads only those (in that order): a report that needs a few numbers per row
    then never decodes the answers' text, which is most of a large run's bytes. Columns
    named in `encode` come back dictionary-encoded (each distinct value stored once per
    part), as they are read, part by part."""
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    encoded = [f.name for f in schema if f.name in encode and pa.types.is_string(f.type)]
    parts = part_files(directory)
    if not parts:
        return _encoded(schema.empty_table(), encoded)
    tables = [_encoded(_read_part(p, schema, columns, encoded), encoded) for p in parts]
    return pa.concat_tables(tables, promote_options="default")


def _encoded(table: pa.Table, names: Sequence[str]) -> pa.Table:
    """`table` with the string columns `names` dictionary-encoded (if not yet)."""
    for name in names:
        at = table.schema.get_field_index(name)
        if not pa.types.is_dictionary(table.schema.field(at).type):
            table = table.set_column(at, name, pc.dictionary_encode(table[name]))
    return table


def _read_part(
    path: Path, schema: pa.Schema, columns: Sequence[str] | None, encoded: Sequence[str] = ()
) -> pa.Table:
    if columns is None:
        return pq.read_table(path)
    present = set(pq.read_schema(path).names)
    table = pq.read_table(
        path,
        columns=[c for c in columns if c in present],
        read_dictionary=[c for c in encoded if c in present],
    )
    # A part written by an older orkit may lack a column: it reads back as nulls.
    return with_columns_of(table, schema).select(list(columns))


def read_results(run: RunDir, columns: Sequence[str] | None = None) -> pa.Table:
    """The results table; only `columns`, in that order, when given."""
    return _read_table(run.results_dir, RESULTS_SCHEMA, columns)


def read_scores(run: RunDir, columns: Sequence[str] | None = None) -> pa.Table:
    """The scores table; only `columns`, in that order, when given."""
    return _read_table(run.scores_dir, SCORES_SCHEMA, columns)


def read_result_rows(run: RunDir, columns: Sequence[str], rows: Sequence[int]) -> pa.Table:
    """`columns` of the results rows at positions `rows` (in the table `read_results` reads,
    ascending), one part at a time: a few rows' text without holding every row's."""
    wanted = np.unique(np.asarray(rows, dtype=np.int64))
    schema = pa.schema([RESULTS_SCHEMA.field(name) for name in columns])
    parts = part_files(run.results_dir)
    tables, start = [], 0
    for path in parts:  # bounded by the parts on disk
        end = start + pq.ParquetFile(path).metadata.num_rows
        here = wanted[(wanted >= start) & (wanted < end)] - start
        if len(here):
            tables.append(_read_part(path, schema, columns).take(pa.array(here)))
        start = end
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables, promote_options="default")


def _read_table(directory: Path, schema: pa.Schema, columns: Sequence[str] | None) -> pa.Table:
    table = read_parts(directory, schema, columns)
    return table if columns is not None else with_columns_of(table, schema)


def with_columns_of(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` with every column of `schema` it lacks added as nulls: runs written by an
    older orkit (fewer columns) read back in today's shape."""
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, type=field.type))
    return table


def read_attempts(run: RunDir) -> pa.Table:
    return with_columns_of(read_parts(run.attempts_dir, ATTEMPTS_SCHEMA), ATTEMPTS_SCHEMA)
