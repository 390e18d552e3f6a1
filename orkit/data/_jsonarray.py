"""The reader for `.json` files holding one array of objects (layer 2): decoded element by
element from a sliding window, so a large file is never held whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Literal

from orkit.data._common import FileRows, Row, dataset_error, json_kind
from orkit.errors import DatasetError

__all__ = ["JsonArrayReader"]

_READ_CHARS = 1 << 20


class JsonArrayReader(FileRows):
    """A `.json` file holding one array of objects, decoded element by element."""

    format = "json"
    unit: Literal["line", "row"] = "row"

    def _elements(self) -> Iterator[Any]:
        decoder = json.JSONDecoder()
        with open(self.path, encoding="utf-8-sig") as fh:
            buf = _Buffer(fh, self.label)
            if buf.skip_ws() != "[":
                raise buf.error(f"expected a JSON array of objects, got {buf.describe()}")
            buf.pos += 1
            first = True
            while True:
                ch = buf.skip_ws()
                if ch == "":
                    raise buf.error(
                        "invalid JSON: unexpected end of file (the array is not closed)"
                    )
                if ch == "]":
                    buf.pos += 1
                    if buf.skip_ws() != "":
                        raise buf.error("invalid JSON: Extra data after the array")
                    return
                if not first:
                    if ch != ",":
                        raise buf.error("invalid JSON: Expecting ',' delimiter")
                    buf.pos += 1
                    buf.skip_ws()
                first = False
                yield buf.decode(decoder)

    def _rows(self) -> Iterator[Row]:
        for row, obj in enumerate(self._elements(), 1):
            if not isinstance(obj, dict):
                msg = f"expected a JSON object, got {json_kind(obj)}"
                raise dataset_error(self.label, row, msg, unit="row", path=self.path)
            yield row, obj

    def count(self) -> int:
        return sum(1 for _ in self._elements())


class _Buffer:
    """A sliding text window over a file, with file line/column for error messages."""

    def __init__(self, fh: Any, label: str) -> None:
        self.fh, self.label = fh, label
        self.text, self.pos, self.eof = "", 0, False
        self.line_base = 1  # the file line of text[0]

    def fill(self) -> bool:
        if self.eof:
            return False
        # Keep the current line whole so columns stay right; drop what came before it.
        cut = self.text.rfind("\n", 0, self.pos) + 1
        if cut:
            self.line_base += self.text.count("\n", 0, cut)
            self.text, self.pos = self.text[cut:], self.pos - cut
        try:
            more = self.fh.read(max(_READ_CHARS, len(self.text)))
        except UnicodeDecodeError as exc:
            line = self.line_base + self.text.count("\n")
            msg = f"not UTF-8 text ({exc.reason}), at or after this line"
            raise dataset_error(self.label, line, msg) from None
        self.eof = not more
        self.text += more
        return bool(more)

    def skip_ws(self) -> str:
        while True:
            n = len(self.text)
            while self.pos < n and self.text[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < n:
                return self.text[self.pos]
            if not self.fill():
                return ""

    def decode(self, decoder: json.JSONDecoder) -> Any:
        while True:
            try:
                obj, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.error(f"invalid JSON: {exc.msg}", at=exc.pos) from None
                self.fill()  # maybe the element goes on in the next block; try again
                continue
            if end >= len(self.text) and not self.eof:
                self.fill()  # a number or literal may go on in the next block
                continue
            self.pos = end
            return obj

    def describe(self) -> str:
        ch = self.text[self.pos : self.pos + 1]
        if not ch:
            return "nothing"
        if ch in "-0123456789":
            return "a number"
        kinds = {"{": "an object", '"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}
        return kinds.get(ch, repr(ch))

    def error(self, message: str, *, at: int | None = None) -> DatasetError:
        at = self.pos if at is None else at
        line = self.line_base + self.text.count("\n", 0, at)
        col = at - (self.text.rfind("\n", 0, at) + 1) + 1
        return dataset_error(self.label, line, f"{message} (col {col})")
