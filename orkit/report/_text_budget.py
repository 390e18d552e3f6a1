"""Keep a report's texts within a size budget: one cut length for every text.

`max_text_chars` bounds each text; a drill-down of 10,000 items × 10 contestants whose
answers are long would still make a file of tens of MB. So after the drill-down is built,
when its texts together exceed the budget, every text is cut at the one length at which
they fit (the longest texts lose most; short answers stay whole), and the note says it.

The budget is in UTF-8 bytes of text before compression: 20 MB of English-like prose
gzips to some 6 MB, which with the numbers, the chart library and the page keeps a
10,000 × 10 report under 10 MB. Text that compresses worse (random ids, base64) can still
make a larger file; `bench_report` measures the file.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TEXT_BUDGET_BYTES", "Fitted", "fit_texts"]

TEXT_BUDGET_BYTES = 20_000_000


@dataclass(frozen=True)
class Fitted:
    limit_bytes: int
    """Every text was cut to at most this many bytes of UTF-8 (whole characters)."""
    cut: int
    """Texts this cut shortened."""


@dataclass
class _Slot:
    holder: Any  # the list or dict holding the text
    key: Any  # its index or key there
    flags: Any  # where "cut" is marked: an answer's `truncated` column, or the message

    @property
    def text(self) -> str:
        value: str = self.holder[self.key]
        return value


def fit_texts(items: MutableMapping[str, Any], budget: int = TEXT_BUDGET_BYTES) -> Fitted | None:
    """Cut every text of the drill-down `items` at one length so they fit `budget` bytes
    (None when they fit as they are). Answers cut here are flagged `truncated`."""
    slots = list(_text_slots(items))
    sizes = np.array([len(s.text.encode("utf-8")) for s in slots], dtype=np.int64)
    if not len(sizes) or int(sizes.sum()) <= budget:
        return None
    limit = cut_length(sizes, budget)
    cut = 0
    for slot, size in zip(slots, sizes.tolist(), strict=True):
        if size <= limit:
            continue
        # whole characters within `limit` bytes
        slot.holder[slot.key] = slot.text.encode("utf-8")[:limit].decode("utf-8", "ignore")
        if isinstance(slot.flags, list):
            slot.flags[slot.key] = True
        elif slot.flags is not None:
            slot.flags["cut"] = True
        cut += 1
    return Fitted(limit_bytes=limit, cut=cut)


def cut_length(sizes: np.ndarray, budget: int) -> int:
    """The largest L with sum(min(size, L)) ≤ budget (at least 1)."""
    ordered = np.sort(sizes)
    below = np.concatenate(([0], np.cumsum(ordered)[:-1]))  # bytes of the shorter texts
    longer = len(ordered) - np.arange(len(ordered))  # texts from the k-th on
    # cutting every text from the k-th smallest on at ordered[k] keeps this many bytes
    cost = below + longer * ordered
    k = int(np.searchsorted(cost, budget, side="right"))  # cost is nondecreasing in k
    if k >= len(ordered):
        return int(ordered[-1])
    return max(1, int((budget - below[k]) // longer[k]))


def _text_slots(items: MutableMapping[str, Any]) -> Iterator[_Slot]:
    """Every text of the drill-down: answers, reasoning, judges' rationales, messages."""
    for cell in items.get("cells") or []:
        yield from _strings(cell.get("text"), cell.get("truncated"))
        yield from _strings(cell.get("reasoning"), None)
        for scored in cell.get("scores") or []:
            yield from _strings(scored.get("detail"), None)
    for chats in (items.get("messages") or {}).values():
        for chat in chats or []:
            for message in chat or []:
                if isinstance(message.get("content"), str) and message["content"]:
                    yield _Slot(message, "content", message)


def _strings(values: list[Any] | None, flags: list[Any] | None) -> Iterator[_Slot]:
    for at, value in enumerate(values or []):
        if isinstance(value, str) and value:
            yield _Slot(values, at, flags)
