"""Content parts from dataset columns (layer 2): images and PDFs attached to the final user
message of each row's request.

An image or PDF cell holds a URL (sent as it is), a path relative to the dataset file (or
to the working directory for in-memory data), bytes (a Parquet binary column, an in-memory
table), a `data:` URL, a list of these, or null (nothing attached to that row). A local
file is sent as a base64 data URL whose MIME type comes from its magic bytes.

What the plan keeps per task, and what `messages_json` records, is the part with a digest
in place of the data: `{"type": "image_url", "image_url": {"url": "sha256:<hex>"},
"attachment": {"column", "file", "mime", "bytes", "sha256"}}`. Task keys and the response
cache hash that, so a changed image is a new task while the key costs no base64. The bytes
are read and encoded only when the request is sent (`AttachedChatRequest.to_body`), so a
plan of 10,000 image rows holds no image in memory, only those of the requests in flight.

Sizes are checked while the dataset is validated, before the first request: a part over
`max_part_mb`, or a request over `max_request_mb`, is an error naming the row, the column
and the file. The defaults are conservative: 5 MB per part is the tightest per-image cap of
the major providers (Anthropic's), 20 MB per request Gemini's cap on a request's inline
data; OpenRouter's reference documents no limit of its own. Sizes are of the file's bytes;
base64 adds a third on the wire.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orkit.data._chat import row_error
from orkit.data._common import json_kind
from orkit.data._dataset import Item
from orkit.data._media import IMAGE_TYPES, PDF, FileFacts, FileFactsCache, facts_of_bytes
from orkit.errors import ConfigError
from orkit.types import ChatRequest

__all__ = [
    "PDF_ENGINES",
    "AttachedChatRequest",
    "AttachmentResolver",
    "Attachments",
    "attach_parts",
]

PDF_ENGINES = ("cloudflare-ai", "mistral-ocr", "native", "pdf-text")
"""OpenRouter's file-parser engines: `cloudflare-ai` (free; `pdf-text`, deprecated, is
redirected to it), `mistral-ocr` (scanned PDFs, billed per page), `native` (models that
read files themselves, billed as input tokens)."""

_MB = 1_000_000
_PLACEHOLDER = "sha256:"


@dataclass(frozen=True, slots=True)
class Attachments:
    """Which columns hold images and PDFs, and how they are sent.

    Examples:
        >>> Attachments(images=["photo"], pdfs=["scan"], pdf_engine="mistral-ocr").columns
        ('photo', 'scan')
    """

    images: Sequence[str] = ()
    pdfs: Sequence[str] = ()
    pdf_engine: str | None = None
    """The file-parser plugin's engine for PDF parts (None: OpenRouter's default)."""
    max_part_mb: float = 5.0
    max_request_mb: float = 20.0

    def __post_init__(self) -> None:
        for name in ("images", "pdfs"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = (value,)
            if not all(isinstance(c, str) and c for c in value):
                raise ConfigError(f"attachments.{name}: must be a list of column names")
            object.__setattr__(self, name, tuple(value))
        twice = set(self.images) & set(self.pdfs)
        if twice:
            raise ConfigError(f"attachments: column {sorted(twice)[0]!r} is both images and pdfs")
        if self.pdf_engine is not None and self.pdf_engine not in PDF_ENGINES:
            known = ", ".join(PDF_ENGINES)
            raise ConfigError(
                f"attachments.pdf_engine: must be one of {known}, got {self.pdf_engine!r}"
            )
        for name in ("max_part_mb", "max_request_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"attachments.{name}: must be a number > 0, got {value!r}")

    @classmethod
    def of(cls, value: Attachments | Mapping[str, Any] | None) -> Attachments | None:
        """An `Attachments` from itself or its spec table (`[prompt.attachments]`)."""
        if value is None or isinstance(value, Attachments):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"attachments: must be a table, got {json_kind(value)}")
        unknown = set(value) - {"images", "pdfs", "pdf_engine", "max_part_mb", "max_request_mb"}
        if unknown:
            raise ConfigError(f"attachments: unknown key {sorted(unknown)[0]!r}")
        return cls(**value)

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.images, *self.pdfs)

    def table(self) -> dict[str, Any]:
        """The spec table (defaults left unsaid)."""
        out: dict[str, Any] = {}
        if self.images:
            out["images"] = list(self.images)
        if self.pdfs:
            out["pdfs"] = list(self.pdfs)
        if self.pdf_engine is not None:
            out["pdf_engine"] = self.pdf_engine
        if self.max_part_mb != 5.0:
            out["max_part_mb"] = self.max_part_mb
        if self.max_request_mb != 20.0:
            out["max_request_mb"] = self.max_request_mb
        return out


def _values(cell: Any) -> list[Any]:
    if cell is None or cell == "":
        return []
    if hasattr(cell, "tolist") and not isinstance(cell, bytes | str):
        cell = cell.tolist()
    return list(cell) if isinstance(cell, list | tuple) else [cell]


@dataclass(slots=True)
class AttachmentResolver:
    """Turns a row's attachment cells into recorded parts (see the module's docstring),
    checking each file's type and size."""

    spec: Attachments
    base_dir: str
    cache: FileFactsCache = field(default_factory=FileFactsCache)

    def parts(self, item: Item) -> list[dict[str, Any]]:
        """The row's parts, images first then PDFs, each column's values in order."""
        out: list[dict[str, Any]] = []
        total = 0
        for column in self.spec.columns:
            kind = "pdf" if column in self.spec.pdfs else "image"
            if column not in item.fields:
                raise row_error(item, column, "no such column in this row")
            for index, value in enumerate(_values(item.fields[column])):
                part, size = self._part(item, column, index, value, kind)
                total += size
                out.append(part)
        if total > self.spec.max_request_mb * _MB:
            cols = ", ".join(self.spec.columns)
            raise row_error(
                item,
                cols,
                f"the attachments weigh {_size(total)}, over the "
                f"{self.spec.max_request_mb:g} "
                "MB per request (raise attachments.max_request_mb if the models take it)",
            )
        return out

    def _part(
        self, item: Item, column: str, index: int, value: Any, kind: str
    ) -> tuple[dict[str, Any], int]:
        meta: dict[str, Any] = {"column": column}
        if index:
            meta["index"] = index
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            meta["url"] = True
            return self._wire_part(kind, value, meta, value.rsplit("/", 1)[-1] or "file.pdf"), 0
        if isinstance(value, bytes | bytearray | memoryview):
            facts, file = facts_of_bytes(bytes(value)), None
        elif isinstance(value, str) and value.startswith("data:"):
            facts, file = self._data_url(item, column, value), None
        elif isinstance(value, str):
            file = value
            facts = self._file(item, column, value)
        else:
            what = json_kind(value)
            raise row_error(item, column, f"must be a URL, a file path or bytes, got {what}")
        where = f"file {file!r}" if file else "the value"
        self._check(item, column, where, facts, kind)
        meta.update({"mime": facts.mime, "bytes": facts.size, "sha256": facts.sha256})
        if file is not None:
            meta["file"] = file
        if facts.pages is not None:
            meta["pages"] = facts.pages
        name = Path(file).name if file else f"{column}.pdf"
        return self._wire_part(kind, _PLACEHOLDER + facts.sha256, meta, name), facts.size

    def _wire_part(self, kind: str, data: str, meta: dict[str, Any], name: str) -> dict[str, Any]:
        if kind == "image":
            return {"type": "image_url", "image_url": {"url": data}, "attachment": meta}
        if self.spec.pdf_engine is not None:
            meta["engine"] = self.spec.pdf_engine  # in the key: another engine, another task
        return {"type": "file", "file": {"filename": name, "file_data": data}, "attachment": meta}

    def _file(self, item: Item, column: str, value: str) -> FileFacts:
        path = os.path.join(self.base_dir, os.path.expanduser(value))
        try:
            st = os.stat(path)
            if st.st_size > self.spec.max_part_mb * _MB:  # refused before it is read
                raise row_error(item, column, self._too_big(f"file {value!r}", st.st_size))
            return self.cache.get(path, st)
        except FileNotFoundError:
            raise row_error(
                item, column, f"file {value!r}: no such file (looked in {self.base_dir})"
            ) from None
        except IsADirectoryError:
            raise row_error(item, column, f"file {value!r}: is a directory") from None
        except OSError as exc:
            raise row_error(item, column, f"file {value!r}: cannot read ({exc.strerror})") from None

    def _data_url(self, item: Item, column: str, value: str) -> FileFacts:
        head, _, payload = value.partition(",")
        try:
            data = base64.b64decode(payload, validate=True) if head.endswith(";base64") else b""
        except ValueError:
            raise row_error(item, column, "a data: URL whose base64 does not decode") from None
        return facts_of_bytes(data)

    def _check(self, item: Item, column: str, where: str, facts: FileFacts, kind: str) -> None:
        if facts.size > self.spec.max_part_mb * _MB:
            raise row_error(item, column, self._too_big(where, facts.size))
        if kind == "image" and facts.mime not in IMAGE_TYPES:
            got = facts.mime or "not an image its first bytes show"
            raise row_error(item, column, f"{where}: not a PNG, JPEG, WebP or GIF image ({got})")
        if kind == "pdf" and facts.mime != PDF:
            got = facts.mime or "no %PDF- header"
            raise row_error(item, column, f"{where}: not a PDF ({got})")

    def _too_big(self, where: str, size: int) -> str:
        return (
            f"{where} is {_size(size)}, over the {self.spec.max_part_mb:g} MB per part "
            "(raise attachments.max_part_mb if the models take it)"
        )


