"""Which prompt prefixes a sweep's requests share, for the estimate's prompt caching: per
prompt variant, the groups of rows that send the same cacheable prefix (layer 5, pure).

Read from the rendered messages the estimate keeps (`PromptSizes.sample`, every row up to
`SAMPLE_ROWS`): a prefix that several rows of the sample share is taken to be shared in the
same proportion by the whole dataset; a prefix only one row of a partial sample sends is
taken to be one row's own, however many rows there are.

- Explicit models (a `cache_control` breakpoint) cache one prefix: the messages up to the
  breakpoint the sweep's `cache` mode puts (`system`, `message:N`, `auto`).
- Implicit models cache every message-boundary prefix of a request, and a later request
  reads the longest one cached: a row's prefix is then the longest one it shares with any
  other row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit._hashing import canonical_json

__all__ = ["SharedPrefix", "breakpoint_index", "explicit_prefixes", "implicit_prefixes"]

Messages = Sequence[Mapping[str, Any]]
_SYSTEM_ROLES = ("system", "developer")
_REPRESENTATIVES = 32
"""Prefixes of one-row groups whose sizes are averaged (enough for a mean)."""


@dataclass(frozen=True, slots=True)
class SharedPrefix:
    """Rows of one prompt variant that send the same prefix (or, `own`, each its own)."""

    prefixes: tuple[tuple[Mapping[str, Any], ...], ...]
    """The prefix's messages (for `own`: a few rows', to average their size)."""
    share: float
    """The share of the variant's rows in this group."""
    own: bool = False
    """Each row of the group sends a prefix no other row does: nobody else reads its
    entry (only the row's own repeats could)."""


def breakpoint_index(messages: Messages, mode: str, auto_length: int | None) -> int | None:
    """The index of the message a `prompt_cache` mode marks in one rendered prompt (None:
    none): `system` the last of the leading system (or developer) messages, `message:N` the
    N-th, `auto` the last of the `auto_length` messages every row shares."""
    if mode == "system":
        leading = 0
        while leading < len(messages) and messages[leading].get("role") in _SYSTEM_ROLES:
            leading += 1
        return leading - 1 if leading else None
    if mode.startswith("message:"):
        try:
            index = int(mode.split(":", 1)[1])
        except ValueError:
            return None
        return index if 0 <= index < len(messages) else None
    if mode == "auto" and auto_length:
        return min(auto_length, len(messages)) - 1
    return None


def common_length(sample: Sequence[Messages]) -> int:
    """How many leading messages every row of `sample` has alike (`cache = "auto"`)."""
    if not sample:
        return 0
    first = sample[0]
    length = len(first)
    for messages in sample[1:]:
        same = 0
        while same < min(length, len(messages)) and messages[same] == first[same]:
            same += 1
        length = same
        if not length:
            break
    return length


def _key(messages: Messages) -> str:
    return canonical_json(list(messages))


def _groups(
    chosen: Sequence[tuple[Mapping[str, Any], ...] | None], rows: int
) -> list[SharedPrefix]:
    """Rows grouped by the prefix chosen for each (None: no prefix), as shares of `rows`
    (the dataset's rows, the sample's when it is all of them)."""
    sample = len(chosen)
    if not sample:
        return []
    keys = [None if c is None else _key(c) for c in chosen]
    counts = Counter(k for k in keys if k is not None)
    whole = sample >= rows
    first: dict[str, tuple[Mapping[str, Any], ...]] = {}
    singles: list[tuple[Mapping[str, Any], ...]] = []
    for key, prefix in zip(keys, chosen, strict=True):
        if key is None or prefix is None:
            continue
        if counts[key] == 1 and not whole:
            singles.append(prefix)
        else:
            first.setdefault(key, prefix)
    # a prefix one row of the whole dataset sends is that row's own too (its exact size)
    out = [
        SharedPrefix((prefix,), counts[key] / sample, own=counts[key] == 1)
        for key, prefix in first.items()
    ]
    if singles:
        picked = tuple(singles[:_REPRESENTATIVES])
        out.append(SharedPrefix(picked, len(singles) / sample, own=True))
    return out


def explicit_prefixes(sample: Sequence[Messages], mode: str, rows: int) -> list[SharedPrefix]:
    """The prefixes a `cache_control` breakpoint marks under `mode`, grouped."""
    auto = common_length(sample) if mode == "auto" else None
    chosen = []
    for messages in sample:
        index = breakpoint_index(messages, mode, auto)
        chosen.append(None if index is None else tuple(messages[: index + 1]))
    return _groups(chosen, rows)


def implicit_prefixes(sample: Sequence[Messages], rows: int) -> list[SharedPrefix]:
    """Each row's longest message-boundary prefix that another row of the sample sends too
    (a row sharing none is its own group: its whole prompt, cached for nobody else)."""
    seen: Counter[str] = Counter()
    keyed = []
    for messages in sample:
        keys = [_key(messages[: k + 1]) for k in range(len(messages))]
        seen.update(set(keys))
        keyed.append(keys)
    chosen: list[tuple[Mapping[str, Any], ...] | None] = []
    for messages, keys in zip(sample, keyed, strict=True):
        shared = [k for k, key in enumerate(keys) if seen[key] > 1]
        chosen.append(tuple(messages[: shared[-1] + 1]) if shared else None)
    return _groups(chosen, rows)
