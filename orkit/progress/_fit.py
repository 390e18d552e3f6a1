"""Fitting a progress line into a width, and colouring it: pure text, no I/O.

A line is a list of `Part`s, each with a priority. When the line is too wide, the parts
that matter least go first (the 429 count before the error count), so a narrow terminal
or a million-task run still shows what matters instead of a line cut off mid-number.
Width is counted in terminal cells (a CJK character in a run name takes two), and colour
is added only after fitting: escape codes take no cells.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ANSI", "Part", "cells", "fit", "render", "truncate"]

ANSI: Mapping[str, str] = {
    "ok": "\x1b[32m",  # green
    "error": "\x1b[31m",  # red
    "warn": "\x1b[33m",  # yellow
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
}
_RESET = "\x1b[0m"
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    keep: int = 50
    """Higher is kept longer when the line must shrink."""
    style: str | None = None
    """A key of `ANSI`, used only when colour is on."""


def cells(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK) characters two, combining marks none."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` cells, ending in "…" when cut."""
    if cells(text) <= width:
        return text
    if width <= 0:
        return ""
    out, used = [], 0
    for ch in text:
        w = cells(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + ELLIPSIS


def _width(parts: Sequence[Part], sep: str) -> int:
    return sum(cells(p.text) for p in parts) + cells(sep) * max(0, len(parts) - 1)


def fit(parts: Sequence[Part], width: int, sep: str = "  ") -> list[Part]:
    """The parts that fit in `width` cells, in their order: the lowest `keep` goes first
    (of equal ones, the rightmost); a lone part too wide for the line is cut."""
    kept = list(parts)
    while len(kept) > 1 and _width(kept, sep) > width:
        lowest = min(range(len(kept)), key=lambda i: (kept[i].keep, -i))
        del kept[lowest]
    if kept and _width(kept, sep) > width:
        only = kept[0]
        kept = [Part(truncate(only.text, width), only.keep, only.style)]
    return kept


def render(parts: Sequence[Part], *, colour: bool, sep: str = "  ") -> str:
    if not colour:
        return sep.join(p.text for p in parts)
    return sep.join(
        f"{ANSI[p.style]}{p.text}{_RESET}" if p.style is not None else p.text for p in parts
    )
