"""Columns of every results row that a report aggregates (tokens, providers, times,
repeats), read part by part with pyarrow, only the columns asked for: the caller folds each
part into its totals and lets it go, so no column of every row is held unless asked for."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orkit.results import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCORES_SCHEMA,
    RunDir,
    part_files,
    system_memory_pool,
    with_columns_of,
)

__all__ = [
    "attempt_parts",
    "each_part",
    "int_column",
    "read_rows",
    "score_parts",
]


def _read(path: Path, schema: pa.Schema, columns: Sequence[str]) -> pa.Table:
    """`columns` of one part; a column an older orkit did not write reads as nulls."""
    present = set(pq.read_schema(path).names)
    with system_memory_pool():
        wanted = [c for c in columns if c in present]
        table = pq.read_table(path, columns=wanted, use_threads=False)
    return with_columns_of(table, pa.schema([schema.field(c) for c in columns])).select(
        list(columns)
    )


def each_part(
    runs: Sequence[RunDir], starts: Sequence[int], columns: Sequence[str]
) -> Iterator[tuple[int, pa.Table]]:
    """(position of the part's first row among every run's results rows, its `columns`),
    part after part, run after run (`starts[i]`: run i's first row)."""
    for run, start in zip(runs, starts, strict=False):
        at = start
        for path in part_files(run.results_dir):  # bounded by the parts on disk
            table = _read(path, RESULTS_SCHEMA, columns)
            yield at, table
            at += table.num_rows


def score_parts(run: RunDir, columns: Sequence[str]) -> Iterator[tuple[int, pa.Table]]:
    """(position of the part's first score row in the run, its `columns`), part by part."""
    at = 0
    for path in part_files(run.scores_dir):  # bounded by the parts on disk
        table = _read(path, SCORES_SCHEMA, columns)
        yield at, table
        at += table.num_rows


def attempt_parts(run: RunDir, columns: Sequence[str]) -> Iterator[pa.Table]:
    """The attempts' `columns`, part by part."""
    for path in part_files(run.attempts_dir):  # bounded by the parts on disk
        yield _read(path, ATTEMPTS_SCHEMA, columns)


def read_rows(
    parts: Iterator[tuple[int, pa.Table]], positions: npt.NDArray[np.int64]
) -> pa.Table | None:
    """The rows at `positions` (ascending, positions as `parts` numbers them), in order."""
    tables = []
    for start, table in parts:
        end = start + table.num_rows
        here = positions[(positions >= start) & (positions < end)] - start
        if len(here):
            tables.append(table.take(pa.array(here)))
    return pa.concat_tables(tables) if tables else None


def int_column(column: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.float64]:
    """An integer column as floats, NaN for null."""
    return np.asarray(
        pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
    )
