"""A hard budget: before a request is sent, its worst-case cost is reserved; nothing is sent
that could take spent + reserved past the budget.

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

import anyio

from orkit.cost import PriceOverride, dearest_factors
from orkit.types import ChatRequest

__all__ = ["Budget", "Prices", "dearest_of_chain", "worst_case_usd"]

_MESSAGE_OVERHEAD_TOKENS = 8


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
    params = request.params
    out = request.output_cap or prices.max_completion_tokens or prices.context_length or 32_768
    web = prices.web_search if request.model.endswith(":online") or params.get("plugins") else 0.0
    fp, fc = dearest_factors(prices.overrides, prompt_tokens=prompt_tokens, during=during)
    return prompt_tokens * prices.prompt * fp + out * prices.completion * fc + prices.request + web


class Budget:
    """Spent and reserved money of one run, against its limit."""

    def __init__(self, limit_usd: float, spent_usd: float = 0.0) -> None:
        self.limit_usd = limit_usd
        self.spent_usd = spent_usd
        self.reserved_usd = 0.0
        self._in_flight = 0  # counted apart: float sums of reservations never return to 0.0
        self._changed = anyio.Event()

    async def reserve(self, worst_usd: float) -> bool:
        """Reserve `worst_usd`, waiting while reservations in flight may free room; False
        when it cannot fit even with nothing in flight."""
        while self.spent_usd + self.reserved_usd + worst_usd > self.limit_usd:
            if self._in_flight == 0:
                return False
            await self._changed.wait()
        self.reserved_usd += worst_usd
        self._in_flight += 1
        return True

    def settle(self, reserved_usd: float, actual_usd: float | None) -> None:
        """A reservation ended; `actual_usd` None (cost unknown) counts the reservation as
        spent, so an unknown cost can never hide an overspend."""
        self._in_flight -= 1
        self.reserved_usd = max(0.0, self.reserved_usd - reserved_usd) if self._in_flight else 0.0
        self.spent_usd += reserved_usd if actual_usd is None else actual_usd
        event, self._changed = self._changed, anyio.Event()
        event.set()


def dearest_of_chain(
    request: ChatRequest,
    prices: Mapping[str, Prices],
    models: list[str],
    during: tuple[float, float] | None = None,
) -> float:
    """The worst case across a fallback chain: the dearest of its models for this request
    (each with its own overrides, so not one merged price list)."""
    return max(worst_case_usd(request, prices[m], during) for m in models if m in prices)
