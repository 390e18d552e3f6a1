"""`GET /generation` records: a few facts kept per completion, the JSON built when asked.

Keeping a small slotted record (not the full JSON, not the plan) keeps memory flat over
tens of thousands of requests and keeps the hot path cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from orkit.sim.catalog import ROUTER_IDS

if TYPE_CHECKING:
    from orkit.sim.aborts import Settlement
    from orkit.sim.planner import ChatPlan
    from orkit.sim.pricing import Charge

__all__ = ["GenerationFacts"]

_ZERO = Decimal(0)


def _money(value: Decimal) -> float | int:
    return float(value) if value else 0


@dataclass(frozen=True, slots=True)
class GenerationFacts:
    """What `/generation` reports about one completion."""

    gen_id: str
    created: int
    model: str
    permaslug: str
    provider: str
    router: str | None
    streamed: bool
    cancelled: bool
    finish_reason: str | None
    native_finish_reason: str | None
    tokens_prompt: int
    tokens_completion: int
    cost: Decimal
    upstream_cost: Decimal
    web_search: bool
    is_byok: bool
    latency_ms: int
    generation_ms: int
    tokens_reasoning: int = 0
    media_prompt: int | None = None
    tokens_cached: int = 0
    cache_discount: Decimal | None = None
    """What caching saved (negative when writes cost more); None: nothing read or written."""

    @classmethod
    def from_plan(cls, plan: ChatPlan, booked: Settlement, outcome: str) -> GenerationFacts:
        """Facts of a finished plan as it was booked; only a billed one has a cost."""
        failed = outcome == "mid_stream_error"
        base = plan.target.requested.split(":")[0]
        charge = booked.charge
        if failed:
            finish: str | None = "error"
            native = "error"
        elif booked.cancelled:
            finish = native = None  # stopped before it finished
        else:
            finish, native = plan.answer.finish_reason, plan.native_finish
        return cls(
            gen_id=plan.gen_id,
            created=plan.created,
            model=plan.model_id,
            permaslug=plan.target.runtime.entry.get("canonical_slug", plan.model_id),
            provider=plan.endpoint.provider.name,
            router=base if base in ROUTER_IDS else None,
            streamed=plan.request.stream,
            cancelled=booked.cancelled,
            finish_reason=finish,
            native_finish_reason=native,
            tokens_prompt=plan.prompt_tokens,
            tokens_completion=booked.completion_tokens,
            cost=charge.total if charge is not None else _ZERO,
            upstream_cost=charge.upstream if charge is not None else _ZERO,
            web_search=bool(plan.charge.web_search),
            is_byok=plan.charge.byok,
            latency_ms=plan.emulated_ms[0],
            generation_ms=plan.emulated_ms[1],
            tokens_reasoning=plan.answer.reasoning_tokens,
            media_prompt=None if plan.request.extras is None else _media_count(plan),
            tokens_cached=plan.charge.cached_tokens,
            cache_discount=_discount(charge) if plan.cache_bill is not None else None,
        )

    def to_json(self) -> dict[str, Any]:
        """The `data` object of `GET /generation` (every field the SDKs require)."""
        upstream_id = "chatcmpl-" + self.gen_id.rsplit("-", 1)[-1]
        cost = _money(self.cost)
        return {
            "id": self.gen_id,
            "request_id": self.gen_id,
            "upstream_id": upstream_id,
            "total_cost": cost,
            "usage": cost,
            "upstream_inference_cost": _money(self.upstream_cost),
            "cache_discount": None if self.cache_discount is None else _money(self.cache_discount),
            "created_at": datetime.fromtimestamp(self.created, tz=UTC).isoformat(),
            "model": self.model,
            "provider_name": self.provider,
            "router": self.router,
            "api_type": "completions",
            "app_id": None,
            "streamed": self.streamed,
            "cancelled": self.cancelled,
            "is_byok": self.is_byok,
            "latency": self.latency_ms,
            "generation_time": self.generation_ms,
            "moderation_latency": None,
            "finish_reason": self.finish_reason,
            "native_finish_reason": self.native_finish_reason,
            "tokens_prompt": self.tokens_prompt,
            "tokens_completion": self.tokens_completion,
            "native_tokens_prompt": self.tokens_prompt,
            "native_tokens_completion": self.tokens_completion,
            "native_tokens_reasoning": self.tokens_reasoning,
            "native_tokens_cached": self.tokens_cached,
            "native_tokens_completion_images": 0,
            "num_media_prompt": self.media_prompt,
            "num_media_completion": None,
            "num_input_audio_prompt": None,
            "num_search_results": 5 if self.web_search else None,
            "num_fetches": None,
            "web_search_engine": "exa" if self.web_search else None,
            **_UNKNOWN_ATTRIBUTION,
            "data_region": "global",
            "provider_responses": [self._attempt(upstream_id)],
        }

    def _attempt(self, upstream_id: str) -> dict[str, Any]:
        return {
            "provider_name": self.provider,
            "status": 200,
            "latency": self.latency_ms,
            "id": upstream_id,
            "endpoint_id": None,
            "model_permaslug": self.permaslug,
            "is_byok": self.is_byok,
            "routed_service_tier": None,
        }


def _discount(charge: Charge | None) -> Decimal:
    """The saving of a booked charge (0 when nothing was billed: no discount on nothing)."""
    return charge.cache_discount if charge is not None and not charge.insured else _ZERO


def _media_count(plan: ChatPlan) -> int | None:
    extras = plan.request.extras
    if extras is None or extras.media is None:
        return None
    return extras.media.count


_UNKNOWN_ATTRIBUTION: Mapping[str, Any] = MappingProxyType(
    {
        "origin": "",
        "http_referer": None,
        "user_agent": None,
        "external_user": None,
        "preset_id": None,
        "workspace_id": None,
        "service_tier": None,
    }
)
