"""The estimate's note on a breakpoint that marks a message differing per item (layer 5,
pure): `prompt_cache = "message:1"` on each item's own user message makes every request to
an explicit-cache model (Anthropic, Qwen) write its own entry, which no other item reads,
so caching costs more than it saves; the note says so and what the writes add.

Implicit models are not in it: they cache by themselves at every message boundary, so they
still read a prefix the items share (a system prompt) whatever message the breakpoint marks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from orkit._format import usd
from orkit.cost import LineEstimate, is_explicit_cache_model
from orkit.estimate._prefixes import SharedPrefix

__all__ = ["per_item_breakpoint_notes"]


def per_item_breakpoint_notes(
    mode: str,
    lines: Sequence[LineEstimate],
    shared: Mapping[tuple[int, bool], Sequence[SharedPrefix]],
) -> list[str]:
    """One line when every prefix the breakpoint marks is one item's own (`shared`: the
    prefixes found per (prompt variant, explicit), as the cache figures found them) and an
    explicit-cache model of the sweep prices its cache."""
    marked = [p for (_, explicit), found in shared.items() if explicit for p in found]
    if mode == "none" or not marked or not all(p.own for p in marked):
        return []
    cached = [
        line
        for line in lines
        if line.role == "model"
        and is_explicit_cache_model(line.model)
        and line.cache_savings_usd is not None
    ]
    if not cached:
        return []
    extra = -sum(line.cache_savings_usd or 0.0 for line in cached)
    head = f"prompt_cache = {mode} marks a message that differs per item: "
    if not any(line.cached_tokens for line in cached):
        return [
            head + "every request writes its own cache entry and none is read; the writes "
            f"cost {usd(extra)} more than plain prompts"
        ]
    net = f"costs {usd(extra)} more than" if extra > 0 else f"saves {usd(-extra)} on"
    return [
        head + "each item writes its own cache entry, read only by its own repeats; caching "
        f"{net} plain prompts"
    ]
