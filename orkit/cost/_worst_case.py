"""The most a request can cost: what a hard budget reserves before it is sent.

Worst case = every prompt byte a token (byte-level tokenizers never produce more tokens than
bytes) plus per-message overhead, at the dearest provider's prompt price; `max_tokens` (or,
without it, the model's longest possible answer) at the dearest completion price; plus the
per-request and web-search fees. Both token prices are raised by the dearest price override
that can apply to the request (`orkit.cost.dearest_factors`, the rule the estimate's band
uses too): a long-context tier its prompt could reach, a time-of-day window it could be
served in. A task that does not fit waits for reservations in flight
to settle; one that cannot fit even then is left `skipped_budget`, for a resume with a larger
budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from orkit.cost._media import count_media, media_tokens
from orkit.cost._prices import PriceOverride, dearest_factors
from orkit.types import ChatRequest

__all__ = ["Prices", "dearest_of_chain", "worst_case_usd"]

_MESSAGE_OVERHEAD_TOKENS = 8
_MEDIA_BOUND = 3.0


@dataclass(frozen=True, slots=True)
class Prices:
    """The dearest prices a model can be billed at (USD per token / per request)."""

    prompt: float
    completion: float
    request: float = 0.0
    web_search: float = 0.0
    max_completion_tokens: int | None = None
    context_length: int | None = None
    overrides: tuple[PriceOverride, ...] = ()
    """The model's `pricing.overrides` (multipliers of `prompt` and `completion`)."""


def worst_case_usd(
    request: ChatRequest, prices: Prices, during: tuple[float, float] | None = None
) -> float:
    """The most `request` can cost if served during `during` (Unix seconds; None: at any
    time of day)."""
    prompt_tokens = sum(
        len(str(m.get("content", "")).encode("utf-8")) + _MESSAGE_OVERHEAD_TOKENS
        for m in request.messages
    )
    # an image or PDF page is a few bytes of digest here: bound it at three times the
    # estimate's prior (3,000 tokens: above Anthropic's ~1,600 per image, at the top of its
    # 1,500-3,000 per natively read PDF page)
    prompt_tokens += round(float(_MEDIA_BOUND * media_tokens(*count_media(request.messages))))
    params = request.params
    out = request.output_cap or prices.max_completion_tokens or prices.context_length or 32_768
    web = prices.web_search if request.model.endswith(":online") or params.get("plugins") else 0.0
    fp, fc = dearest_factors(prices.overrides, prompt_tokens=prompt_tokens, during=during)
    return prompt_tokens * prices.prompt * fp + out * prices.completion * fc + prices.request + web


def dearest_of_chain(
    request: ChatRequest,
    prices: Mapping[str, Prices],
    models: list[str],
    during: tuple[float, float] | None = None,
) -> float:
    """The worst case across a fallback chain: the dearest of its models for this request
    (each with its own overrides, so not one merged price list)."""
    return max(worst_case_usd(request, prices[m], during) for m in models if m in prices)
