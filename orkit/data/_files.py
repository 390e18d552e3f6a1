"""Readers for dataset files (layer 2): JSON Lines, CSV/TSV and Parquet, each streamed in
chunks of `(line, fields)` rows; `.json` arrays live in `_jsonarray`.

Positions: JSONL and CSV rows carry their 1-based file line; JSON arrays and Parquet carry their
1-based row number, and their errors say "row" instead of "line".
"""

from __future__ import annotations

import csv
import json
import json.scanner
import re
from collections.abc import Iterator
from typing import Any, Literal

from orkit.data._common import (
    BOM,
    FileRows,
    Reader,
    Row,
    dataset_error,
    json_kind,
    sha256_file,
)
from orkit.data._jsonarray import JsonArrayReader
from orkit.errors import DatasetError

__all__ = ["FORMATS", "file_reader"]

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_reader(path: str, fmt: str) -> Reader:
    if fmt == "json" and _starts_with_object(path):
        fmt = "jsonl"  # `.json` files written as JSON Lines (HF datasets, pandas lines=True)
    if fmt == "jsonl":
        return _JsonlReader(path)
    if fmt == "json":
        return JsonArrayReader(path)
    if fmt in ("csv", "tsv"):
        return _CsvReader(path, fmt)
    return _ParquetReader(path)


def _starts_with_object(path: str) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096).removeprefix(BOM).lstrip()
    return head.startswith(b"{")


# ----------------------------------------------------------------------------------- JSONL

_scan_once = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # what `json.loads` allows around a value


def _parse_line(line: bytes) -> Any:
    """`json.loads(line)`, in half the time for the usual line (UTF-8, starting with its
    value): every row of a dataset is parsed once per pass (validation, each model's lane),
    and the wrapper around the C scanner — encoding detection, the decode, two regex
    matches — cost more than the scan. Anything unusual takes `json.loads` itself, so what
    is accepted, and every error message, stay exactly its own."""
    try:
        text = line.decode()
        value, end = _scan_once(text, 0)
    except (UnicodeDecodeError, StopIteration, ValueError, RecursionError):
        return json.loads(line)
    if _WHITESPACE.match(text, end).end() != len(text):  # type: ignore[union-attr]
        return json.loads(line)  # raises "Extra data"
    return value


class _JsonlReader(FileRows):
    format = "jsonl"
    unit: Literal["line", "row"] = "line"

    def _rows(self) -> Iterator[Row]:
        with open(self.path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.removeprefix(BOM) if lineno == 1 else raw
                if not line.strip():
                    continue
                try:
                    obj = _parse_line(line)
                except json.JSONDecodeError as exc:
                    msg = f"invalid JSON: {exc.msg} (col {exc.colno})"
                    raise dataset_error(self.label, lineno, msg) from None
                except UnicodeDecodeError as exc:
                    msg = f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})"
                    raise dataset_error(self.label, lineno, msg) from None
                if not isinstance(obj, dict):
                    msg = f"expected a JSON object, got {json_kind(obj)}"
                    raise dataset_error(self.label, lineno, msg)
                yield lineno, obj

    def count(self) -> int:
        with open(self.path, "rb") as fh:
            return sum(1 for line in fh if line.strip() and line.strip() != BOM)


# ------------------------------------------------------------------------------- CSV / TSV


class _CsvReader(FileRows):
    unit: Literal["line", "row"] = "line"

    def __init__(self, path: str, fmt: str) -> None:
        super().__init__(path)
        self.format = fmt
        self.delimiter = "\t" if fmt == "tsv" else ","

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """Non-blank records with the file line each starts on (quoted fields may span lines)."""
        with open(self.path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            end = 0
            try:
                for record in reader:
                    start, end = end + 1, reader.line_num
                    if record:
                        yield start, record
            except csv.Error as exc:
                raise dataset_error(self.label, end + 1, f"invalid CSV: {exc}") from None
            except UnicodeDecodeError as exc:
                msg = f"not UTF-8 text ({exc.reason})"
                raise dataset_error(self.label, end + 1, msg) from None

    def _header(self, records: Iterator[tuple[int, list[str]]]) -> list[str]:
        for line, header in records:
            seen: set[str] = set()
            for i, name in enumerate(header, 1):
                if not name.strip():
                    msg = f"column {i} of the header has no name"
                    raise dataset_error(self.label, line, msg)
                if name in seen:
                    raise dataset_error(self.label, line, f"duplicate column name {name!r}")
                seen.add(name)
            return header
        return []

    def _rows(self) -> Iterator[Row]:
        records = self._records()
        header = self._header(records)
        width = len(header)
        for line, record in records:
            if len(record) != width:
                msg = (
                    f"expected {width} fields as in the header, got {len(record)}"
                    " (a ragged row: check delimiters and quoting)"
                )
                raise dataset_error(self.label, line, msg)
            yield line, dict(zip(header, record, strict=True))

    def columns(self) -> list[str]:
        return self._header(self._records())  # the header, even of a file with no rows

    def count(self) -> int:
        return max(0, sum(1 for _ in self._records()) - 1)


class _ParquetReader:
    format = "parquet"
    unit: Literal["line", "row"] = "row"

    def __init__(self, path: str) -> None:
        self.path = self.label = path

    def _open(self) -> Any:
        # Imported on first use: pyarrow.parquet takes a few hundred ms to import, and only
        # a Parquet dataset needs it here.
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
            msg = f"not a readable Parquet file ({_first_line(exc)})"
            raise DatasetError(msg, path=self.label) from None

    def chunks(self, size: int) -> Iterator[list[Row]]:
        with self._open() as pf:
            row = 0
            batches = pf.iter_batches(batch_size=size)
            while True:
                try:
                    batch = next(batches, None)
                except Exception as exc:  # a corrupt page or row group
                    msg = f"unreadable Parquet data ({_first_line(exc)})"
                    raise dataset_error(
                        self.label, row + 1, msg, unit="row", path=self.path
                    ) from None
                if batch is None:
                    return
                records: list[dict[str, Any]] = batch.to_pylist()
                yield [(row + i, r) for i, r in enumerate(records, 1)]
                row += len(records)

    def columns(self) -> list[str]:
        with self._open() as pf:
            return list(pf.schema_arrow.names)

    def count(self) -> int:
        with self._open() as pf:
            return int(pf.metadata.num_rows)

    def fingerprint(self) -> str:
        return sha256_file(self.path)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
