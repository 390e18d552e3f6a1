"""How long the answers will be: a band (low, expected, high) on the mean completion length
per request, from a sample of past answers, from `max_tokens`, or from a default (layer 2).

The band is for the *total* of many requests, not one: with a sample of n answers the mean
is known to about s/√n, and a batch of N requests averages its own noise down to s/√N; a
5% floor covers drift between runs. Answers that were cut at a smaller `max_tokens` than
the one asked for now only say "at least this long", so they widen the high side.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from orkit.cost._calibration import OutputSample

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "FALLBACK_CEILING",
    "OutputBand",
    "mixed_band",
    "output_band",
]

DEFAULT_OUTPUT_TOKENS = 300
"""Expected answer length with nothing known (a typical chat answer; reasoning models
spend more, which calibration or a pilot learns)."""
FALLBACK_CEILING = 32_768
"""The longest answer assumed when neither `max_tokens` nor the model's cap is known (the
budget's worst case uses the same)."""
_Z = 2.5  # ~99% two-sided for the sample-mean and batch-noise terms
_DRIFT = 0.05


@dataclass(frozen=True, slots=True)
class OutputBand:
    """Mean completion tokens per request: low, expected, high; and where they came from."""

    low: float
    expected: float
    high: float
    source: str
    """`calibration`, `pilot`, `max_tokens` or `default`."""
    samples: int = 0


def output_band(
    sample: OutputSample | None,
    *,
    own_prompt: bool,
    cap: int | None,
    ceiling: int | None,
    requests: int,
) -> OutputBand:
    """The band for `requests` answers under `max_tokens = cap` (None: uncapped), on a
    model whose answers cannot exceed `ceiling` tokens (None: unknown)."""
    limit = cap or ceiling or FALLBACK_CEILING
    if sample is None or not sample.tokens or not own_prompt:
        # Another prompt's answers say little about this one's (a one-word answer format
        # and an essay prompt differ 100-fold): only the default's wide band is honest.
        return _without_sample(cap, limit)
    xs = [min(x, limit) for x in sample.tokens]
    n = len(xs)
    mean = statistics.fmean(xs)
    sd = statistics.pstdev(xs) if n > 1 else mean
    half = _Z * sd / math.sqrt(n) + _Z * sd / math.sqrt(max(requests, 1)) + _DRIFT * mean + 0.5
    low, expected, high = max(0.0, mean - half), mean, min(float(limit), mean + half)
    if sample.cap is not None and limit > sample.cap:
        # Answers cut at the old cap could have gone on: the expected length grows a little,
        # the worst case up to the new limit.
        cut = sum(1 for x in sample.tokens if x >= sample.cap) / n
        expected += cut * (min(limit, 2 * sample.cap) - sample.cap)
        high = min(float(limit), high + cut * (limit - sample.cap))
    return OutputBand(low, expected, max(high, expected), sample.source, n)


def _without_sample(cap: int | None, limit: int) -> OutputBand:
    expected = float(min(limit, DEFAULT_OUTPUT_TOKENS))
    source = "max_tokens" if cap is not None and cap <= DEFAULT_OUTPUT_TOKENS else "default"
    return OutputBand(min(1.0, expected), expected, float(limit), source)


def mixed_band(parts: Sequence[tuple[int, OutputBand]]) -> OutputBand:
    """The band of a batch made of parts of `count` requests each, every part with its own
    band (the requests of each length cue): the request-weighted mean of the parts' low,
    expected and high ends. Adding the parts' half-widths, rather than their squares, keeps
    the band conservative: the parts' sample errors are not assumed to cancel."""
    total = sum(count for count, _ in parts)
    if total <= 0:
        raise ValueError("mixed_band: no requests")
    sources = sorted({band.source for count, band in parts if count})
    return OutputBand(
        low=sum(count * band.low for count, band in parts) / total,
        expected=sum(count * band.expected for count, band in parts) / total,
        high=sum(count * band.high for count, band in parts) / total,
        source=sources[0] if len(sources) == 1 else "mixed: " + ", ".join(sources),
        samples=sum(band.samples for count, band in parts if count),
    )
