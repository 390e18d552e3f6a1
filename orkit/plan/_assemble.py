"""Assemble what a run goes through: the plan of its tasks, the checks that need no network
and the ones that need only GETs, the client, the router's options and quota, and the
prices a budget reserves at."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from orkit._settings import load_settings
from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.data import open_dataset, with_path
from orkit.errors import APIError, ConfigError, DatasetError
from orkit.plan._cache_breakpoints import resolve_breakpoints
from orkit.plan._checks import ENDPOINT_KINDS
from orkit.plan._contestant_sweeps import contestant_endpoints, own_endpoint_sweeps
from orkit.plan._endpoint import Endpoint, check_endpoint, open_client, resolve_endpoint
from orkit.plan._judge_models import check_judge_models
from orkit.plan._param_support import check_param_support
from orkit.plan._plan import Plan, validate_dataset
from orkit.plan._prompt_tables import template_of
from orkit.plan._route_checks import check_routes, fallback_models, load_route_endpoints
from orkit.plan._scorer_columns import check_scorer_columns
from orkit.plan._server import key_info, server_catalog
from orkit.plan._tool_loop import check_tool_results_column
from orkit.router import DailyQuota, Router, RouterOptions, account_id
from orkit.types import Secret

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "check_input",
    "check_routes_of",
    "daily_quota",
    "is_local_server",
    "plan_sweep",
    "preflight_async",
    "prepare",
    "price_catalog",
    "router_options_for",
    "seed_quota",
    "sweep_client",
]


def plan_sweep(sweep: SweepDefinition, *, validate: bool = True) -> Plan:
    """The sweep's expansion; with `validate`, every row is read and rendered first."""
    dataset = open_dataset(sweep.dataset, id_field=sweep.id_field)
    prompts = [(pid, template_of(pid, v)) for pid, v in sweep.prompts.items()]
    plan = Plan(
        dataset=dataset,
        prompts=prompts,
        models=sweep.model_names,
        param_sets=sweep.param_sets(),
        repeats=sweep.repeats,
        sent_as={c.name: c.model_id for c in sweep.contestants if c.name != c.model_id},
    )
    if validate:
        validate_dataset(dataset, [t for _, t in prompts], plan.file_facts)
    if sweep.prompt_cache != "none":
        settings = (sweep.prompt_cache, sweep.cache_ttl)
        try:
            marks = resolve_breakpoints(settings, plan.renderers(), dataset, sweep.spec_path)
        except DatasetError as exc:  # a row's error names the line and column; add the file
            raise with_path(exc, dataset.path) from None
        plan = replace(plan, breakpoints=marks)
    return plan


def prepare(
    sweep: SweepDefinition, *, api_key: str | Secret | None = None
) -> tuple[Plan, Endpoint, int]:
    """Every check that needs no network: the user's own input (`check_input`), then the
    endpoint and its key. Raises a ConfigError subclass naming what is wrong; sends nothing."""
    plan, rows = check_input(sweep)
    # After the input: a missing key is not the problem to report for a dataset that is not
    # there (`orkit run nope.jsonl ...` said "no OpenRouter API key").
    endpoint = resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key)
    if sweep.own_endpoints:
        plan = replace(plan, endpoints=contestant_endpoints(sweep, api_key))
    return plan, endpoint, rows


def check_input(sweep: SweepDefinition) -> tuple[Plan, int]:
    """The checks of what the user wrote, needing neither a key nor a network: scorers, model
    ids and params against the bundled catalog (OpenRouter and the emulator), then every
    dataset row rendered with every template, and the scorers' columns. The plan and the
    number of rows."""
    scorers = sweep.scorer_objects
    if sweep.endpoint in ENDPOINT_KINDS:  # OpenRouter's model ids, checked offline
        check_judge_models(scorers, Catalog.bundled(), path=sweep.spec_path)  # names scorers[i]
        Catalog.bundled().require([*sweep.all_models, *fallback_models(sweep)])
        check_param_support(sweep, Catalog.bundled())  # the warnings: estimate and dry run
    for sub, _ in own_endpoint_sweeps(sweep):  # model entries with endpoints of their own
        if sub.endpoint in ENDPOINT_KINDS:
            Catalog.bundled().require(sub.all_models)
            check_param_support(sub, Catalog.bundled())
    plan = plan_sweep(sweep, validate=False)
    check_scorer_columns(
        scorers, plan.dataset.columns(), dataset=plan.dataset.path, spec_path=sweep.spec_path
    )
    check_tool_results_column(sweep, plan.dataset.columns())
    rows = validate_dataset(plan.dataset, [t for _, t in plan.prompts], plan.file_facts)
    return plan, rows


