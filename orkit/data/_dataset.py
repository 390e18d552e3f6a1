"""`open_dataset`: a dataset file or in-memory table read as a stream of `Item`s (layer 2).

Nothing here holds the whole dataset: rows come in batches, and only the ids seen so far are
kept (to reject duplicates). Bad input raises a one-line `DatasetError` naming the file and
line when the bad row is reached; `Dataset.validate()` streams everything once up front.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orkit.data._common import Reader, dataset_error
from orkit.data._files import FORMATS, file_reader
from orkit.data._memory import memory_reader
from orkit.errors import ConfigError, DatasetError

__all__ = ["Dataset", "Item", "open_dataset"]


@dataclass(frozen=True, slots=True)
class Item:
    """One dataset row."""

    index: int
    """0-based position in the dataset."""
    line: int
    """1-based file line (JSONL, CSV) or row number (JSON arrays, Parquet, in-memory data)."""
    item_id: str
    """The `id_field` value, else the `id` column, else the row index; unique in the dataset."""
    fields: dict[str, Any]
    """The row's values: JSON types for JSON, strings for CSV, Python values for Parquet."""


class Dataset:
    """A dataset read lazily. Make one with `open_dataset`.

    Examples:
        >>> ds = open_dataset("datasets/arithmetic.jsonl")  # doctest: +SKIP
        >>> ds.validate()                                  # doctest: +SKIP
        200
        >>> for batch in ds.iter_batches():                # doctest: +SKIP
        ...     print(batch[0].item_id, batch[0].fields["question"])
    """

    __slots__ = ("_batch_size", "_id_field", "_reader")

    def __init__(self, reader: Reader, *, id_field: str | None, batch_size: int) -> None:
        self._reader = reader
        self._id_field = id_field
        self._batch_size = batch_size

    @property
    def path(self) -> str | None:
        """The file path as given, or `None` for in-memory data."""
        return self._reader.path

    @property
    def format(self) -> str:
        """`jsonl`, `json`, `csv`, `tsv`, `parquet`, `pandas`, `polars`, `arrow` or `records`."""
        return self._reader.format

    @property
    def id_field(self) -> str | None:
        return self._id_field

    def __repr__(self) -> str:
        return f"<Dataset {self.format} {self._reader.label}>"

    def fingerprint(self) -> str:
        """sha256 hex of the file bytes (streamed), or of the rows as canonical JSON."""
        return self._reader.fingerprint()

    def columns(self) -> list[str]:
        """Column names: the Parquet schema, the CSV header, the first JSON object's keys."""
        return self._reader.columns()

    def count(self) -> int:
        """Number of rows: Parquet metadata, else one streaming pass without parsing values."""
        return self._reader.count()

    def validate(self) -> int:
        """Read everything once; raise the first `DatasetError`; return the row count."""
        n = 0
        for batch in self.iter_batches():
            n += len(batch)
        return n

    def __iter__(self) -> Iterator[Item]:
        for batch in self.iter_batches():
            yield from batch

    def iter_batches(self) -> Iterator[list[Item]]:
        """Items in lists of `batch_size` (the last may be shorter), read as they are needed."""
        reader = self._reader
        key = self._id_field
        if key is None and "id" in reader.columns():
            key = "id"
        seen: dict[str, int] = {}
        batch: list[Item] = []
        index = 0
        for chunk in reader.chunks(self._batch_size):
            for line, fields in chunk:
                item_id = str(index) if key is None else self._id_of(fields, key, line)
                first = seen.setdefault(item_id, line)
                if first != line:
                    msg = f"duplicate id {item_id!r} (first on {reader.unit} {first})"
                    raise self._error(line, msg, field=key)
                batch.append(Item(index, line, item_id, fields))
                index += 1
                if len(batch) >= self._batch_size:
                    yield batch
                    batch = []
        if batch:
            yield batch
        if index == 0:
            raise self._error(None, "no rows (the dataset is empty)")

    def _id_of(self, fields: dict[str, Any], key: str, line: int) -> str:
        if key not in fields:
            raise self._error(line, "missing id", field=key)
        value = fields[key]
        if isinstance(value, str):
            if not value:
                raise self._error(line, "empty id", field=key)
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        kind = "null" if value is None else type(value).__name__
        raise self._error(line, f"an id must be a string or an integer, got {kind}", field=key)

    def _error(self, pos: int | None, message: str, *, field: str | None = None) -> DatasetError:
        r = self._reader
        return dataset_error(r.label, pos, message, unit=r.unit, field=field, path=r.path)


def open_dataset(
    source: str | os.PathLike[str] | object,
    *,
    id_field: str | None = None,
    batch_size: int = 1024,
) -> Dataset:
    """Open a dataset for streaming. Nothing is parsed yet (call `validate()` to check it all).

    `source` is a path (`.jsonl`/`.ndjson`, `.json` holding an array of objects or JSON Lines,
    `.csv`, `.tsv`, `.parquet`), a pandas or polars DataFrame, a pyarrow Table, or a list of
    dicts. `id_field` names the column holding unique item ids (default: `id` if there is such
    a column, else the row index).

    Examples:
        >>> ds = open_dataset([{"question": "1+1?", "answer": "2"}])
        >>> [(item.item_id, item.fields["answer"]) for item in ds]
        [('0', '2')]
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
    if id_field is not None and not id_field:
        raise ConfigError("id_field must be a column name, got ''")
    if isinstance(source, Dataset):
        return source
    if isinstance(source, str | os.PathLike):
        reader = _open_file(os.fspath(source))
    else:
        found = memory_reader(source)
        if found is None:
            raise ConfigError(
                "a dataset is a file path, a pandas/polars DataFrame, a pyarrow Table or a list "
                f"of dicts; got {type(source).__name__}"
            )
        reader = found
    return Dataset(reader, id_field=id_field, batch_size=batch_size)


def _open_file(path: str) -> Reader:
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        known = ", ".join(FORMATS)
        what = f"extension {suffix!r}" if suffix else "no extension"
        raise DatasetError(f"unknown dataset format ({what}); use one of {known}", path=path)
    try:
        size = os.stat(path).st_size
    except FileNotFoundError:
        raise DatasetError("no such file", path=path) from None
    except OSError as exc:
        raise DatasetError(f"cannot read ({exc.strerror})", path=path) from None
    if os.path.isdir(path):
        raise DatasetError("is a directory, not a file", path=path)
    if size == 0:
        raise DatasetError("empty file (no rows)", path=path)
    return file_reader(path, fmt)
