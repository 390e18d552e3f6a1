"""What a finished request cost, when the response did not say (layer 2, pure).

The source of truth is `usage.cost` (what OpenRouter charged). When it is absent, the next
best is `GET /generation`'s `total_cost` (the same number, written a moment later); when
that cannot be had either, the cost is computed from the token counts at the serving
provider's prices, with the two billing rules that matter: prompt tokens read from the
provider's cache are billed at the cache-read price, and zero-completion insurance (no
charge when nothing was generated, or the generation ended in an error). A cost that
cannot be computed stays `None`: unknown is never shown as $0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orkit.catalog import ModelInfo, ProviderEndpoint
from orkit.cost._prices import price_overrides

__all__ = ["GenerationCost", "cost_from_generation", "cost_from_prices", "is_insured"]


def is_insured(completion_tokens: int | None, finish_reason: str | None) -> bool:
    """Zero-completion insurance: nothing generated with no finish reason, or an error."""
    return finish_reason == "error" or (completion_tokens == 0 and finish_reason is None)


@dataclass(frozen=True, slots=True)
class GenerationCost:
    cost_usd: float
    is_byok: bool | None
    upstream_cost_usd: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cached_tokens: int | None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def cost_from_generation(data: Mapping[str, Any]) -> GenerationCost | None:
    """The cost in a `GET /generation` `data` object, or None if it has none."""
    total = _float(data.get("total_cost"))
    if total is None:
        total = _float(data.get("usage"))
    if total is None:
        return None
    byok = data.get("is_byok")
    return GenerationCost(
        cost_usd=total,
        is_byok=byok if isinstance(byok, bool) else None,
        upstream_cost_usd=_float(data.get("upstream_inference_cost")),
        prompt_tokens=_int(data.get("native_tokens_prompt")),
        completion_tokens=_int(data.get("native_tokens_completion")),
        cached_tokens=_int(data.get("native_tokens_cached")),
    )


def cost_from_prices(
    *,
    info: ModelInfo,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    finish_reason: str | None,
    cached_tokens: int | None = None,
    cache_write_tokens: int | None = None,
    endpoint: ProviderEndpoint | None = None,
) -> float | None:
    """USD at the serving provider's prices (the listed ones without `endpoint`); None when
    the token counts or the prices are unknown."""
    if is_insured(completion_tokens, finish_reason):
        return 0.0
    if prompt_tokens is None or completion_tokens is None:
        return None
    if endpoint is not None:
        prompt, completion, request = endpoint.prompt, endpoint.completion, endpoint.request
        cache_read = endpoint.cache_read
    else:
        if info.prompt_price is None or info.completion_price is None:
            return None
        prompt, completion = info.prompt_price, info.completion_price
        request, cache_read = info.request_price or 0.0, info.cache_read_price
    prompt, completion = _long_context(info, prompt_tokens, prompt, completion)
    cached = min(cached_tokens or 0, prompt_tokens) if cache_read is not None else 0
    cost = (prompt_tokens - cached) * prompt + cached * (cache_read or 0.0)
    if cache_write_tokens and info.cache_write_price is not None:
        # Writes replace the plain prompt price for the tokens written (Anthropic, Alibaba).
        written = min(cache_write_tokens, prompt_tokens - cached)
        cost += written * (info.cache_write_price - prompt)
    return cost + completion_tokens * completion + request


def _long_context(
    info: ModelInfo, prompt_tokens: int, prompt: float, completion: float
) -> tuple[float, float]:
    """Rates after the long-context `overrides` that apply at this prompt size (later
    entries win), on top of the serving provider's rates. (Time-of-day entries are left out:
    when the request was served is not known here.)"""
    applies = [
        o
        for o in price_overrides(info)
        if not o.is_time_of_day
        and o.min_prompt_tokens is not None
        and prompt_tokens >= o.min_prompt_tokens
    ]
    if not applies:
        return prompt, completion
    last = applies[-1]  # later entries win
    return prompt * last.prompt_factor, completion * last.completion_factor
