"""The arithmetic of an estimate: tokens × rates over arrays of requests (layer 2, numpy).

A `WorkGroup` is every request of one model that shares a prompt template and a params set:
an array with the estimated prompt tokens of each distinct request, sent `multiplicity`
times each (repeats, minus the expected share of cache hits), with one band of answer
lengths and one band of rates. Sums are vectorised; nothing here loops per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from orkit.cost._output import OutputBand
from orkit.cost._prices import PriceBand, Rates

__all__ = ["GroupCost", "WorkGroup", "group_cost"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class WorkGroup:
    prompt_tokens: FloatArray
    """Estimated prompt tokens of each distinct request."""
    multiplicity: float
    """Times each request is sent: repeats × (1 − expected cache-hit share)."""
    requests: int
    """Requests in the grid (cache hits included)."""
    cache_hits: float
    output: OutputBand
    prices: PriceBand
    prompt_error: float = 0.0
    """Relative error of the prompt-token estimate (0 when counted exactly)."""


@dataclass(frozen=True, slots=True)
class GroupCost:
    sent: float
    prompt_tokens: float
    completion_tokens: float
    completion_tokens_high: float
    low: float
    expected: float
    high: float


def _factors(
    tokens: FloatArray, long_context: Sequence[tuple[int, float, float]]
) -> tuple[FloatArray | float, FloatArray | float]:
    """Per-request prompt and completion rate multipliers of long-context overrides."""
    if not long_context:
        return 1.0, 1.0
    fp = np.ones_like(tokens)
    fc = np.ones_like(tokens)
    for threshold, p_mult, c_mult in long_context:  # later entries win, as on the wire
        over = tokens >= threshold
        fp = np.where(over, p_mult, fp)
        fc = np.where(over, c_mult, fc)
    return fp, fc


def _cost(tokens: FloatArray, out: float, rates: Rates, g: WorkGroup) -> tuple[float, float, float]:
    """(cost, prompt tokens, completion tokens) of the group at one point of the band."""
    fp, fc = _factors(tokens, g.prices.long_context)
    prompt = float(np.sum(tokens * fp)) * g.multiplicity
    completion_weight = float(np.sum(fc)) if not isinstance(fc, float) else fc * tokens.size
    sent = tokens.size * g.multiplicity
    cost = (
        prompt * rates.prompt
        + completion_weight * g.multiplicity * out * rates.completion
        + sent * rates.request
    )
    return cost, float(np.sum(tokens)) * g.multiplicity, sent * out


def group_cost(g: WorkGroup) -> GroupCost:
    """Low, expected and high cost of a group (and its expected tokens)."""
    t = g.prompt_tokens
    low, _, _ = _cost(t * (1 - g.prompt_error), g.output.low, g.prices.low, g)
    exp, prompt, completion = _cost(t, g.output.expected, g.prices.expected, g)
    high, _, completion_high = _cost(t * (1 + g.prompt_error), g.output.high, g.prices.high, g)
    return GroupCost(
        sent=t.size * g.multiplicity,
        prompt_tokens=prompt,
        completion_tokens=completion,
        completion_tokens_high=completion_high,
        low=low,
        expected=exp,
        high=max(high, exp),
    )
