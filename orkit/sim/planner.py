"""Decide everything about one chat request up front: the `ChatPlan`.

Order of checks (each failure is the real OpenRouter error): body validation (400) ->
model ids (400) -> account balance (402) -> for each candidate model (`model`, then
`models`): endpoints (404), tools/images/files the model cannot take (404,
`orkit.sim.capabilities`), context length (400), affordability (402), free-model limits
(429), outage windows (502), upstream limit (429), an injected HTTP error -> the first
candidate that passes serves; if none does, the first retryable error (else the first
error) is returned. A fault the delivery acts out (mid-stream error, drop, stall, empty
completion) is decided with the served model. Delivery only paces and sends the plan.
A plain request is answered by `orkit.sim.answers`; one with tools, a JSON format,
reasoning or media by `orkit.sim.rich_answers`. Prompt tokens add the offered tools' JSON
and the images' and files' tokens (`orkit.sim.media`). A prompt long enough to cache reads
and writes its provider's prompt cache (`orkit.sim.caching`), which also steers the choice
of provider to the one that holds its prefix (cache-aware routing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

from orkit.sim._hashing import alnum, unit, unit_range
from orkit.sim.answers import Answer, compose
from orkit.sim.cache_plan import cache_plan, prompt_points, sticky_endpoint
from orkit.sim.caching import Prefix
from orkit.sim.capabilities import extra_prompt_tokens, refusal
from orkit.sim.errors import SimError, error, fault_error, not_found, upstream_rate_limited
from orkit.sim.faults import Fault
from orkit.sim.ledger import Account
from orkit.sim.pricing import CacheBill, Charge, charge, with_byok
from orkit.sim.request import ChatRequest, parse_chat
from orkit.sim.rich_answers import compose_rich
from orkit.sim.routing import Target, retryable_first
from orkit.sim.runtime import Endpoint
from orkit.sim.tokenizer import prompt_tokens

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = ["ChatPlan", "plan_chat"]

_NATIVE = MappingProxyType(
    {
        "openai": {"stop": "stop", "length": "length", "tool_calls": "tool_calls"},
        "google": {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"},
        "anthropic": {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"},
    }
)
_CREDITS_URL = "https://openrouter.ai/settings/credits"
_ZERO = Decimal(0)


@dataclass(frozen=True)
class ChatPlan:
    """Everything the delivery of one completion needs, decided before the first byte."""

    request: ChatRequest
    account: Account
    gen_id: str
    created: int
    target: Target
    endpoint: Endpoint
    answer: Answer
    native_finish: str | None
    prompt_tokens: int
    charge: Charge
    fault: Fault | None
    ttft_s: float
    """Real seconds to the first token."""
    token_s: float
    """Real seconds per output token."""
    emulated_ms: tuple[int, int]
    """(time to first token, total generation time) in emulated milliseconds."""
    utc_hhmm: int
    """Emulated UTC time of day the prices were read at (time-of-day overrides)."""
    cache_bill: CacheBill | None = None
    """What the prompt read from and wrote to the provider's cache, at which rates (None:
    nothing cacheable); an aborted completion's partial charge keeps the same split."""

    @property
    def model_id(self) -> str:
        """The model that served (the billing model)."""
        return self.target.runtime.id

    @property
    def completion_tokens(self) -> int:
        """Completion tokens: content, reasoning and tool calls."""
        return self.answer.tokens


