"""`Sweep.estimate()`: requests, tokens, cost (low / expected / high), cache hits, judge calls,
duration under the limits in force and the budget verdict, before anything is sent.

The dataset is read and rendered once (`measure_plan`); every model and params set is then
priced with numpy over those arrays, so 100,000 rows × 20 models take about a second.
Prompt tokens are counted request by request with orkit's own counter on `sim` (so the
emulator's billed counts check it) unless `ORKIT_ESTIMATE_PROMPT_TOKENS=family`, elsewhere
tokenizer-family estimates corrected by calibration; answer lengths come from calibration
(past runs or a pilot),
`max_tokens`, or a default with a wide band. Offline (or without a key) the prices are the
bundled snapshot's, and the footer says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from orkit._settings import load_settings
from orkit.catalog import Catalog, ModelInfo
from orkit.client import AsyncOpenRouter
from orkit.cost import (
    Calibration,
    Estimate,
    LaneLoad,
    LineEstimate,
    WorkGroup,
    count_prompt_tokens,
    plan_duration,
)
from orkit.estimate._byok import byok_lines, byok_notes
from orkit.estimate._cache_notes import per_item_breakpoint_notes
from orkit.estimate._context import (
    PriceContext,
    price_context,
)
from orkit.estimate._embed_texts import expected_texts
from orkit.estimate._lines import (
    LineInputs,
    judge_calls_per_task,
    judge_lines,
    model_line,
)
from orkit.estimate._prefixes import SharedPrefix
from orkit.estimate._prompt_cache import (
    CacheInputs,
    CacheSettings,
    cache_settings,
    emulated_time_scale,
    emulated_window_scale,
    prompt_cache_line,
)
from orkit.estimate._spill import FallbackPricer, first_paid, spill_notes, with_spill
from orkit.estimate._workload import (
    PromptCounter,
    PromptSizes,
    as_sent,
    cache_hit_share,
    measure_plan,
    media_notes,
)
from orkit.plan import (
    Endpoint,
    Plan,
    cache_ident,
    cache_path,
    calibration_endpoint,
    chain_of,
    check_judge_models,
    check_param_support,
    check_routes,
    check_scorer_columns,
    fallback_models,
    plan_sweep,
    router_options_for,
)
from orkit.stats import minimum_detectable_difference

if TYPE_CHECKING:
    from orkit.plan import SweepDefinition

__all__ = ["estimate_with_client"]


async def estimate_with_client(
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    client: AsyncOpenRouter | None,
    *,
    offline: bool = False,
    as_of: float | None = None,
) -> Estimate:
    """The estimate, asking `client` (the run's own, or None offline) for prices. `as_of`
    (a `time.time()`) makes it as it would have been then: a run estimates itself while its
    last requests are in flight, when the response cache already holds its answers."""
    started = time.perf_counter()
    scorers = sweep.scorer_objects
    plan = plan_sweep(sweep, validate=False)
    columns = plan.dataset.columns()
    for _, template in plan.prompts:
        template.check_columns(columns, path=plan.dataset.path)
    check_scorer_columns(scorers, columns, dataset=plan.dataset.path, spec_path=sweep.spec_path)
    options = router_options_for(sweep, endpoint) if endpoint else sweep.router_options()
    ctx = await price_context(sweep, endpoint, client, offline=offline, options=options)
    if ctx.catalog is not None and (endpoint is None or endpoint.uses_catalog):
        check_judge_models(scorers, ctx.catalog, path=sweep.spec_path)
        ctx.catalog.require(sweep.all_models)
        ctx.catalog.require(fallback_models(sweep))
        ctx.notes.extend(f"warning: {w}" for w in check_param_support(sweep, ctx.catalog))
    ctx.notes.extend(unpriced_notes(sweep, ctx.catalog))
    check_routes(sweep, ctx.endpoints)  # before any line is priced
    # read once: every model's line, the cue check and the server note come from it
    calibration = Calibration.load(load_settings().cache_dir)
    cues = _cues_learnt(sweep, endpoint, calibration)
    sizes = measure_plan(plan, _prompt_counter(endpoint), cues=cues)
    lines, lanes, priced = _model_lines(plan, sweep, endpoint, ctx, sizes, calibration, as_of)
    pricer = _fallback_pricer(plan, sweep, endpoint, ctx, sizes, calibration, as_of)
    lines, quota = with_spill(lines, lanes, ctx.quota, _paid_fallbacks(sweep, ctx), pricer)
    duration = plan_duration(lanes, sweep.in_flight.total, quota)
    # caching before BYOK: the provider's price has the cache split, and the fee is on it
    cache = _CacheRun(endpoint, ctx, sizes, calibration, cache_settings(sweep))
    lines = [cache.line(line, lanes, priced, duration.by_model) for line in lines]
    lines = byok_lines(lines, sweep.byok)
    lines = [
        _timed(line, duration.by_model.get(line.model), duration.quota_days.get(line.model))
        for line in lines
    ]
    return Estimate(
        lines=lines,
        duration_s=duration.seconds,
        budget_usd=sweep.budget_usd,
        prices=ctx.prices,
        notes=(
            *ctx.notes,
            *media_notes(sizes),
            *_unlearnt_server(sweep, endpoint, calibration),
            *byok_notes(lines),
            *spill_notes(lines, ctx.quota),
            *per_item_breakpoint_notes(sweep.prompt_cache, lines, cache.shared),
        ),
        deferred_free_requests=duration.deferred,
        seconds_to_estimate=time.perf_counter() - started,
        prices_known=ctx.catalog is not None,
        **_power(sweep, sizes),
    )


@dataclass(frozen=True)
class _CacheRun:
    """What every model's prompt-cache figures share in one estimate."""

    endpoint: Endpoint | None
    ctx: PriceContext
    sizes: list[PromptSizes]
    calibration: Calibration
    settings: CacheSettings
    shared: dict[tuple[int, bool], list[SharedPrefix]] = field(default_factory=dict)

    def line(
        self,
        line: LineEstimate,
        lanes: list[LaneLoad],
        priced: dict[str, list[tuple[Any, WorkGroup]]],
        seconds: dict[str, float],
    ) -> LineEstimate:
        lane = next((ln for ln in lanes if ln.model == line.model), None)
        if line.role != "model" or lane is None or line.model not in priced:
            return line
        endpoint = self.endpoint
        inputs = CacheInputs(
            info=_info(self.ctx.catalog, line.model),
            cal=self.calibration.get(calibration_endpoint(endpoint), line.model),
            groups=priced[line.model],
            sizes=self.sizes,
            lane=lane,
            seconds=seconds.get(line.model),
            counted=_counts_each_prompt(endpoint),
            latency_scale=emulated_time_scale(endpoint),
            ttl_scale=emulated_window_scale(endpoint),
            shared=self.shared,
        )
        return prompt_cache_line(line, inputs, self.settings)


def _unlearnt_server(
    sweep: SweepDefinition, endpoint: Endpoint | None, calibration: Calibration
) -> list[str]:
    """A note when a URL endpoint's duration rests on OpenRouter's priors: a local server
    may answer one request at a time, and only a run there tells."""
    if endpoint is None or endpoint.kind != "url":
        return []
    key = calibration_endpoint(endpoint)
    learnt = [calibration.get(key, m) for m in sweep.endpoint_model_ids]
    if all(c is not None and c.service_s is not None for c in learnt):
        return []
    return [
        f"the duration assumes {endpoint.base_url} serves {sweep.concurrency} requests at "
        "once; its own speed and capacity are learnt from the first run there"
    ]


def _power(sweep: SweepDefinition, sizes: list[PromptSizes]) -> dict[str, Any]:
    """What a comparison of two of the sweep's contestants (model × prompt × params) could
    tell apart: shown before a run, so that a sample too small to separate them is caught
    before paying for it. They pair on the dataset item, so n is the items, however many
    prompts and param sets multiply the tasks."""
    items = max((size.rows for size in sizes), default=0)
    contestants = len(sweep.models) * len(sizes) * len(sweep.param_sets())
    if contestants < 2 or items == 0:
        return {"compared_items": items}
    mdd = minimum_detectable_difference(items)
    return {
        "compared_items": items,
        "detectable_difference": None if mdd == float("inf") else mdd,
    }


def _counts_each_prompt(endpoint: Endpoint | None) -> bool:
    """Prompt tokens are counted request by request (`orkit.cost.count_prompt_tokens`) on the
    emulator, unless `ORKIT_ESTIMATE_PROMPT_TOKENS=family` asks for the tokenizer-family path
    that real OpenRouter gets (to measure that path's accuracy offline)."""
    if endpoint is None or endpoint.kind != "sim":
        return False
    return load_settings().estimate_prompt_tokens == "counted"


def _cues_learnt(
    sweep: SweepDefinition, endpoint: Endpoint | None, calibration: Calibration
) -> bool:
    """Some model's answer lengths were learnt per length cue: each row's cue is then worth
    reading (a few µs a row); with nothing learnt every row gets the default band anyway."""
    key = calibration_endpoint(endpoint)
    learnt = (calibration.get(key, m) for m in sweep.all_models)
    return any(c is not None and c.knows_cues for c in learnt)


def _prompt_counter(endpoint: Endpoint | None) -> PromptCounter | None:
    """orkit's own count of each request's prompt tokens, on the emulator: not the emulator's
    tokenizer, which would make its billed counts agree with the estimate by construction."""
    if not _counts_each_prompt(endpoint):
        return None
    return count_prompt_tokens


def _timed(line: LineEstimate, seconds: float | None, days: float | None) -> LineEstimate:
    if line.role != "model":
        return line
    return replace(line, duration_s=seconds, quota_days=days)


def _info(catalog: Catalog | None, model: str) -> ModelInfo:
    found = catalog.get(model) if catalog is not None else None
    if found is None and catalog is not None:
        # `/models` lists text models only: an embedding model's price is the bundled one.
        found = Catalog.bundled(all_modalities=True).get(model)
    if found is not None:
        return found
    # A server that does not price this model (self-hosted): it costs nothing here.
    placeholder = Catalog.from_raw([{"id": model}], source="live", snapshot_date="")
    info = placeholder.get(model)
    assert info is not None
    return info


def _model_lines(
    plan: Plan,
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    ctx: PriceContext,
    sizes: list[PromptSizes],
    calibration: Calibration,
    as_of: float | None = None,
) -> tuple[list[LineEstimate], list[LaneLoad], dict[str, list[tuple[Any, WorkGroup]]]]:
    cal_key = calibration_endpoint(endpoint)
    param_sets = sweep.param_sets()
    scale = emulated_time_scale(endpoint)
    lines: list[LineEstimate] = []
    lanes: list[LaneLoad] = []
    priced = {}
    for model in sweep.endpoint_model_ids:  # (those with their own endpoint: estimated there)
        sent = as_sent(sizes, plan.marks_for(model))  # the response cache keys what is sent
        shares = _hit_shares(sweep, endpoint, model, param_sets, sent, as_of)
        chains = [_chain(sweep, model, params) for params in param_sets]
        inputs = LineInputs(
            param_sets=param_sets,
            repeats=sweep.repeats,
            hit_shares=shares,
            counted=_counts_each_prompt(endpoint),
            latency_scale=scale,
            concurrency=sweep.in_flight.per_model,
            limits=sweep.routing_settings.options.limits,
            server_paced=endpoint is not None and endpoint.kind == "url",
            fallbacks={
                m: (_info(ctx.catalog, m), ctx.endpoints.get(m)) for chain in chains for m in chain
            },
            chains=chains,
        )
        info = _info(ctx.catalog, model)
        cal = calibration.get(cal_key, model)
        line, lane, groups = model_line(info, sizes, cal, ctx.endpoints.get(model), inputs)
        lines.append(line)
        lanes.append(lane)
        priced[model] = groups
    judges = []
    for scorer in sweep.scorer_objects:
        judge_model = getattr(scorer, "judge_model", None)
        if isinstance(judge_model, str) and judge_calls_per_task(scorer):
            info = _info(ctx.catalog, judge_model)
            judges.append((scorer, info, calibration.get(cal_key, judge_model)))
    first = sweep.contestants[0].model_id  # a pairwise judge's default baseline
    texts = expected_texts(plan, judges, _counts_each_prompt(endpoint))  # `similar`'s
    lines.extend(judge_lines(judges, priced, ctx.endpoints, first_model=first, embedded=texts))
    return lines, lanes, priced


def _chain(sweep: SweepDefinition, model: str, params: dict[str, Any]) -> list[str]:
    """The models that may answer a request to `model` with `params`: OpenRouter's `models`
    list, then the sweep's client-side fallbacks (each once, never the model itself)."""
    chain = dict.fromkeys([*chain_of(params), *sweep.fallbacks.get(model, ())])
    chain.pop(model, None)
    return list(chain)


def unpriced_notes(sweep: SweepDefinition, catalog: Catalog | None) -> list[str]:
    """A line for each model the catalog lists without a price: a router (`openrouter/auto`
    and its kind, `"-1"` in /models) bills the model it picks per request, which nobody
    knows in advance; its line's `$0` is no estimate, and the total leaves it out."""
    if catalog is None:
        return []
    out = []
    for model in sweep.endpoint_model_ids:
        info = catalog.get(model)
        if info is not None and info.prompt_price is None and not info.is_free:
            out.append(
                f"{model} has no listed price (it picks a model per request and bills that "
                "model's): its cost is unknown, and the totals leave it out"
            )
    return out


def _paid_fallbacks(sweep: SweepDefinition, ctx: PriceContext) -> dict[str, list[str | None]]:
    """Per free model, per params set: the paid model its requests past today's free quota
    go to (`orkit.estimate._spill`), None when its chain has none."""
    catalog = ctx.catalog
    if catalog is None:  # no prices: nothing to price a spill at
        return {}
    out = {}
    for model in sweep.endpoint_model_ids:
        info = catalog.get(model)
        if info is not None and info.is_free:
            chains = (_chain(sweep, model, params) for params in sweep.param_sets())
            out[model] = [first_paid(c, lambda m: _info(catalog, m).is_free) for c in chains]
    return out


def _fallback_pricer(
    plan: Plan,
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    ctx: PriceContext,
    sizes: list[PromptSizes],
    calibration: Calibration,
    as_of: float | None,
) -> FallbackPricer:
    """A free model's requests with one params set as its paid fallback would answer
    them: its own tokenizer, answer lengths, reasoning and providers' prices."""
    cal_key = calibration_endpoint(endpoint)

    def price(model: str, k: int, paid: str) -> tuple[LineEstimate, float]:
        params = sweep.param_sets()[k]
        # the response cache holds the free model's answers: its hits are the same
        sent = as_sent(sizes, plan.marks_for(model))
        shares = _hit_shares(sweep, endpoint, model, [params], sent, as_of)
        inputs = LineInputs([params], sweep.repeats, shares, _counts_each_prompt(endpoint))
        info, cal = _info(ctx.catalog, paid), calibration.get(cal_key, paid)
        line, lane, _ = model_line(info, sizes, cal, ctx.endpoints.get(paid), inputs)
        return line, lane.requests

    return price


def _hit_shares(
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    model: str,
    param_sets: list[dict[str, Any]],
    sizes: list[PromptSizes],
    as_of: float | None,
) -> dict[tuple[int, int], float]:
    if not sweep.cache:
        return {}
    # Without a server to look up, only the run's own repeated requests are counted as hits.
    path, ident = (None, "") if endpoint is None else (cache_path(), cache_ident(endpoint))
    return {
        (p, k): cache_hit_share(path, ident, model, params, size, sweep.repeats, as_of)
        for p, size in enumerate(sizes)
        for k, params in enumerate(param_sets)
    }
