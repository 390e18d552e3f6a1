"""`ModelInfo`: one entry of OpenRouter's `GET /models`, parsed once into typed fields (layer 2).

Prices on the wire are strings in USD per token (per request for `request`, per search for
`web_search`); `"-1"` means dynamic (router models) and becomes `None`, like an absent price.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orkit.catalog._reasoning import ReasoningInfo, reasoning_from_raw

__all__ = [
    "DYNAMIC_VARIANTS",
    "ONLINE_SEARCH_USD",
    "ModelInfo",
    "model_from_raw",
    "split_variant",
]

DYNAMIC_VARIANTS = frozenset({":nitro", ":floor", ":online", ":exacto"})
"""Suffixes OpenRouter accepts on any model id (reference §2.3); static ones (`:free`,
`:thinking`, `:extended`, `:batch`) are separate entries in `/models`."""

ONLINE_SEARCH_USD = 0.007
"""What `:online` adds per request on a model without its own `web_search` price: the Exa
engine's "auto" mode, up to 10 results (reference §10)."""

_ROUTER_PREFIX = "openrouter/"


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """A model as the catalog knows it. Prices are USD per token (per request for
    `request_price`, per search for `web_search_price`); `None` when absent or dynamic."""

    id: str
    """The id to send (with its variant suffix, if any)."""
    name: str
    created: int | None
    """Unix seconds when OpenRouter added the model."""
    context_length: int | None
    max_completion_tokens: int | None
    """The top provider's output cap (`top_provider.max_completion_tokens`)."""
    prompt_price: float | None
    completion_price: float | None
    request_price: float | None
    web_search_price: float | None
    cache_read_price: float | None
    cache_write_price: float | None
    pricing: Mapping[str, Any]
    """The raw `pricing` object (strings), including `overrides` and rarer keys."""
    tokenizer: str | None
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    supported_parameters: frozenset[str]
    is_free: bool
    """A `:free` id, or both token prices are 0."""
    is_router: bool
    """`openrouter/auto` and the other `openrouter/...` routers: the serving model varies."""
    variant: str | None
    """A dynamic suffix this entry was resolved with (`:nitro`, `:floor`, `:online`, `:exacto`)."""
    base_id: str
    """The id without any `:suffix`; for a `~…-latest` alias, the model it points at."""
    description: str
    is_moderated: bool
    canonical_slug: str | None = None
    alias_target: str | None = None
    """For `~author/family-latest` aliases: the concrete model id (`alias_target.slug`)."""
    reasoning: ReasoningInfo | None = None
    """Its `reasoning` entry (efforts, mandatory); None for a model that does not reason."""

    @property
    def prompt_price_per_m(self) -> float | None:
        """USD per million prompt tokens."""
        return _per_m(self.prompt_price)

    @property
    def completion_price_per_m(self) -> float | None:
        """USD per million completion tokens."""
        return _per_m(self.completion_price)

    def supports(self, param: str) -> bool:
        """Whether some provider of this model accepts `param` (`tools`, `structured_outputs`,
        `reasoning`, `seed`, ...), per `supported_parameters`."""
        return param in self.supported_parameters

    def with_variant(self, variant: str) -> ModelInfo:
        """This model reached through a dynamic suffix (`:online` adds the web-search price)."""
        changes: dict[str, Any] = {"id": self.id + variant, "variant": variant}
        if variant == ":online":
            search = self.web_search_price if self.web_search_price else ONLINE_SEARCH_USD
            changes["web_search_price"] = search
            changes["request_price"] = (self.request_price or 0.0) + search
        return dataclasses.replace(self, **changes)


def _per_m(price: float | None) -> float | None:
    return None if price is None else round(price * 1_000_000, 9)


def _price(pricing: Mapping[str, Any], key: str) -> float | None:
    raw = pricing.get(key)
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return None if value < 0 else value


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def split_variant(model_id: str) -> tuple[str, str | None]:
    """`"a/b:nitro"` → `("a/b", ":nitro")`; no suffix → `(model_id, None)`."""
    head, sep, tail = model_id.rpartition(":")
    if not sep or not head or "/" in tail:
        return model_id, None
    return head, ":" + tail


def model_from_raw(raw: Mapping[str, Any]) -> ModelInfo:
    """Parse one model object of `GET /models` (reference §7). Unknown fields are ignored;
    missing ones become `None` or empty."""
    model_id = str(raw["id"])
    pricing = _mapping(raw.get("pricing"))
    arch = _mapping(raw.get("architecture"))
    top = _mapping(raw.get("top_provider"))
    alias = _mapping(raw.get("alias_target"))
    alias_slug = alias.get("slug") if isinstance(alias.get("slug"), str) else None
    prompt, completion = _price(pricing, "prompt"), _price(pricing, "completion")
    base, variant = split_variant(model_id)
    tokenizer = arch.get("tokenizer")
    return ModelInfo(
        id=model_id,
        name=str(raw.get("name") or model_id),
        created=_int(raw.get("created")),
        context_length=_int(raw.get("context_length")) or _int(top.get("context_length")),
        max_completion_tokens=_int(top.get("max_completion_tokens")),
        prompt_price=prompt,
        completion_price=completion,
        request_price=_price(pricing, "request"),
        web_search_price=_price(pricing, "web_search"),
        cache_read_price=_price(pricing, "input_cache_read"),
        cache_write_price=_price(pricing, "input_cache_write"),
        pricing=pricing,
        tokenizer=tokenizer if isinstance(tokenizer, str) else None,
        input_modalities=_strs(arch.get("input_modalities")),
        output_modalities=_strs(arch.get("output_modalities")),
        supported_parameters=frozenset(_strs(raw.get("supported_parameters"))),
        is_free=variant == ":free" or (prompt == 0.0 and completion == 0.0),
        is_router=model_id.startswith(_ROUTER_PREFIX),
        variant=None,
        base_id=alias_slug or base,
        description=str(raw.get("description") or ""),
        is_moderated=bool(top.get("is_moderated", False)),
        canonical_slug=raw.get("canonical_slug")
        if isinstance(raw.get("canonical_slug"), str)
        else None,
        alias_target=alias_slug,
        reasoning=reasoning_from_raw(raw.get("reasoning")),
    )