def plan_chat(sim: Simulator, key: str, raw: bytes) -> ChatPlan:
    """Validate, route, limit and answer one request; raise `SimError` for HTTP errors."""
    user_id = sim.config.user_id
    request = parse_chat(raw, user_id)
    if sim.config.local_server and request.model_ids[0] not in sim.config.models:
        # vLLM's and Ollama's answer; a local server serves its own models only
        raise not_found(f"The model `{request.model_ids[0]}` does not exist.")
    # Repeats are counted per body as sent: on one emulator, a sweep with `prompt_cache` and
    # the same sweep without each meet their first draws, so they answer alike.
    occurrence = sim.occurrence(request.body_hash)
    account = sim.accounts.get(key)
    account.requests += 1
    sim.stats.by_model[request.model_ids[0]] += 1
    targets = [sim.router.resolve(m, request, user_id) for m in request.model_ids]
    _check_balance(sim, account)
    tokens_in = prompt_tokens(request.messages)
    if request.extras is not None:
        tokens_in += extra_prompt_tokens(request)
    pick = unit(sim.config.seed, "route", request.seed_hash, occurrence)
    errors: list[SimError] = []
    for target in targets:
        try:
            points = prompt_points(request, target, tokens_in)
            endpoint = _attempt(sim, request, target, account, tokens_in, pick, points)
            fault = _fault(sim, request, target, endpoint, occurrence)
            break
        except SimError as exc:  # any error of a candidate falls through to the next one
            errors.append(exc)
    else:
        raise retryable_first(errors)
    plan = _build(sim, request, account, target, endpoint, tokens_in, occurrence, fault)
    if points:
        plan = cache_plan(sim, plan, points)
    return plan


def _fault(
    sim: Simulator, request: ChatRequest, target: Target, endpoint: Endpoint, occurrence: int
) -> Fault | None:
    """The injected fault for this candidate; an injected HTTP error is raised."""
    model_id = target.runtime.id
    fault = sim.faults.decide(
        request.seed_hash,
        occurrence,
        model_id,
        provider_slug=endpoint.provider.slug,
        elapsed_s=sim.window_elapsed(),
    )
    if fault is not None and fault.kind == "status":
        faults = sim.config.faults
        hint = fault.retry_after_s
        if hint is None:
            hint = faults.retry_after_s if faults is not None else 0.0
        retry = sim.clock.latency(hint)
        user_id = sim.config.user_id
        raise fault_error(fault.status, model_id, endpoint.provider.name, retry, user_id)
    return fault


def _attempt(
    sim: Simulator,
    request: ChatRequest,
    target: Target,
    account: Account,
    tokens_in: int,
    pick: float,
    points: tuple[Prefix, ...],
) -> Endpoint:
    user_id = sim.config.user_id
    ordered = sim.router.endpoints(target, request, pick, user_id)
    endpoint = sticky_endpoint(sim, request, target, id(account), points, ordered)
    if request.extras is not None:
        refused = refusal(request.extras, target.runtime, user_id)
        if refused is not None:
            raise refused
    _check_context(target, request, tokens_in, user_id)
    _check_affordable(sim, account, target, endpoint, request, tokens_in)
    model_id = target.runtime.id
    if target.runtime.is_free:
        sim.free_tier.admit(account.free)
    if sim.in_outage(model_id):
        metadata = {
            "raw": f"{endpoint.provider.name} is temporarily unavailable",
            "provider_name": endpoint.provider.name,
            "error_type": "provider_unavailable",
        }
        raise error(502, "Provider returned error", metadata=metadata, user_id=user_id)
    wait = sim.upstream.take(model_id)
    if wait is not None:
        raise upstream_rate_limited(model_id, endpoint.provider.name, wait, user_id)
    return endpoint


def _check_balance(sim: Simulator, account: Account) -> None:
    credits = sim.config.credits_usd
    if credits is not None and Decimal(str(credits)) - account.usage <= 0:
        raise error(
            402,
            "Insufficient credits. Add more using https://openrouter.ai/credits",
            metadata={"provider_name": None},
            user_id=sim.config.user_id,
        )


def _check_context(target: Target, request: ChatRequest, tokens_in: int, user_id: str) -> None:
    limit = target.runtime.context_length
    wanted = tokens_in + (request.max_tokens or 0)
    if wanted <= limit:
        return
    detail = f"{tokens_in} of text input"
    if request.max_tokens:
        detail += f", {request.max_tokens} in the output"
    message = (
        f"This endpoint's maximum context length is {limit} tokens. However, you requested "
        f"about {wanted} tokens ({detail}). Please reduce the length of either one, or use "
        "the context-compression plugin to compress your prompt automatically."
    )
    raise error(400, message, metadata={"provider_name": None}, user_id=user_id)


