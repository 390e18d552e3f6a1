"""Re-score a finished run: recompute its scores from the journal's answers without sending
a single candidate request (`orkit rescore RUN`, `run.rescore(...)`).

Sync scorers recompute for free. LLM judges send their requests through a router built from
the run's spec (the judge model's limits, retries and fallbacks) and the response cache, so
a re-score with an unchanged judge costs nothing and sends nothing; `budget_usd` caps what a
re-score may spend on new judge requests. The run's lock is held throughout, the new score
lists replace the old ones in one journal transaction, and the scores table is rewritten
from the journal into a fresh directory that replaces the old one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow.parquet as pq

from orkit.batch import (
    Budget,
    EmbedService,
    ScoringJob,
    StageTotals,
    baseline_of,
    embedding_worst_case,
    judge_models,
    judge_spend,
    judge_worst_case,
    run_scoring_stage,
)
from orkit.catalog import Catalog
from orkit.cost import model_prices
from orkit.errors import RunError, SpecError
from orkit.plan import (
    Endpoint,
    StreamChoice,
    SweepDefinition,
    cache_for,
    check_judge_models,
    check_scorer_columns,
    check_served,
    daily_quota,
    embedding_prices,
    is_local_server,
    price_catalog,
    resolve_endpoint,
    router_options_for,
    spec_from_dict,
    sweep_client,
    with_sweep_schema,
)
from orkit.results import Journal, Manifest, RunDir, run_lock
from orkit.router import Router
from orkit.scorers import AnyScorer, Judge, as_scorer, scorer_spec, split_scorers
from orkit.types import Secret

__all__ = ["rescore_async"]


def _stored_sweep(run: RunDir, manifest: Manifest, *, own_scorers: bool) -> SweepDefinition:
    """The run's sweep, from its manifest. Its scorers are rebuilt only when they are the
    ones to run (a stored `python` scorer whose function cannot be imported here must not
    stop a re-score with other scorers)."""
    spec = manifest.spec
    if not spec:
        raise RunError(f"{run.path}: the manifest has no spec", run_dir=str(run.path))
    if not own_scorers:
        spec = {k: v for k, v in spec.items() if k != "scorers"}
    return spec_from_dict(spec, where=str(run.manifest_path), into=SweepDefinition)


def _scorers(
    given: Sequence[Any] | None, sweep: SweepDefinition, models: Sequence[str]
) -> list[AnyScorer]:
    """The scorers to run: those given (objects, functions or spec tables), else the run's."""
    if given is None:
        built = list(sweep.scorer_objects)
    else:
        # a json_schema scorer given no schema checks the run's response_format schema
        built = [
            with_sweep_schema(as_scorer(s, where=f"scorers[{i}]"), sweep, i)
            for i, s in enumerate(given)
        ]
    if not built:
        raise SpecError("no scorers to run: give some, or add [[scorers]] to the run's spec")
    names = [s.name for s in built]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise SpecError(f"two scorers are named {duplicate!r}; give one a different name")
    for s in built:
        if isinstance(s, Judge) and s.is_pairwise:
            baseline_of(s, models)  # fails now, not after the other judges spent money
    return built


def _dataset_columns(run: RunDir) -> list[str]:
    """The columns of the run's own copy of its dataset (what the scorers read), without
    the ones orkit added; none when the copy is missing (nothing to check against). Checked
    as `orkit run` checks them: a scorer reading a column the dataset lacks scores nothing,
    and here it would have replaced the run's scores with nothing."""
    if not run.dataset_path.is_file():
        return []

    added = {"item_id", "item_index"}
    return [c for c in pq.read_schema(run.dataset_path).names if c not in added]


async def rescore_async(
    path: str | os.PathLike[str],
    *,
    scorers: Sequence[Any] | None = None,
    keep: bool = False,
    budget_usd: float | None = None,
    api_key: str | Secret | None = None,
) -> RunDir:
    """Re-score the run at `path` with `scorers` (default: its own), replacing its scores
    (or, with `keep`, only those of the scorers given). Returns the run directory."""
    run = RunDir.open(path)
    manifest = run.read_manifest()
    if not run.journal_path.is_file():
        raise RunError(f"{path}: no journal.sqlite to re-score from", run_dir=str(path))
    sweep = _stored_sweep(run, manifest, own_scorers=scorers is None)
    models = sweep.model_names
    built = _scorers(scorers, sweep, models)
    check_scorer_columns(built, _dataset_columns(run), dataset=str(sweep.dataset))
    inline, deferred = split_scorers(built)
    endpoint = None
    if judge_models(deferred):  # only a judge needs an endpoint (and a key)
        endpoint = resolve_endpoint(sweep.endpoint, sim=sweep.sim, api_key=api_key)
        if endpoint.uses_catalog:  # a typo would cost a 400 per row, each "not judged"
            check_judge_models(built, Catalog.bundled())
    job = ScoringJob(
        inline=inline,
        deferred=deferred,
        models=models,
        fresh=True,
        keep=keep,
        concurrency=sweep.in_flight.judge_workers,
    )
    with run_lock(run.path):
        journal = Journal(run.journal_path)
        try:
            before = judge_spend(journal.scores())
            totals = await _score(run, journal, job, sweep, endpoint, budget_usd)
            spend = judge_spend(journal.scores())
        finally:
            journal.close()
        replaced = {s.name for s in built} if keep else None
        _add_replaced(manifest, before, replaced)
        _record(run, manifest, built, totals, spend, keep=keep)
    return run


