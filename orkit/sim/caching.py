"""Prompt caching as OpenRouter's providers do it (reference §10): what a request reads from
and writes to a provider's prompt cache.

Rules:
- A model caches when its pricing lists `input_cache_read`.
- Explicit models (authors `anthropic` and `qwen`) cache only at `cache_control`
  breakpoints: the prefix up to and including the last content part that carries one is
  written; a request reads the longest of its breakpoint prefixes that is cached. A
  breakpoint's `ttl` is `"5m"` (default) or `"1h"`.
- Implicit models (every other model that caches) cache at message boundaries: after a
  request, every prefix `messages[0..k]` is cached; a request reads the longest cached one.
  `cache_control` on them is ignored (OpenRouter strips it).
- A prefix shorter than `MIN_PREFIX_TOKENS` is never cached or read, so a prompt under that
  size is answered exactly as before caching existed.
- An entry lives `ttl` emulated seconds (300, or 3600 for a `"1h"` breakpoint) since it was
  last written or read (a read refreshes it), on the emulated wall clock (a window, as
  rate limits are). It becomes readable when the writing request's prompt has been
  processed: at its first token, a latency (`time_scale`), so requests that start together
  all miss and all write.
- Entries belong to (account, serving provider, model, prefix). `sticky_slug` tells the
  router which provider already holds a request's prefix (cache-aware routing).

A prefix's tokens are its messages' tokens as the emulator's tokenizer counts them (4 per
message plus its text), without the 3 that prime the reply, so cached + written tokens
never exceed the prompt's. Offered tools are part of the prefix's identity (a different
tool list never shares a cache entry) but not of its token count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.sim.tokenizer import prompt_tokens

__all__ = [
    "EXPLICIT_AUTHORS",
    "MIN_PREFIX_TOKENS",
    "CacheUse",
    "Prefix",
    "PromptCache",
    "cache_points",
    "is_explicit",
]

EXPLICIT_AUTHORS = frozenset({"anthropic", "qwen"})
"""Model authors whose providers cache only at `cache_control` breakpoints."""
MIN_PREFIX_TOKENS = 1024
"""Shortest prefix a provider caches (and so the shortest that can be read)."""
_TTL_S = {"5m": 300.0, "1h": 3600.0}
_DEFAULT_TTL_S = _TTL_S["5m"]
_REPLY_PRIMING = prompt_tokens(())
_PRUNE_EVERY = 4096
"""Writes between sweeps of expired entries (keeps memory flat over long runs)."""


@dataclass(frozen=True, slots=True)
class Prefix:
    """One cacheable prefix of a request's prompt."""

    key: str
    """Hash of the prefix's content (and the offered tools)."""
    tokens: int
    ttl_s: float


@dataclass(frozen=True, slots=True)
class CacheUse:
    """What one request read from and wrote to its provider's cache."""

    read: int
    """Prompt tokens read from the cache."""
    written: int
    """Prompt tokens written (whatever the write costs; 0 when nothing new was cached)."""
    one_hour: bool
    """The written entry has a one-hour TTL (priced at `input_cache_write_1h`)."""


def is_explicit(model_id: str) -> bool:
    """Whether the model caches only at `cache_control` breakpoints (`~author/...` aliases
    count as their author)."""
    return model_id.lstrip("~").split("/", 1)[0] in EXPLICIT_AUTHORS


def cache_points(
    messages: Sequence[Mapping[str, Any]], tools: Any, *, explicit: bool
) -> tuple[Prefix, ...]:
    """The prefixes of a prompt that can be cached (at least `MIN_PREFIX_TOKENS` tokens),
    shortest first: every message boundary, or for an explicit model every breakpoint."""
    chain = _digest(json.dumps(tools, sort_keys=True) if tools else "")
    tokens = 0
    points: list[Prefix] = []
    for message in messages:
        if explicit:
            points.extend(_breakpoints(chain, tokens, message))
        chain = _digest(chain + _canonical(message))
        tokens += prompt_tokens((message,)) - _REPLY_PRIMING
        if not explicit and tokens >= MIN_PREFIX_TOKENS:
            points.append(Prefix(chain, tokens, _DEFAULT_TTL_S))
    return tuple(points)