def _check_affordable(
    sim: Simulator,
    account: Account,
    target: Target,
    endpoint: Endpoint,
    request: ChatRequest,
    tokens_in: int,
) -> None:
    credits = sim.config.credits_usd
    if credits is None:
        return
    runtime = target.runtime
    prompt_rate, completion_rate = runtime.prices.rates(tokens_in, sim.clock.utc_hhmm())
    completion_rate *= endpoint.multiplier
    if completion_rate <= 0:
        return
    balance = Decimal(str(credits)) - account.usage
    fixed = (tokens_in * prompt_rate + runtime.prices.request) * endpoint.multiplier
    affordable = max(0, math.floor((balance - fixed) / completion_rate))
    wanted = request.max_tokens or runtime.max_completion_tokens or runtime.context_length
    if wanted > affordable:
        message = (
            f"This request requires more credits, or fewer max_tokens. You requested up to "
            f"{wanted} tokens, but can only afford {affordable}. To increase, visit "
            f"{_CREDITS_URL} and upgrade to a paid account"
        )
        raise error(402, message, metadata={"provider_name": None}, user_id=sim.config.user_id)


def _build(
    sim: Simulator,
    request: ChatRequest,
    account: Account,
    target: Target,
    endpoint: Endpoint,
    tokens_in: int,
    occurrence: int,
    fault: Fault | None,
) -> ChatPlan:
    seed = sim.config.seed
    cap = request.max_tokens
    if endpoint.max_completion_tokens is not None:
        cap = min(cap or endpoint.max_completion_tokens, endpoint.max_completion_tokens)
    if fault is not None and fault.kind == "empty_completion":
        answer = Answer.empty()
    elif request.extras is None and not sim.config.default_reasoning:
        answer = compose(
            sim.solvers, target.runtime, request, seed=seed, occurrence=occurrence, max_tokens=cap
        )
    else:
        answer = compose_rich(
            sim.solvers,
            target.runtime,
            endpoint.supported,
            request,
            seed=seed,
            occurrence=occurrence,
            max_tokens=cap,
            options=sim.rich_options,
        )
    if fault is not None and fault.kind == "mid_stream_error" and not request.stream:
        half = answer.pieces[: len(answer.pieces) // 2]
        answer = Answer("".join(half), half, "error", correct=False)
    utc_hhmm = sim.clock.utc_hhmm()
    media = request.extras.media if request.extras is not None else None
    price = with_byok(
        charge(
            target.runtime.prices,
            endpoint.multiplier,
            (tokens_in, answer.tokens),
            answer.finish_reason,
            web_search=target.online or request.web_search,
            utc_hhmm=utc_hhmm,
            images=len(media.images) if media is not None else 0,
            parsing=media.parsing_fee(_input_modalities(target)) if media is not None else _ZERO,
        ),
        sim.config.is_byok(endpoint.provider.slug, endpoint.provider.name),
    )
    spread = sim.config.latency_jitter
    jitter = unit_range(1 / spread, spread, seed, "jitter", request.seed_hash, occurrence)
    ttft = endpoint.ttft_s * jitter
    total = ttft + answer.tokens / endpoint.tokens_per_s
    created = int(sim.clock.now())
    return ChatPlan(
        request=request,
        account=account,
        gen_id=f"gen-{created}-{alnum(20, seed, request.body_hash, sim.next_sequence())}",
        created=created,
        target=target,
        endpoint=endpoint,
        answer=answer,
        native_finish=_native(answer, endpoint.finish_style),
        prompt_tokens=tokens_in,
        charge=price,
        fault=fault,
        ttft_s=sim.clock.latency(ttft),
        token_s=sim.clock.latency(1.0 / endpoint.tokens_per_s),
        emulated_ms=(int(ttft * 1000), int(total * 1000)),
        utc_hhmm=utc_hhmm,
    )


def _input_modalities(target: Target) -> Sequence[str]:
    architecture = target.runtime.entry.get("architecture") or {}
    return architecture.get("input_modalities") or ("text",)


def _native(answer: Answer, style: str) -> str | None:
    reason = answer.finish_reason
    if reason is None or reason == "error":
        return reason
    if answer.stop_hit and style == "anthropic":
        return "stop_sequence"
    return _NATIVE[style].get(reason, reason)
