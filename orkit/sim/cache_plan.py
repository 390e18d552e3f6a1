"""Where a chat plan meets the prompt cache (`orkit.sim.caching`): which prefixes of a
request can be cached on a model, which provider to route to when one already holds
them, and what the served request read and wrote, priced into its charge.

Kept apart from the planner so that the common case stays one comparison: a model without
`input_cache_read`, or a prompt under `MIN_PREFIX_TOKENS`, has no cache points, and then
nothing here runs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from orkit.sim.caching import MIN_PREFIX_TOKENS, CacheUse, Prefix, cache_points, is_explicit
from orkit.sim.pricing import CacheBill, Prices, with_cache
from orkit.sim.tokenizer import prompt_tokens

if TYPE_CHECKING:
    from orkit.sim.planner import ChatPlan
    from orkit.sim.request import ChatRequest
    from orkit.sim.routing import Target
    from orkit.sim.runtime import Endpoint
    from orkit.sim.simulator import Simulator

__all__ = ["cache_plan", "prompt_points", "sticky_endpoint"]

_REPLY_PRIMING = prompt_tokens(())


def prompt_points(request: ChatRequest, target: Target, tokens_in: int) -> tuple[Prefix, ...]:
    """The cacheable prefixes of the request's prompt on this model: none for a model that
    cannot cache or a prompt too short to."""
    runtime = target.runtime
    if runtime.prices.cache_read is None or tokens_in - _REPLY_PRIMING < MIN_PREFIX_TOKENS:
        return ()
    tools = request.body.get("tools")
    return cache_points(request.messages, tools, explicit=is_explicit(runtime.id))


def sticky_endpoint(
    sim: Simulator,
    request: ChatRequest,
    target: Target,
    account: int,
    points: tuple[Prefix, ...],
    ordered: list[Endpoint],
) -> Endpoint:
    """The endpoint to serve: the first of `ordered`, or (under default load balancing; an
    explicit `order` or `sort` wins) the one whose provider already caches the longest
    prefix of this prompt, among those tried as early (BYOK endpoints stay first).
    `account`: the `id()` of the request's account."""
    first = ordered[0]
    prefs = request.prefs
    if not points or len(ordered) < 2 or prefs.order or prefs.sort or target.variant_sort:
        return first
    byok = sim.config.is_byok
    tier = byok(first.provider.slug, first.provider.name)
    peers = [e for e in ordered if byok(e.provider.slug, e.provider.name) == tier]
    slugs = [e.provider.slug for e in peers]
    now = sim.clock.emulated_now()
    slug = sim.prompt_cache.sticky_slug(account, target.runtime.id, points, slugs, now)
    return next((e for e in peers if e.provider.slug == slug), first)


def cache_plan(sim: Simulator, plan: ChatPlan, points: tuple[Prefix, ...]) -> ChatPlan:
    """`plan` after its prompt read and wrote its provider's cache, charged accordingly.
    Its writes become readable at its first token."""
    clock = sim.clock
    times = (clock.emulated_now(), clock.emulated_at(clock.now() + plan.ttft_s))
    scope = (id(plan.account), plan.endpoint.provider.slug, plan.model_id)
    explicit = is_explicit(plan.model_id)
    use = sim.prompt_cache.serve(scope, points, times, explicit=explicit)
    if use is None:
        return plan
    bill = _cache_bill(plan.target.runtime.prices, plan, use)
    return replace(plan, charge=with_cache(plan.charge, bill), cache_bill=bill)


def _cache_bill(prices: Prices, plan: ChatPlan, use: CacheUse) -> CacheBill:
    """The split at the endpoint's rates; written tokens count only at a write price (a
    model without one writes for free and reports none)."""
    multiplier = plan.endpoint.multiplier
    prompt_rate, _ = prices.rates(plan.prompt_tokens, plan.utc_hhmm)
    rates = prices.cache_rates(plan.prompt_tokens, plan.utc_hhmm, one_hour=use.one_hour)
    read_rate, write_rate = rates if rates is not None else (prompt_rate, None)
    return CacheBill(
        read_tokens=use.read,
        write_tokens=use.written if write_rate is not None else 0,
        prompt_rate=prompt_rate * multiplier,
        read_rate=read_rate * multiplier,
        write_rate=(write_rate if write_rate is not None else prompt_rate) * multiplier,
    )
