"""Model resolution (ids, variants, routers) and provider endpoint selection.

- Static variants (`:free`, `:extended`, `:thinking`, ...) exist only where the snapshot
  lists them; dynamic variants work on any model: `:nitro` (sort by throughput), `:floor`
  (sort by price), `:exacto` (highest-precision endpoints first), `:online` (web search).
- Canonical slugs and `~author/...-latest` aliases resolve to their concrete model.
- Router models (`openrouter/auto`, `openrouter/free`, ...) pick a concrete model from a
  hash of the messages; the response's `model` is the concrete one.
- Provider preferences filter the model's endpoints (only, ignore, quantizations,
  data_collection, zdr, require_parameters, max_price, order + allow_fallbacks) and order
  them (order, sort, else a pick weighted by inverse square price, as OpenRouter does).
- `tools`, `response_format` and a json_schema's `structured_outputs` filter softly: the
  endpoints that take them serve when there are any (`require_parameters` makes it hard).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from orkit.sim._hashing import unit
from orkit.sim.catalog import ROUTER_IDS, Catalog
from orkit.sim.errors import SimError, invalid_model, no_endpoints
from orkit.sim.prefs import ProviderPrefs
from orkit.sim.request import ChatRequest
from orkit.sim.runtime import Endpoint, ModelRuntime, ProfileBook

__all__ = ["Router", "Target"]

_DYNAMIC_SORT = MappingProxyType(
    {"nitro": "throughput", "floor": "price", "exacto": "exacto", "online": None}
)
_PRECISION_RANK = MappingProxyType(
    {"fp32": 0, "bf16": 1, "fp16": 1, "unknown": 1, "fp8": 2, "mxfp8": 2}
)
_PRIVACY_URL = "https://openrouter.ai/settings/privacy"
_SOFT_FILTERS = frozenset({"tools", "response_format", "structured_outputs"})
"""Parameters that steer routing softly: when some endpoints of a model take them, only
those serve (reference §2.1); when none does, any serves and ignores them."""
_POLICY = "No endpoints found matching your data policy ({kind}). Configure: {url}"


@dataclass(frozen=True)
class Target:
    """One candidate model of a request, resolved."""

    requested: str
    """The id as the client wrote it (used in error messages)."""
    runtime: ModelRuntime
    variant_sort: str | None
    online: bool


class Router:
    """Resolves model ids and picks endpoints; holds only immutable lookups and a cache."""

    def __init__(
        self, catalog: Catalog, book: ProfileBook, byok: Callable[[str, str], bool] | None = None
    ) -> None:
        self.catalog = catalog
        self.book = book
        self._byok = byok
        self._auto_pool = self._pool_auto()
        self._free_pool = tuple(i for i in catalog.free_ids if "safety" not in i) or ("",)

    def _pool_auto(self) -> tuple[str, ...]:
        scored = [
            (self.catalog.intelligence(m["id"]) or 0.0, m["id"])
            for m in self.catalog.models
            if m["id"] not in ROUTER_IDS and ":" not in m["id"] and not m["id"].startswith("~")
        ]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return tuple(model_id for _, model_id in scored[:8])

    def resolve(self, requested: str, request: ChatRequest, user_id: str) -> Target:
        """Resolve a requested id to a servable model, or raise 400 `not a valid model ID`."""
        model_id, sorts, online = requested, [], False
        entry = self.catalog.lookup(model_id)
        while entry is None:
            base, sep, suffix = model_id.rpartition(":")
            if not sep or suffix not in _DYNAMIC_SORT:
                raise invalid_model(requested, user_id)
            online = online or suffix == "online"
            sorts.append(_DYNAMIC_SORT[suffix])
            model_id = base
            entry = self.catalog.lookup(model_id)
        concrete = entry["id"]
        if concrete in ROUTER_IDS:
            pool = self._free_pool if concrete == "openrouter/free" else self._auto_pool
            pick = unit("router", concrete, request.user_text)
            concrete = pool[int(pick * len(pool))]
        sort = next((s for s in sorts if s is not None), None)
        return Target(requested, self.book.get(concrete), sort, online)

    def endpoints(
        self, target: Target, request: ChatRequest, pick: float, user_id: str
    ) -> list[Endpoint]:
        """Eligible endpoints in the order they would be tried, or raise 404 `No endpoints`."""
        prefs = request.prefs
        endpoints = list(target.runtime.endpoints)
        for check, message in _filters(target, request, prefs):
            endpoints = [e for e in endpoints if check(e)]
            if not endpoints:
                raise no_endpoints(message, user_id)
        soft = request.params & _SOFT_FILTERS
        if soft:
            preferred = [e for e in endpoints if soft <= e.supported]
            endpoints = preferred or endpoints
        ordered = _order(endpoints, prefs, target.variant_sort, pick)
        if self._byok is None:
            return ordered
        # OpenRouter tries the user's own-key (BYOK) endpoints first, before `provider.order`
        byok = self._byok
        ordered.sort(key=lambda e: not byok(e.provider.slug, e.provider.name))
        return ordered


def _matches(endpoint: Endpoint, names: Sequence[str]) -> bool:
    slug = endpoint.provider.slug.lower()
    display = endpoint.provider.name.lower()
    for name in names:
        wanted = name.lower()
        # A base slug matches its regional/variant tags (`google-vertex` ~ `google-vertex/us`).
        if wanted in (slug, display) or slug.startswith(wanted + "/"):
            return True
    return False


def _filters(
    target: Target, request: ChatRequest, prefs: ProviderPrefs
) -> list[tuple[Callable[[Endpoint], bool], str]]:
    generic = f"No endpoints found for {target.requested}."
    out: list[tuple[Callable[[Endpoint], bool], str]] = []
    if prefs.only is not None:
        only = prefs.only
        out.append((lambda e: _matches(e, only), generic))
    if prefs.ignore:
        out.append((lambda e: not _matches(e, prefs.ignore), generic))
    if prefs.order and not prefs.allow_fallbacks:
        manual = f"No endpoints found for the request with manual order: {', '.join(prefs.order)}."
        out.append((lambda e: _matches(e, prefs.order), manual))
    if prefs.quantizations is not None:
        quants = {q.lower() for q in prefs.quantizations}
        out.append((lambda e: e.provider.quantization in quants, generic))
    if prefs.data_collection == "deny":
        kind = "Free model training" if target.runtime.is_free else "Paid model training"
        policy = _POLICY.format(kind=kind, url=_PRIVACY_URL)
        out.append((lambda e: e.provider.data_collection == "deny", policy))
    if prefs.zdr:
        zdr = _POLICY.format(kind="Zero data retention", url=_PRIVACY_URL)
        out.append((lambda e: e.provider.zdr, zdr))
    if prefs.require_parameters:
        params = request.params
        unsupported = "No endpoints found that can handle the requested parameters."
        out.append((lambda e: params <= e.supported, unsupported))
    if prefs.max_prompt_per_m is not None or prefs.max_completion_per_m is not None:
        out.append((lambda e: _within(e, prefs), generic))
    return out


def _within(endpoint: Endpoint, prefs: ProviderPrefs) -> bool:
    if prefs.max_prompt_per_m is not None and endpoint.prompt_per_m > prefs.max_prompt_per_m:
        return False
    cap = prefs.max_completion_per_m
    return cap is None or endpoint.completion_per_m <= cap


def _order(
    endpoints: list[Endpoint], prefs: ProviderPrefs, variant_sort: str | None, pick: float
) -> list[Endpoint]:
    sort = prefs.sort or variant_sort
    if sort == "price":
        endpoints.sort(key=lambda e: e.price_key)
    elif sort == "throughput":
        endpoints.sort(key=lambda e: -e.tokens_per_s)
    elif sort == "latency":
        endpoints.sort(key=lambda e: e.ttft_s)
    elif sort == "exacto":
        endpoints.sort(key=lambda e: (_PRECISION_RANK.get(e.provider.quantization, 3), e.price_key))
    elif not prefs.order:
        endpoints = _weighted_first(endpoints, pick)
    if prefs.order:
        rank = {name.lower(): i for i, name in enumerate(prefs.order)}

        def position(e: Endpoint) -> int:
            keys = (e.provider.slug.lower(), e.provider.name.lower())
            return min((rank[k] for k in keys if k in rank), default=len(rank))

        endpoints.sort(key=position)  # stable: unlisted providers keep their order after
    return endpoints


def _weighted_first(endpoints: list[Endpoint], pick: float) -> list[Endpoint]:
    """Default load balancing: choose the first endpoint with weight 1 / price^2."""
    if len(endpoints) < 2:
        return endpoints
    prices = [e.price_key for e in endpoints]
    floor = min((p for p in prices if p > 0), default=Decimal(1))
    weights = [1.0 / float(max(p, floor) / floor) ** 2 for p in prices]
    threshold, total, chosen = pick * sum(weights), 0.0, endpoints[-1]
    for endpoint, weight in zip(endpoints, weights, strict=True):
        total += weight
        if threshold < total:
            chosen = endpoint
            break
    rest = sorted((e for e in endpoints if e is not chosen), key=lambda e: e.price_key)
    return [chosen, *rest]


def retryable_first(errors: Sequence[SimError]) -> SimError:
    """The error to report when every fallback failed: the first retryable one, else the first."""
    return next((e for e in errors if e.retryable), errors[0])