async def _score(
    run: RunDir,
    journal: Journal,
    job: ScoringJob,
    sweep: SweepDefinition,
    endpoint: Endpoint | None,
    budget_usd: float | None,
) -> StageTotals:
    """Run the job; an endpoint is opened only when a judge needs one."""
    if not judge_models(job.deferred) or endpoint is None:
        return await run_scoring_stage(run, journal, job, router=None)
    # Chat judges only: an embedding scorer's model is on `/embeddings`, not in `/models`.
    models = judge_models(s for s in job.deferred if isinstance(s, Judge))
    async with sweep_client(sweep, endpoint) as client:
        if not endpoint.uses_catalog:  # a local server serves its own models only
            await check_served(client, endpoint, models)
        local = is_local_server(endpoint, client)
        options = router_options_for(sweep, endpoint, local_server=local)
        completer = StreamChoice(client, sweep.stream, endpoint)
        router = Router(completer, options, quota=daily_quota(options, endpoint))
        budget = worst = embed_worst = None
        if budget_usd is not None:
            chains = {m: [m, *sweep.fallbacks.get(m, ())] for m in models}
            catalog = await price_catalog(endpoint, client)
            wanted = sorted({m for chain in chains.values() for m in chain})
            prices = await model_prices(wanted, client, catalog)
            # the scorers of this re-score, not the run's own
            prices.update(await embedding_prices(job.deferred, endpoint, client, catalog))
            budget, worst = Budget(budget_usd), judge_worst_case(prices, sweep.fallbacks)
            embed_worst = embedding_worst_case(prices)
        cache = cache_for(sweep, endpoint)
        try:
            return await run_scoring_stage(
                run,
                journal,
                job,
                router=router,
                cache=cache,
                budget=budget,
                worst_case=worst,
                embed=EmbedService(client.embed, embed_worst),
            )
        finally:
            router.limits.quota.save()
            if cache is not None:
                cache.close()


def _add_replaced(manifest: Manifest, before: Mapping[str, Any], scorers: set[str] | None) -> None:
    """Add what the judges of the replaced scores had spent (`scorers`, or every scorer) to
    the manifest's `judges_replaced`: the run spent it though its scores are gone, so the
    run's full spend (`orkit runs`) still counts it."""
    lines = [
        line
        for name, line in (before.get("by_scorer") or {}).items()
        if scorers is None or name in scorers
    ]
    if not lines:
        return
    if manifest.judges_replaced is None:
        manifest.judges_replaced = {"cost_usd": 0.0, "cost_unknown_rows": 0, "requests": 0}
    total = manifest.judges_replaced
    for line in lines:
        total["cost_usd"] = round(total["cost_usd"] + float(line["cost_usd"]), 12)
        total["cost_unknown_rows"] += int(line["cost_unknown_rows"])
        total["requests"] += int(line["requests"])


def _record(
    run: RunDir,
    manifest: Manifest,
    scorers: Sequence[AnyScorer],
    totals: StageTotals,
    spend: dict[str, Any],
    *,
    keep: bool,
) -> None:
    """The manifest says what scored the run now and what each re-score spent. The spec's
    scorers become the new ones (a later resume scores its new tasks the same way)."""
    specs = [scorer_spec(s) for s in scorers]
    spec = manifest.spec
    if keep:
        names = {s.name for s in scorers}
        old = [s for s in spec.get("scorers", []) if _spec_name(s) not in names]
        specs = old + specs
    spec["scorers"] = specs
    manifest.judges = spend or None
    manifest.rescores = manifest.rescores or []
    manifest.rescores.append(
        {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "scorers": [s.name for s in scorers],
            "kept_others": keep,
            "tasks": totals.tasks,
            "judge_requests": totals.judge_requests,
            "judge_cached": totals.judge_cached,
            "judge_cost_usd": round(totals.judge_cost_usd, 9),
            "judge_cost_unknown": totals.judge_cost_unknown,
            "not_judged": totals.not_judged,
        }
    )
    run.write_manifest(manifest)


def _spec_name(spec: Mapping[str, Any]) -> str:
    return str(spec.get("name") or spec.get("kind"))
