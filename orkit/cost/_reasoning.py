"""How many of an answer's tokens a reasoning model spends thinking, before a run (layer 2).

Reasoning tokens are output tokens: counted in `completion_tokens` and billed at the
completion price (reference §3), so they only change an estimate through the answer
length. With nothing learnt, the prior is the budget the request gives reasoning:
`reasoning.max_tokens` if set, else the effort's share of `max_tokens` (the split OpenRouter
documents for models that take a token budget: `EFFORT_SHARE`), else, uncapped, a stated
length per effort (`UNCAPPED_TOKENS`). A model reasons when asked, or when its catalog entry
says it always does or does by default (at its default effort, else `medium`). Once a run
or a pilot has answered, the learnt answer lengths replace the prior and the learnt share
of reasoning in them (`ModelCalibration.reasoning_share`) splits them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from orkit.catalog import ModelInfo
from orkit.cost._calibration import ModelCalibration
from orkit.cost._output import DEFAULT_OUTPUT_TOKENS, FALLBACK_CEILING, OutputBand

__all__ = ["EFFORT_SHARE", "UNCAPPED_TOKENS", "reasoning_prior", "with_reasoning"]

EFFORT_SHARE = {
    "max": 0.95,
    "xhigh": 0.95,
    "high": 0.8,
    "medium": 0.5,
    "low": 0.2,
    "minimal": 0.1,
    "none": 0.0,
}
"""The share of `max_tokens` an effort gives reasoning."""

UNCAPPED_TOKENS = {
    "max": 16_384,
    "xhigh": 12_288,
    "high": 8_192,
    "medium": 4_096,
    "low": 1_024,
    "minimal": 256,
    "none": 0,
}
"""Reasoning tokens per answer assumed for an effort without `max_tokens` (a prior only: a
pilot or an earlier run replaces it)."""

_DEFAULT_EFFORT = "medium"
_BUDGET = "max_tokens"
"""`reasoning.max_tokens`: reasoning's own budget inside the answer, not the request's cap on
the answer (that one is read by `orkit.types.output_cap` only)."""


def reasoning_prior(info: ModelInfo, params: Mapping[str, Any], cap: int | None) -> float:
    """Reasoning tokens per answer expected from `info` under `params` with nothing
    learnt (0: it does not reason here), at most `cap` (`max_tokens`)."""
    if not info.supports("reasoning"):
        return 0.0
    reasoning = params.get("reasoning")
    asked: dict[str, Any] = dict(reasoning) if isinstance(reasoning, Mapping) else {}
    if isinstance(params.get("reasoning_effort"), str):
        asked.setdefault("effort", params["reasoning_effort"])
    entry = info.reasoning
    always = entry is not None and entry.mandatory is True
    on_by_default = always or (entry is not None and entry.default_enabled is True)
    if not always and (asked.get("enabled") is False or asked.get("effort") == "none"):
        return 0.0
    if not asked and not on_by_default:
        return 0.0
    limit = float(cap or info.max_completion_tokens or FALLBACK_CEILING)
    budget = asked.get(_BUDGET)
    if isinstance(budget, int) and budget > 0:
        return min(float(budget), limit)
    effort = asked.get("effort")
    if effort in (None, "none"):
        effort = (entry.default_effort if entry else None) or _DEFAULT_EFFORT
    if cap:
        return EFFORT_SHARE.get(str(effort), EFFORT_SHARE[_DEFAULT_EFFORT]) * cap
    return min(float(UNCAPPED_TOKENS.get(str(effort), UNCAPPED_TOKENS[_DEFAULT_EFFORT])), limit)


def with_reasoning(
    band: OutputBand,
    info: ModelInfo,
    params: Mapping[str, Any],
    cap: int | None,
    cal: ModelCalibration | None,
) -> tuple[OutputBand, float | None]:
    """The answer-length band with reasoning allowed for, and the share of its expected
    tokens that is reasoning (None: unknown). Learnt lengths already hold the reasoning of
    the answers they were learnt from: only their split is needed. A band from no answers
    (`default`, `max_tokens`) grows to the prior's reasoning plus a typical answer."""
    learnt = band.samples > 0
    if learnt:
        share = cal.reasoning_share if cal is not None else None
        if share is None:  # lengths, but no reasoning counts: the prior, within them
            prior = reasoning_prior(info, params, cap)
            share = min(prior, band.expected) / band.expected if band.expected > 0 else None
        return band, share
    prior = reasoning_prior(info, params, cap)
    if prior <= 0:
        return band, 0.0
    expected = min(band.high, max(band.expected, prior + DEFAULT_OUTPUT_TOKENS))
    grown = replace(band, expected=expected, low=min(band.low, expected))
    return grown, min(prior, expected) / expected if expected > 0 else None
