"""Image and file content parts: what they cost as prompt tokens, and who may receive them.

Images (`{"type": "image_url", "image_url": {"url", "detail"?}}`) cost tokens by OpenAI's
tile rule: `detail: "low"` is 85 tokens; otherwise the image is scaled to fit 2048x2048,
then its short side to 768 px, and costs 85 + 170 per 512 px tile. The size is read from
a base64 data URL's PNG, GIF or JPEG header; an image whose size cannot be read (a URL the
emulator does not fetch, another format) counts as 1024x1024: 765 tokens. A model whose
catalog `pricing.image` is set also charges that much per image, on top of the tokens.

Files (`{"type": "file", "file": {"filename", "file_data"}}`, a PDF as a base64 data URL or
a URL) count 800 prompt tokens per page: pages are the PDF's `/Type /Page` objects, else
one per 50 kB of decoded data (a URL: 1 page). The `file-parser` plugin's
`pdf.engine` decides who reads them: `native` (the default on a model whose catalog
`architecture.input_modalities` has `file`) hands the file to the model; `mistral-ocr` (the
default elsewhere) costs $2 per 1,000 pages on top, as OpenRouter prices it;
`pdf-text` and `cloudflare-ai` are free.

Who may receive them (each is OpenRouter's 404 when no endpoint can take the request):
image parts need `image` in the model's `input_modalities` ("No endpoints found that
support image input", the real wording); file parts read natively need `file` there ("No
endpoints found that support file input", the same form; a parser engine turns them into
text for any model).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orkit.sim.errors import SimError, bad_request, no_endpoints

__all__ = ["OCR_USD_PER_PAGE", "Media", "check_modalities", "parse_media"]

OCR_USD_PER_PAGE = Decimal("0.002")
"""The `mistral-ocr` engine's price: $2 per 1,000 pages."""
_ENGINES = ("native", "mistral-ocr", "pdf-text", "cloudflare-ai")
_LOW_DETAIL = 85
_PER_TILE = 170
_UNKNOWN_SIDE = 1024
_TOKENS_PER_PAGE = 800
_BYTES_PER_PAGE = 50_000
_PAGE_RE = re.compile(rb"/Type\s*/Page(?![s\w])")
_DATA_URL_RE = re.compile(r"^data:([\w.+/-]+)?(;[\w=.-]+)*;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class Image:
    """One image part: its size when known and its prompt tokens."""

    size: tuple[int, int] | None
    kind: str | None
    tokens: int


@dataclass(frozen=True)
class FilePart:
    """One file part: its name, pages and prompt tokens."""

    filename: str
    pages: int

    @property
    def tokens(self) -> int:
        """Prompt tokens of the file's pages."""
        return self.pages * _TOKENS_PER_PAGE


@dataclass(frozen=True)
class Media:
    """The images and files of a request, and the file-parser engine asked for."""

    images: tuple[Image, ...]
    files: tuple[FilePart, ...]
    engine: str | None

    @property
    def tokens(self) -> int:
        """Prompt tokens of every image and file."""
        return sum(i.tokens for i in self.images) + sum(f.tokens for f in self.files)

    @property
    def count(self) -> int:
        """Images and files (`/generation.num_media_prompt`)."""
        return len(self.images) + len(self.files)

    def file_engine(self, input_modalities: Sequence[str]) -> str:
        """The engine that reads the files for a model with these input modalities."""
        if self.engine is not None:
            return self.engine
        return "native" if "file" in input_modalities else "mistral-ocr"

    def parsing_fee(self, input_modalities: Sequence[str]) -> Decimal:
        """USD the file parser charges (OCR pages), 0 for the free engines."""
        if not self.files or self.file_engine(input_modalities) != "mistral-ocr":
            return Decimal(0)
        return OCR_USD_PER_PAGE * sum(f.pages for f in self.files)

    def mention(self) -> str:
        """A sentence an answer opens with, saying what was attached."""
        said = []
        for image in self.images:
            if image.size is not None:
                said.append(f"a {image.size[0]}x{image.size[1]} {image.kind} image")
            else:
                said.append("an image")
        for file in self.files:
            pages = "1 page" if file.pages == 1 else f"{file.pages} pages"
            said.append(f"{file.filename} ({pages})")
        return "Attached: " + ", ".join(said) + "."


def parse_media(messages: Sequence[Mapping[str, Any]], plugins: Any, user_id: str) -> Media | None:
    """The request's image and file parts, None when it has none; a 400 for a malformed one."""
    images: list[Image] = []
    files: list[FilePart] = []
    for index, message in enumerate(messages):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for number, part in enumerate(content):
            if not isinstance(part, Mapping):
                continue
            where = f"messages[{index}].content[{number}]"
            kind = part.get("type")
            if kind == "image_url":
                images.append(_image(part.get("image_url"), where, user_id))
            elif kind == "file":
                files.append(_file(part.get("file"), where, user_id))
    if not images and not files:
        return None
    return Media(tuple(images), tuple(files), _engine(plugins, user_id))


def _image(value: Any, where: str, user_id: str) -> Image:
    url = value.get("url") if isinstance(value, Mapping) else value
    if not isinstance(url, str) or not url:
        raise bad_request(f"Invalid input: {where}.image_url.url must be a string", user_id)
    detail = value.get("detail") if isinstance(value, Mapping) else None
    data = _decoded(url, where, user_id)
    found = _image_size(data) if data is not None else None
    if detail == "low":
        return Image(found[1:] if found else None, found[0] if found else None, _LOW_DETAIL)
    width, height = found[1:] if found else (_UNKNOWN_SIDE, _UNKNOWN_SIDE)
    return Image(found[1:] if found else None, found[0] if found else None, _tiles(width, height))


def _tiles(width: int, height: int) -> int:
    w, h = float(max(1, width)), float(max(1, height))
    scale = min(1.0, 2048 / max(w, h))
    w, h = w * scale, h * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return _LOW_DETAIL + _PER_TILE * math.ceil(w / 512) * math.ceil(h / 512)


def _file(value: Any, where: str, user_id: str) -> FilePart:
    if not isinstance(value, Mapping):
        raise bad_request(f"Invalid input: {where}.file must be an object", user_id)
    source = value.get("file_data") or value.get("url")
    if not isinstance(source, str) or not source:
        raise bad_request(f"Invalid input: {where}.file.file_data must be a string", user_id)
    name = value.get("filename")
    data = _decoded(source, where, user_id)
    if data is None:
        pages = 1
    else:
        pages = len(_PAGE_RE.findall(data)) or max(1, math.ceil(len(data) / _BYTES_PER_PAGE))
    return FilePart(name if isinstance(name, str) and name else "document.pdf", pages)


def _decoded(url: str, where: str, user_id: str) -> bytes | None:
    """The bytes of a base64 data URL; None for any other URL."""
    match = _DATA_URL_RE.match(url)
    if match is None:
        if url.startswith("data:"):
            raise bad_request(f"Invalid input: {where} has a data URL that is not base64", user_id)
        return None
    try:
        return base64.b64decode(url[match.end() :], validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"Invalid input: {where} has invalid base64 data", user_id) from None


def _image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) from a PNG, GIF or JPEG header."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "PNG", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "GIF", width, height
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[str, int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return "JPEG", width, height
        at += 2 + length
    return None


def _engine(plugins: Any, user_id: str) -> str | None:
    if not isinstance(plugins, list):
        return None
    for plugin in plugins:
        if not isinstance(plugin, Mapping) or plugin.get("id") != "file-parser":
            continue
        if plugin.get("enabled") is False:
            return None
        pdf = plugin.get("pdf")
        engine = pdf.get("engine") if isinstance(pdf, Mapping) else None
        if engine is None:
            return None
        if engine not in _ENGINES:
            raise bad_request(
                f"Invalid input: plugins file-parser pdf.engine must be one of "
                f"{', '.join(_ENGINES)}",
                user_id,
            )
        return str(engine)
    return None


def check_modalities(
    media: Media, input_modalities: Sequence[str], user_id: str
) -> SimError | None:
    """OpenRouter's 404 when the model cannot take the request's images or files."""
    if media.images and "image" not in input_modalities:
        return no_endpoints("No endpoints found that support image input", user_id)
    native = media.files and media.file_engine(input_modalities) == "native"
    if native and "file" not in input_modalities:
        return no_endpoints("No endpoints found that support file input", user_id)
    return None