def _size(n: int) -> str:
    """`2.1 MB`, or `2,981 bytes` below a tenth of a megabyte (where MB would say 0.0)."""
    return f"{n / _MB:.1f} MB" if n >= _MB // 10 else f"{n:,} bytes"


def attach_parts(
    messages: list[dict[str, Any]], parts: list[dict[str, Any]], item: Item, columns: str
) -> list[dict[str, Any]]:
    """`messages` with `parts` after the text of the last user message (a trailing
    assistant prefill stays last). OpenRouter's guide: text first, then images."""
    if not parts:
        return messages
    for i in range(len(messages) - 1, -1, -1):
        m = messages[i]
        if m.get("role") != "user":
            continue
        content = m.get("content")
        text = (
            [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
        )
        out = list(messages)
        out[i] = {**m, "content": [*text, *parts]}
        return out
    raise row_error(item, columns, "attachments need a user message to go with, and there is none")


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachedChatRequest(ChatRequest):
    """A request whose attachment parts are filled in when it is sent: the file read (or
    the row's bytes taken) and base64-encoded into the body, never kept. Copies made with
    `dataclasses.replace` (a fallback model) stay attached."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    """The dataset row (bytes cells are sent from here)."""
    base_dir: str = "."

    def to_body(self, *, stream: bool) -> dict[str, Any]:
        body = ChatRequest.to_body(self, stream=stream)
        engine = None
        messages = []
        for m in self.messages:
            content = m.get("content")
            if isinstance(content, list) and any("attachment" in p for p in content):
                parts = []
                for p in content:
                    if "attachment" in p:
                        engine = p["attachment"].get("engine") or engine
                        p = self._wire(p)
                    parts.append(p)
                m = {**m, "content": parts}
            messages.append(m)
        body["messages"] = messages
        if engine is not None:
            body["plugins"] = _with_file_parser(body.get("plugins"), engine)
        return body

    def _wire(self, part: Mapping[str, Any]) -> dict[str, Any]:
        meta = part["attachment"]
        wire = {k: v for k, v in part.items() if k != "attachment"}
        if meta.get("url"):
            return wire
        url = f"data:{meta['mime']};base64,{base64.b64encode(self._bytes(meta)).decode('ascii')}"
        if wire["type"] == "image_url":
            wire["image_url"] = {**wire["image_url"], "url": url}
        else:
            wire["file"] = {**wire["file"], "file_data": url}
        return wire

    def _bytes(self, meta: Mapping[str, Any]) -> bytes:
        file = meta.get("file")
        if file is not None:
            path = os.path.join(self.base_dir, os.path.expanduser(file))
            try:
                with open(path, "rb") as fh:
                    return fh.read()
            except OSError as exc:
                raise ConfigError(f"attachment {file!r}: cannot read ({exc.strerror})") from None
        value = _values(self.fields.get(meta["column"]))[meta.get("index", 0)]
        if isinstance(value, str):  # a data: URL
            return base64.b64decode(value.partition(",")[2])
        return bytes(value)


def _with_file_parser(plugins: Any, engine: str) -> list[Any]:
    """The request's plugins with the file-parser's PDF engine (one set in params wins)."""
    current = list(plugins) if isinstance(plugins, list) else []
    if any(isinstance(p, Mapping) and p.get("id") == "file-parser" for p in current):
        return current
    return [*current, {"id": "file-parser", "pdf": {"engine": engine}}]
