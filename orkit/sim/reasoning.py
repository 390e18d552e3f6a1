"""Reasoning: what `reasoning` / `reasoning_effort` / `include_reasoning` ask, and how many
tokens a model thinks.

A model reasons when its served endpoint supports `reasoning` (or `include_reasoning`) and
the request asks for it: a `reasoning` object (not `enabled: false`, not effort `none`),
`reasoning_effort`, or `include_reasoning: true`; with `SimConfig.default_reasoning` also
unasked, on models whose catalog entry makes reasoning mandatory or on by default. Models
without reasoning support never reason (the parameter is ignored, as OpenRouter drops it).

Budget: `reasoning.max_tokens` when given; else the effort's share of `max_tokens` (of 2048
when the request sets none): minimal 10%, low 20%, medium 50%, high 80%, xhigh and max 95%,
OpenRouter's documented shares (the effort defaults to the model's `default_effort`, else
medium). The model thinks for 50-100% of its budget (a hash draw) and at least one token.
Reasoning tokens are completion tokens, billed at the completion price and reported in
`usage.completion_tokens_details.reasoning_tokens`. When reasoning uses up `max_tokens`,
the content is empty and the finish reason is `length`. `reasoning.exclude: true` keeps
the tokens (and their cost) but sends no reasoning text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from orkit.sim.errors import bad_request
from orkit.sim.solvers import filler
from orkit.sim.tokenizer import pieces

__all__ = [
    "EFFORT_SHARES",
    "Reasoning",
    "ReasoningAsk",
    "parse_reasoning",
    "think",
    "wants_reasoning",
]

EFFORT_SHARES = MappingProxyType(
    {"minimal": 0.1, "low": 0.2, "medium": 0.5, "high": 0.8, "xhigh": 0.95, "max": 0.95}
)
"""Share of `max_tokens` each `reasoning.effort` may think for."""
_EFFORTS = (*EFFORT_SHARES, "none")
_DEFAULT_BUDGET_BASE = 2048
"""`max_tokens` assumed for the effort's share when the request sets none."""


@dataclass(frozen=True)
class ReasoningAsk:
    """What the request asks of reasoning (None fields: not said)."""

    effort: str | None
    max_tokens: int | None
    exclude: bool
    enabled: bool | None
    """False: reasoning turned off (`enabled: false` or effort `none`)."""


@dataclass(frozen=True)
class Reasoning:
    """A completion's reasoning: its tokens, and whether its text is sent."""

    pieces: tuple[str, ...]
    shown: bool

    @property
    def tokens(self) -> int:
        """Reasoning tokens (counted in `completion_tokens`)."""
        return len(self.pieces)

    @property
    def text(self) -> str | None:
        """`message.reasoning`: the text, or None when excluded."""
        return "".join(self.pieces) if self.shown else None


def parse_reasoning(body: Mapping[str, Any], user_id: str) -> ReasoningAsk | None:
    """The request's reasoning ask, None when it says nothing; a 400 for a malformed one."""
    raw = body.get("reasoning")
    shorthand = body.get("reasoning_effort")
    include = body.get("include_reasoning")
    if raw is None and shorthand is None and include is None:
        return None
    if raw is not None and not isinstance(raw, Mapping):
        raise bad_request("Invalid input: reasoning must be an object", user_id)
    raw = raw or {}
    effort = raw.get("effort")
    for key, value in (("reasoning.effort", effort), ("reasoning_effort", shorthand)):
        if value is not None and value not in _EFFORTS:
            raise bad_request(f"Invalid input: {key} must be one of {', '.join(_EFFORTS)}", user_id)
    if effort is not None and shorthand is not None and effort != shorthand:
        message = "Invalid input: reasoning_effort conflicts with reasoning.effort"
        raise bad_request(message, user_id)
    effort = effort or shorthand
    budget = raw.get("max_tokens")
    if budget is not None and (
        isinstance(budget, bool) or not isinstance(budget, int) or budget < 1
    ):
        message = "Invalid input: reasoning.max_tokens must be a positive integer"
        raise bad_request(message, user_id)
    enabled = raw.get("enabled")
    if effort == "none" or (include is False and not raw and shorthand is None):
        enabled = False
    return ReasoningAsk(effort, budget, bool(raw.get("exclude", False)), enabled)


def wants_reasoning(
    ask: ReasoningAsk | None, entry: Mapping[str, Any], supported: frozenset[str], default: bool
) -> bool:
    """Whether the served model reasons for this request (see the module)."""
    if not supported & {"reasoning", "include_reasoning"}:
        return False
    info = entry.get("reasoning") or {}
    if ask is None:
        return default and bool(info.get("mandatory") or info.get("default_enabled"))
    return ask.enabled is not False or bool(info.get("mandatory"))


def think(
    ask: ReasoningAsk | None,
    entry: Mapping[str, Any],
    max_tokens: int | None,
    lead: str,
    draws: tuple[float, float],
) -> Reasoning:
    """The reasoning of one completion: `lead` (what the model restates) then filler, cut to
    its drawn length; `draws` = (length draw, text draw)."""
    info = entry.get("reasoning") or {}
    effort = (ask.effort if ask else None) or info.get("default_effort") or "medium"
    if ask is not None and ask.max_tokens is not None:
        budget = ask.max_tokens
    else:
        base = max_tokens or _DEFAULT_BUDGET_BASE
        budget = math.ceil(EFFORT_SHARES.get(effort, 0.5) * base)
    length = max(1, math.ceil(budget * (0.5 + 0.5 * draws[0])))
    text = lead + " " + filler(draws[1], length)
    cut = tuple(pieces(text)[:length])
    return Reasoning(cut, shown=not (ask is not None and ask.exclude))