def _breakpoints(chain: str, before: int, message: Mapping[str, Any]) -> list[Prefix]:
    """The breakpoint prefixes that end inside `message` (after `before` tokens)."""
    content = message.get("content")
    if not isinstance(content, list):
        return []
    out: list[Prefix] = []
    for index, part in enumerate(content):
        marker = part.get("cache_control") if isinstance(part, Mapping) else None
        if not isinstance(marker, Mapping):
            continue
        head = {**message, "content": content[: index + 1]}
        tokens = before + prompt_tokens((head,)) - _REPLY_PRIMING
        if tokens >= MIN_PREFIX_TOKENS:
            ttl = _TTL_S.get(str(marker.get("ttl")), _DEFAULT_TTL_S)
            out.append(Prefix(_digest(chain + _canonical(head)), tokens, ttl))
    return out


def _canonical(message: Mapping[str, Any]) -> str:
    """A message as its prefix identity sees it: `cache_control` markers are not content."""
    content = message.get("content")
    if isinstance(content, list):
        parts = [
            {k: v for k, v in p.items() if k != "cache_control"} if isinstance(p, Mapping) else p
            for p in content
        ]
        message = {**message, "content": parts}
    return json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


@dataclass(slots=True)
class _Entry:
    ready_at: float
    expires_at: float
    ttl_s: float


Scope = tuple[int, str, str]
"""(account, provider slug, model id); the account by identity (`id()` of its `Account`,
which lives exactly as long as this cache: a reset replaces both)."""


class PromptCache:
    """Every provider's prompt cache of one emulator, on emulated epoch seconds."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Scope, str], _Entry] = {}
        self._writes = 0

    def _live(self, scope: Scope, point: Prefix, now: float) -> _Entry | None:
        entry = self._entries.get((scope, point.key))
        if entry is None or entry.expires_at <= now or entry.ready_at > now:
            return None
        return entry

    def sticky_slug(
        self,
        account: int,
        model_id: str,
        points: Sequence[Prefix],
        slugs: Sequence[str],
        now: float,
    ) -> str | None:
        """The provider (of `slugs`) that holds the longest readable prefix of `points`."""
        for point in reversed(points):
            for slug in slugs:
                if self._live((account, slug, model_id), point, now) is not None:
                    return slug
        return None

    def serve(
        self,
        scope: Scope,
        points: Sequence[Prefix],
        times: tuple[float, float],
        *,
        explicit: bool,
    ) -> CacheUse | None:
        """Read the longest readable prefix (refreshing it) and write: every boundary prefix
        of an implicit model's prompt, the last breakpoint of an explicit one. `times` =
        (now, when this request's first token comes out, from which its writes are
        readable). None: the prompt has nothing cacheable."""
        if not points:
            return None
        now, ready_at = times
        read = 0
        for point in reversed(points):
            entry = self._live(scope, point, now)
            if entry is not None:
                entry.expires_at = max(entry.expires_at, now + entry.ttl_s)
                read = point.tokens
                break
        last = points[-1]
        for point in (last,) if explicit else points:
            if point.tokens > read or not explicit:
                self._write(scope, point, ready_at)
        return CacheUse(read=read, written=last.tokens - read, one_hour=last.ttl_s > _DEFAULT_TTL_S)

    def _write(self, scope: Scope, point: Prefix, ready_at: float) -> None:
        key = (scope, point.key)
        entry = self._entries.get(key)
        if entry is not None and entry.expires_at > ready_at:
            # a write already under way (or done) keeps its earlier readiness
            entry.ready_at = min(entry.ready_at, ready_at)
            entry.ttl_s = max(entry.ttl_s, point.ttl_s)
            entry.expires_at = max(entry.expires_at, ready_at + entry.ttl_s)
            return
        self._entries[key] = _Entry(ready_at, ready_at + point.ttl_s, point.ttl_s)
        self._writes += 1
        if self._writes % _PRUNE_EVERY == 0:
            self._prune(ready_at)

    def _prune(self, now: float) -> None:
        expired = [key for key, entry in self._entries.items() if entry.expires_at <= now]
        for key in expired:
            del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)
