"""What a file attached to a prompt is (layer 2): its MIME type from its first bytes, its
page count if it is a PDF, its digest, and the per-file facts cached so that every model's
pass over the dataset reads a file's bytes once for its digest.

The type comes from the magic bytes, not the extension: a `.png` that is really a JPEG is
sent as `image/jpeg`, and a text file named `.jpg` is refused before anything is sent.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass

__all__ = [
    "IMAGE_TYPES",
    "FileFacts",
    "FileFactsCache",
    "count_pdf_pages",
    "facts_of_bytes",
    "sniff",
]

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
"""The image types OpenRouter's image inputs take (and every vision provider behind it)."""

PDF = "application/pdf"


def sniff(head: bytes) -> str | None:
    """The MIME type the first bytes of a file say (PNG, JPEG, WebP, GIF, PDF), else None.

    Examples:
        >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n....")
        'image/png'
        >>> sniff(b"%PDF-1.4")
        'application/pdf'
        >>> sniff(b"hello") is None
        True
    """
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return PDF
    return None


_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def count_pdf_pages(data: bytes) -> int | None:
    """Pages of a PDF, counted from its `/Type /Page` objects; None when none are visible
    (a PDF whose objects are compressed into streams): the estimate's prior applies."""
    pages = len(_PAGE.findall(data))
    return pages or None


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What the plan needs of an attached file: recorded with the request, never its bytes."""

    mime: str | None
    size: int
    sha256: str
    pages: int | None


def facts_of_bytes(data: bytes) -> FileFacts:
    mime = sniff(data[:16])
    pages = count_pdf_pages(data) if mime == PDF else None
    return FileFacts(mime, len(data), hashlib.sha256(data).hexdigest(), pages)


class FileFactsCache:
    """`FileFacts` per path, read once: validation reads every file, each model's lane then
    finds it here. A file changed since (another size or modification time) is read again.
    Memory: ~200 bytes per distinct file (10,000 images: ~2 MB)."""

    __slots__ = ("_facts", "_lock")

    def __init__(self) -> None:
        self._facts: dict[str, tuple[int, int, FileFacts]] = {}
        self._lock = threading.Lock()  # the estimate's pass and a run's lanes may share it

    def get(self, path: str, st: os.stat_result | None = None) -> FileFacts:
        """The facts of the file at `path` (`st`: its `os.stat`, if the caller has it);
        raises OSError when it cannot be read."""
        st = st or os.stat(path)
        with self._lock:
            known = self._facts.get(path)
        if known is not None and known[0] == st.st_size and known[1] == st.st_mtime_ns:
            return known[2]
        with open(path, "rb") as fh:
            data = fh.read()
        facts = facts_of_bytes(data)
        with self._lock:
            self._facts[path] = (st.st_size, st.st_mtime_ns, facts)
        return facts
