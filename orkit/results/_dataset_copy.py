"""Store the dataset's columns once per run (`dataset.parquet`), joined to results by item_id.

Dataset values can be anything JSON holds; Parquet needs one type per column. Scalars keep
their type when a column is consistent; nested values and columns of mixed types become JSON
text, so nothing is lost and every reader can open the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["DatasetCopyWriter"]

_SCALARS = (str, int, float, bool)


def _jsonish(value: Any) -> Any:
    if value is None or isinstance(value, _SCALARS):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class DatasetCopyWriter:
    """Streams item batches into `dataset.parquet` (atomically renamed on close)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tmp = path.with_name(f".{path.name}.tmp")
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self.rows = 0

    def write_batch(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        records = [{k: _jsonish(v) for k, v in row.items()} for row in rows]
        table = self._to_table(records)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._tmp, table.schema, compression="zstd")
        self._writer.write_table(table)
        self.rows += len(rows)

    def _to_table(self, records: list[dict[str, Any]]) -> pa.Table:
        if self._schema is None:
            columns = _column_names(records)
            arrays = {c: _column_array(records, c) for c in columns}
            table = pa.table(arrays)
            self._schema = table.schema
            return table
        arrays = {}
        for field in self._schema:
            values = [r.get(field.name) for r in records]
            try:
                arrays[field.name] = pa.array(values, type=field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                if field.type != pa.string():
                    raise
                arrays[field.name] = pa.array([_as_text(v) for v in values], type=pa.string())
        return pa.table(arrays, schema=self._schema)

    def close(self) -> None:
        """Finish the file and put it in place (an empty dataset leaves none)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop what was written: no copy rather than a partial one."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._tmp.unlink(missing_ok=True)


def _column_names(records: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for r in records:
        for k in r:
            seen.setdefault(k, None)
    return list(seen)


def _column_array(records: list[dict[str, Any]], column: str) -> pa.Array:
    values = [r.get(column) for r in records]
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) <= 1 or kinds == {int, float}:
        try:
            return pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            pass
    # Mixed types: keep them all as text so later batches of any type fit too.
    return pa.array([_as_text(v) for v in values], type=pa.string())


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)
