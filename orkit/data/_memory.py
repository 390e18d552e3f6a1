"""Readers for in-memory data (layer 2): pandas and polars DataFrames, pyarrow Tables and
sequences of mappings. Positions are 1-based row numbers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from orkit.data._common import Reader, Row, dataset_error

__all__ = ["memory_reader"]


def memory_reader(source: object) -> Reader | None:
    """A reader for a pandas DataFrame, a pyarrow Table, a polars DataFrame or a sequence of
    mappings; `None` for anything else."""
    module = type(source).__module__.split(".")[0]
    if module == "pandas" and type(source).__name__ == "DataFrame":
        return _PandasReader(source)
    if module == "polars" and hasattr(source, "to_arrow"):
        return _ArrowReader(source.to_arrow(), "polars")
    if module == "pyarrow" and hasattr(source, "to_batches"):
        return _ArrowReader(source, "arrow")
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        return _RecordsReader(source)
    return None


class _MemoryReader:
    path: str | None = None
    unit: Literal["line", "row"] = "row"
    format = "records"
    label = "<records>"

    def _iter_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        raise NotImplementedError

    def chunks(self, size: int) -> Iterator[list[Row]]:
        row = 0
        for records in self._iter_chunks(size):
            yield [(row + i, r) for i, r in enumerate(records, 1)]
            row += len(records)

    def fingerprint(self) -> str:
        """sha256 over the rows as canonical JSON (sorted keys), one line per row."""
        digest = hashlib.sha256()
        for records in self._iter_chunks(4096):
            for r in records:
                text = json.dumps(r, sort_keys=True, ensure_ascii=False, default=str)
                digest.update(text.encode())
                digest.update(b"\n")
        return digest.hexdigest()


class _RecordsReader(_MemoryReader):
    def __init__(self, records: Sequence[Any]) -> None:
        self.records = records

    def _iter_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, len(self.records), size):
            out = []
            for row, r in enumerate(self.records[start : start + size], start + 1):
                if not isinstance(r, Mapping):
                    msg = f"expected a mapping (dict), got {type(r).__name__}"
                    raise dataset_error(self.label, row, msg, unit="row")
                out.append({str(k): v for k, v in r.items()})
            yield out

    def columns(self) -> list[str]:
        first = self.records[0] if self.records else None
        return [str(k) for k in first] if isinstance(first, Mapping) else []

    def count(self) -> int:
        return len(self.records)


class _PandasReader(_MemoryReader):
    format = "pandas"
    label = "<DataFrame>"

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def _iter_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        names = self.columns()
        for start in range(0, len(self.frame), size):
            part = self.frame.iloc[start : start + size]
            # Missing values (NaN, NaT, pd.NA) become None, as they would from JSON or Parquet.
            part = part.astype(object).where(part.notna(), None)
            part.columns = names
            yield part.to_dict("records")

    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def count(self) -> int:
        return len(self.frame)


class _ArrowReader(_MemoryReader):
    label = "<Table>"

    def __init__(self, table: Any, fmt: str) -> None:
        self.table = table
        self.format = fmt
        self.label = "<DataFrame>" if fmt == "polars" else "<Table>"

    def _iter_chunks(self, size: int) -> Iterator[list[dict[str, Any]]]:
        for batch in self.table.to_batches(max_chunksize=size):
            yield batch.to_pylist()

    def columns(self) -> list[str]:
        return list(self.table.column_names)

    def count(self) -> int:
        return int(self.table.num_rows)