async def preflight_async(sweep: SweepDefinition, endpoint: Endpoint) -> list[str]:
    """Every check a run makes of the server before its first request, with GETs only: it
    answers and takes the key, a URL endpoint serves the models (`/models`, with a
    did-you-mean), and some provider passes each params set's filters. `orkit run` makes
    these before it shows an estimate, and a dry run makes them all; of each endpoint a
    model entry names too. Returns warnings."""
    async with open_client(endpoint, timeouts=sweep.timeouts(), preflight=False) as client:
        warnings = await check_endpoint(client, endpoint, sweep.all_models)
        await check_routes_of(sweep, endpoint, client)
    resolved = contestant_endpoints(sweep) if sweep.own_endpoints else {}
    for sub, names in own_endpoint_sweeps(sweep):
        own = resolved[names[0]]
        async with open_client(own, timeouts=sweep.timeouts(), preflight=False) as client:
            warnings += await check_endpoint(client, own, sub.all_models)
            await check_routes_of(sub, own, client)
    return warnings


async def check_routes_of(
    sweep: SweepDefinition, endpoint: Endpoint, client: AsyncOpenRouter
) -> None:
    if endpoint.uses_catalog:  # fetches only when a params set filters providers
        check_routes(sweep, await load_route_endpoints(sweep, endpoint, client))


def sweep_client(
    sweep: SweepDefinition, endpoint: Endpoint
) -> AbstractAsyncContextManager[AsyncOpenRouter]:
    """The client a run (or resume, or re-score) of `sweep` talks to `endpoint` with."""
    return open_client(
        endpoint,
        max_connections=sweep.in_flight.connections,
        timeouts=sweep.timeouts(),
        models=sweep.all_models,
    )


def router_options_for(
    sweep: SweepDefinition, endpoint: Endpoint, *, local_server: bool = False
) -> RouterOptions:
    """The sweep's routing settings, plus what orkit knows about the endpoint: the emulator
    runs its free-model windows on a time scale; OpenRouter's daily free quota is shared by
    every process of the account, so its counter lives in the user cache dir; a local
    server's concurrency is learnt from its latency (`local_server`: see `is_local_server`)."""
    overrides: dict[str, Any] = {}
    quota_path = None
    if endpoint.kind == "sim":
        scale = endpoint.sim.get("window_scale", endpoint.sim.get("time_scale", 1.0))
        overrides["free_window_s"] = 60.0 * max(float(scale), 1e-9)
        overrides["free_per_minute"] = int(endpoint.sim.get("free_per_minute", 20))
    elif endpoint.kind == "openrouter" and endpoint.api_key is not None:
        name = f"{account_id(endpoint.api_key.reveal())}.json"
        quota_path = load_settings().cache_dir / "free-quota" / name
    if local_server:
        # it queues what it cannot serve at once, and says so only by slowing down
        overrides["capacity_from_latency"] = True
    return sweep.router_options(overrides, quota_path)


def is_local_server(endpoint: Endpoint, client: AsyncOpenRouter) -> bool:
    """A URL endpoint without OpenRouter's `/key` (known after the preflight): llama.cpp,
    vLLM, Ollama. An OpenRouter-compatible proxy (or `orkit sim` on a port) has one, and
    answers 429 when full, so the 429-driven limits suit it."""
    return endpoint.kind == "url" and client.lacks("/key")


def daily_quota(options: RouterOptions, endpoint: Endpoint) -> DailyQuota:
    """OpenRouter's free-model daily quota: 50 until `GET /key` says otherwise. Other
    OpenAI-compatible servers have none unless their /key reports one."""
    default = 50 if endpoint.uses_catalog else 10**9
    return DailyQuota(limit=options.free_per_day or default, path=options.quota_path)


async def seed_quota(router: Router, client: AsyncOpenRouter) -> None:
    """Start from the server's count of today's free-model requests, when it has one."""
    try:
        router.seed_from_key(await key_info(client))
    except APIError:
        pass  # servers without /key: the local counter applies


async def price_catalog(endpoint: Endpoint, client: AsyncOpenRouter) -> Catalog:
    """Prices for a budget: OpenRouter's catalog, or what an OpenAI-compatible server says of
    its own models in `/models` (an OpenRouter-compatible proxy or `orkit sim` does; a
    server without prices cannot run under a budget)."""
    if endpoint.uses_catalog:
        return Catalog.bundled()
    catalog = await server_catalog(client)
    if catalog is None:
        raise ConfigError(f"a budget needs model prices, and {endpoint.base_url}/models gives none")
    return catalog
