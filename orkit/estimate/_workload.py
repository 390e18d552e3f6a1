"""One pass over a sweep's dataset for its estimate: how big each prompt is, per row and
prompt variant, as numpy arrays; and how many requests the response cache would answer.

Rows are read and rendered once, whatever the number of models and params sets: the
estimate multiplies these arrays by each model's tokenizer ratio and each params set's
repeats. Memory is a few integers per row (100,000 rows × 2 prompts ≈ 5 MB); the rendered
messages of only the first `SAMPLE_ROWS` rows are kept, to look up cache hits, and a hash of
every row's messages is counted once, because a repeated prompt is a cache hit too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from orkit._hashing import canonical_json
from orkit.cost import (
    IMAGE_TOKENS,
    PDF_PAGE_TOKENS,
    PDF_PAGES,
    answer_length_cue_index,
    count_media,
)
from orkit.plan import Breakpoints, Plan
from orkit.results import ResponseCache, is_deterministic
from orkit.types import ChatRequest

__all__ = [
    "SAMPLE_ROWS",
    "PromptCounter",
    "PromptSizes",
    "as_sent",
    "cache_hit_share",
    "measure_plan",
    "media_notes",
]

SAMPLE_ROWS = 2000
"""Rows whose messages are kept for cache look-ups; past that, hits are extrapolated."""

IntArray = npt.NDArray[np.int64]
PromptCounter = Callable[[Sequence[Mapping[str, Any]]], int]


@dataclass(slots=True)
class PromptSizes:
    """The size of every request of one prompt variant, one entry per dataset row."""

    prompt_id: str
    fingerprint: str
    ascii_chars: IntArray
    other_chars: IntArray
    messages: IntArray
    counted_tokens: IntArray | None = None
    """Prompt tokens counted request by request (on the emulator: orkit's own count)."""
    cues: IntArray | None = None
    """Each row's length cue, as an index into `orkit.cost.CUES` (None: not measured)."""
    sample: list[list[dict[str, Any]]] = field(default_factory=list)
    """Rendered messages of the first rows (for cache look-ups)."""
    distinct: int | None = None
    """Rows whose messages differ from every earlier row's (None: not counted, all rows)."""
    images: IntArray | None = None
    """Image parts per row (None: no row has any image or PDF part)."""
    pdf_pages: IntArray | None = None
    """PDF pages per row (`orkit.cost.count_media`), with `images`."""

    @property
    def rows(self) -> int:
        return int(self.ascii_chars.size)


def _size(messages: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    ascii_chars = other = count = 0
    for m in messages:
        count += 1
        text = m.get("content")
        if isinstance(text, list):  # content parts: the text parts are text (media: count_media)
            text = "\n".join(
                str(p.get("text", "")) for p in text if isinstance(p, Mapping) and "text" in p
            )
        elif not isinstance(text, str):
            text = "" if text is None else str(text)
        if text.isascii():
            ascii_chars += len(text)
        else:
            n_ascii = len(text.encode("ascii", "ignore"))  # counts ASCII chars, in C
            other += len(text) - n_ascii
            ascii_chars += n_ascii
    return ascii_chars, other, count


def _cue(messages: Iterable[Mapping[str, Any]]) -> int:
    text = "\n".join(str(m.get("content") or "") for m in messages)
    return answer_length_cue_index(text)


def _messages_hash(messages: Sequence[Mapping[str, Any]]) -> int:
    """A hash of rendered messages: equal messages, equal request, one cached answer. The
    common shape (role and text) hashes as a tuple; anything else as canonical JSON. A 64-bit
    hash may collide once in ~10^10 pairs: an estimate can afford it."""
    if all(len(m) == 2 for m in messages):
        try:
            return hash(tuple((m["role"], m["content"]) for m in messages))
        except (KeyError, TypeError):  # another key, or content that is not a string
            pass
    return hash(canonical_json(list(messages)))


def measure_plan(
    plan: Plan, counter: PromptCounter | None = None, *, cues: bool = True
) -> list[PromptSizes]:
    """Sizes of every (row, prompt variant) of the plan, in one pass over its dataset, and
    each row's length cue unless `cues` is False (nothing learnt per cue to price them)."""
    renders = [render for _, render in plan.renderers()]
    media: list[list[tuple[int, int]] | None] = [[] if t.is_chat else None for _, t in plan.prompts]
    columns: list[list[list[int]]] = [[[], [], [], [], []] for _ in plan.prompts]
    samples: list[list[list[dict[str, Any]]]] = [[] for _ in plan.prompts]
    seen: list[set[int]] = [set() for _ in plan.prompts]
    for batch in plan.dataset.iter_batches():
        for item in batch:
            for i, render in enumerate(renders):
                messages = render(item)
                seen[i].add(_messages_hash(messages))
                a, o, n = _size(messages)
                cols = columns[i]
                cols[0].append(a)
                cols[1].append(o)
                cols[2].append(n)
                if cues:
                    cols[4].append(_cue(messages))
                if counter is not None:
                    cols[3].append(counter(messages))
                if len(samples[i]) < SAMPLE_ROWS:
                    samples[i].append(messages)
                counts = media[i]
                if counts is not None:
                    counts.append(count_media(messages))
    out = []
    for (pid, template), cols, sample, hashes, counts in zip(
        plan.prompts, columns, samples, seen, media, strict=True
    ):
        images, pages = _media_arrays(counts)
        out.append(
            PromptSizes(
                prompt_id=pid,
                fingerprint=template.fingerprint(),
                ascii_chars=np.asarray(cols[0], dtype=np.int64),
                other_chars=np.asarray(cols[1], dtype=np.int64),
                messages=np.asarray(cols[2], dtype=np.int64),
                counted_tokens=np.asarray(cols[3], dtype=np.int64) if counter is not None else None,
                cues=np.asarray(cols[4], dtype=np.int64) if cues else None,
                sample=sample,
                distinct=len(hashes),
                images=images,
                pdf_pages=pages,
            )
        )
    return out


def _media_arrays(counts: list[tuple[int, int]] | None) -> tuple[IntArray | None, IntArray | None]:
    """Per-row image parts and PDF pages, or (None, None) when no row has either (a text
    prompt keeps no arrays)."""
    if not counts or not any(i or p for i, p in counts):
        return None, None
    table = np.asarray(counts, dtype=np.int64)
    return table[:, 0].copy(), table[:, 1].copy()


def as_sent(sizes: list[PromptSizes], marks: Breakpoints | None) -> list[PromptSizes]:
    """`sizes` with each sampled prompt's messages as the run sends them to a model that
    gets `marks` (`Plan.marks_for`): the response cache keys a request by what it sends."""
    if marks is None:
        return sizes
    return [
        replace(size, sample=[marks.mark(size.prompt_id, m) for m in size.sample]) for size in sizes
    ]


def cache_hit_share(
    cache_path: Path | None,
    endpoint_id: str,
    model: str,
    params: Mapping[str, Any],
    sizes: PromptSizes,
    repeats: int,
    as_of: float | None = None,
) -> float:
    """The share of this (model, params, prompt)'s requests the response cache will answer,
    counted per task: a request whose messages an earlier row of the run already sent is
    answered from the cache after that first call (every repeat index has its own answer),
    and the first of each distinct request is a hit when the cache holds it already (held
    it at `as_of`, if given). The stored part is exact up to `SAMPLE_ROWS` rows and
    extrapolated from them past that; `cache_path` None looks nothing up (no server known)."""
    if not sizes.rows or not is_deterministic(ChatRequest(model=model, messages=(), params=params)):
        return 0.0
    requests = sizes.rows * repeats
    firsts = (sizes.rows if sizes.distinct is None else sizes.distinct) * repeats
    stored = 0.0
    if cache_path is not None and sizes.sample and cache_path.is_file():
        stored = _stored_share(cache_path, endpoint_id, model, params, sizes, repeats, as_of)
    return 1.0 - firsts * (1.0 - stored) / requests


def _stored_share(
    cache_path: Path,
    endpoint_id: str,
    model: str,
    params: Mapping[str, Any],
    sizes: PromptSizes,
    repeats: int,
    as_of: float | None,
) -> float:
    """The share of the sample's distinct requests whose answers the cache holds."""
    cache = ResponseCache(cache_path, endpoint_id)
    try:
        if cache.is_empty():
            return 0.0
        keys = {
            cache.key(ChatRequest(model=model, messages=messages, params=params), repeat)
            for messages in sizes.sample
            for repeat in range(repeats)
        }
        return cache.count_present(sorted(keys), stored_before=as_of) / len(keys)
    finally:
        cache.close()


def media_notes(sizes: Sequence[PromptSizes]) -> list[str]:
    """What the estimate says of its image and PDF priors, when any prompt attaches any
    (a prompt with attachments is priced by the priors on every endpoint, the emulator's
    included: orkit's own count does not count them)."""
    images = sum(int(s.images.sum()) for s in sizes if s.images is not None)
    pages = sum(int(s.pdf_pages.sum()) for s in sizes if s.pdf_pages is not None)
    if not images and not pages:
        return []
    return [
        f"attachments: {images:,} image(s) and {pages:,} PDF page(s) per pass over the dataset, "
        f"counted as {IMAGE_TOKENS:,} prompt tokens per image (at the catalog's image price "
        f"where listed) and {PDF_PAGE_TOKENS:,} per page ({PDF_PAGES} pages for a PDF whose "
        "pages are unknown); a pilot or an earlier run's billed tokens correct them"
    ]
