"""BYOK (your own provider key on OpenRouter): which models it covers and what OpenRouter
charges for them, its fee on the provider's price."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BYOK_FEE_RATE", "is_byok_model"]

BYOK_FEE_RATE = 0.05
"""OpenRouter's BYOK fee: 5% of what the same model and provider would cost on OpenRouter,
charged to your credits as the request's `usage.cost` (the provider bills the tokens to your
own account: `cost_details.upstream_inference_cost`). The monthly free allowance is not
modelled: the estimate is the fee as if it were spent."""


def is_byok_model(model_id: str, byok: Sequence[str]) -> bool:
    """Whether requests to `model_id` go through your own key: `byok` lists its id, or the
    provider that makes it (`openai` for `openai/gpt-4o-mini`). OpenRouter tries BYOK
    endpoints first, so a model its maker serves is served there; a provider that only hosts
    others' models (`azure`) is named by listing the model ids."""
    wanted = {name.casefold() for name in byok}
    base = model_id.split(":", 1)[0].casefold()
    return base in wanted or base.split("/", 1)[0] in wanted
