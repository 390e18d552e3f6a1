"""Append-only Parquet part files, written atomically.

Rows are buffered as columns and flushed every `flush_rows` rows or `flush_s` seconds to
`part-NNNNN.parquet`. Each part is written to a dot-file first and renamed into place, so a
crash never leaves a half-written part where pandas, pyarrow, DuckDB or Polars would read it
(all of them skip dot-files when reading a directory).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orkit.results._schema import schema_metadata

__all__ = ["PartWriter", "next_part_index", "write_table_atomic"]


def next_part_index(directory: Path) -> int:
    """The number after the highest existing part (parts are never overwritten)."""
    highest = -1
    if directory.is_dir():
        for entry in directory.iterdir():
            name = entry.name
            if name.startswith("part-") and name.endswith(".parquet"):
                try:
                    highest = max(highest, int(name[5:-8]))
                except ValueError:
                    continue
    return highest + 1


def write_table_atomic(table: pa.Table, path: Path) -> None:
    """Write `table` to `path` through a temporary dot-file and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class PartWriter:
    """Buffers rows of one table (results, attempts, scores) and writes them as part files."""

    def __init__(
        self,
        directory: Path,
        schema: pa.Schema,
        kind: str,
        *,
        flush_rows: int = 5000,
        flush_s: float = 5.0,
    ) -> None:
        self.directory = directory
        self.schema = schema.with_metadata(schema_metadata(kind))
        self._names = list(schema.names)
        self._columns: dict[str, list[Any]] = {n: [] for n in self._names}
        self._rows = 0
        self._flush_rows = flush_rows
        self._flush_s = flush_s
        self._last_flush = time.monotonic()
        self._next_part = next_part_index(directory)
        self.rows_written = 0
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def pending(self) -> int:
        return self._rows

    def append(self, row: Mapping[str, Any]) -> None:
        """Buffer one row; missing columns are null. Flushes when the buffer is due."""
        get = row.get
        for name, column in self._columns.items():
            column.append(get(name))
        self._rows += 1
        if self._rows >= self._flush_rows or (time.monotonic() - self._last_flush >= self._flush_s):
            self.flush()

    def flush(self) -> None:
        """Write buffered rows as one new part file."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        arrays = [
            pa.array(self._columns[name], type=field.type)
            for name, field in zip(self._names, self.schema, strict=True)
        ]
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        path = self.directory / f"part-{self._next_part:05d}.parquet"
        write_table_atomic(table, path)
        self._next_part += 1
        self.rows_written += self._rows
        self._columns = {n: [] for n in self._names}
        self._rows = 0
