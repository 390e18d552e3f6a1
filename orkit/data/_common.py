"""What every dataset reader shares (layer 2): the row type, the reader protocol, one-line
errors, chunking and file hashing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, Literal, Protocol

from orkit.errors import DatasetError

__all__ = [
    "BOM",
    "FileRows",
    "Reader",
    "Row",
    "chunked",
    "dataset_error",
    "json_kind",
    "sha256_file",
]

Row = tuple[int, dict[str, Any]]
"""A row's position (file line or row number, 1-based) and its fields."""

BOM = b"\xef\xbb\xbf"


def dataset_error(
    where: str | None,
    pos: int | None,
    message: str,
    *,
    unit: Literal["line", "row"] = "line",
    field: str | None = None,
    path: str | None = None,
) -> DatasetError:
    """A one-line `DatasetError`: `where, line 17, field 'id': message` (or `row 17`)."""
    if unit == "line":
        return DatasetError(message, path=where, line=pos, field=field)
    at = f"row {pos}" if pos is not None else None
    parts = [p for p in (where, at, f"field {field!r}" if field else None) if p]
    err = DatasetError(f"{', '.join(parts)}: {message}" if parts else message)
    err.path, err.line, err.field = path, pos, field
    return err


class Reader(Protocol):
    @property
    def format(self) -> str: ...
    @property
    def path(self) -> str | None: ...
    @property
    def label(self) -> str:
        """How errors name the source: the path as given, or `<DataFrame>` / `<records>`."""
        ...

    @property
    def unit(self) -> Literal["line", "row"]: ...

    def columns(self) -> list[str]: ...
    def count(self) -> int: ...
    def fingerprint(self) -> str: ...
    def chunks(self, size: int) -> Iterator[list[Row]]: ...


class FileRows:
    """What the readers of a text dataset file (JSONL, CSV, a JSON array) share: the path
    names the file in errors, `chunks` and `columns` come from the one lazy pass over its
    rows a subclass writes (`_rows`), and the fingerprint is the file's bytes."""

    def __init__(self, path: str) -> None:
        self.path = self.label = path

    def _rows(self) -> Iterator[Row]:
        raise NotImplementedError

    def chunks(self, size: int) -> Iterator[list[Row]]:
        return chunked(self._rows(), size)

    def columns(self) -> list[str]:
        for _, fields in self._rows():
            return list(fields)
        return []

    def fingerprint(self) -> str:
        return sha256_file(self.path)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def json_kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def chunked(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
