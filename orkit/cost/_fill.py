"""After a run: give a cost to every answered row whose response carried no `usage.cost`, and
to every billed attempt that broke before saying what it cost.

The engine's hot path never waits for this: rows are journaled as they come, with a null
cost and `cost_source = "unknown"`. Once the lanes are done, each such row is looked up in
`GET /generation?id=` (OpenRouter writes those stats a moment after the answer, so a 404 is
retried with growing pauses, a bounded number of times); the ones that still have no cost
are priced from their token counts (`estimated`), and the rest stay unknown (null, never 0).
So are the attempts (and failed rows) whose generation had begun when they broke (a stream
cut short, a mid-stream error without usage): OpenRouter bills those, and only
`/generation` can say for how much. Each generation id is asked for once, whether a row,
an attempt or both carry it. The journal is updated and the Parquet parts rewritten from it.

A server without `/generation` (most OpenAI-compatible ones) is not asked at all when the
client already knows it has no OpenRouter account API (`AsyncOpenRouter.lacks`: its `/key`
answered 404), else recognised after a few failed look-ups and not asked again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from orkit.catalog import Catalog
from orkit.client import AsyncOpenRouter
from orkit.cost._accounting import cost_from_generation, cost_from_prices, is_insured
from orkit.errors import APIError, NotFoundError
from orkit.results import AttemptRow, Journal, ResultRow, RunDir, rebuild_parts

__all__ = ["CostLookup", "fill_unknown_costs"]


@dataclass(frozen=True, slots=True)
class CostLookup:
    """How patient to be with `/generation` (its stats appear a moment after the answer)."""

    delays_s: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
    """Pauses between look-ups of one id that answer 404 (about 8 s in all)."""
    concurrency: int = 16
    give_up_after: int = 3
    """Ids that found nothing before `/generation` is taken to be unsupported here."""


@dataclass(slots=True)
class _State:
    failures: int = 0
    found: int = 0
    counts: Counter[str] = field(default_factory=Counter)

    def supported(self, options: CostLookup) -> bool:
        return self.found > 0 or self.failures < options.give_up_after


async def _generation(
    client: AsyncOpenRouter, gen_id: str, options: CostLookup, state: _State
) -> dict[str, Any] | None:
    for delay in (*options.delays_s, None):
        if not state.supported(options) or client.lacks("/generation"):
            return None
        try:
            data = await client.get_generation(gen_id)
            state.found += 1
            return data
        except NotFoundError:
            if delay is None or client.lacks("/generation"):
                break
            await anyio.sleep(delay)
        except APIError:
            break
    state.failures += 1
    return None


def _price(row: ResultRow, catalog: Catalog | None) -> float | None:
    if is_insured(row.get("completion_tokens"), row.get("finish_reason")):
        return 0.0
    info = catalog.get(row.get("served_model") or row["model"]) if catalog is not None else None
    if info is None:
        return None
    return cost_from_prices(
        info=info,
        prompt_tokens=row.get("prompt_tokens"),
        completion_tokens=row.get("completion_tokens"),
        finish_reason=row.get("finish_reason"),
        cached_tokens=row.get("cached_tokens"),
    )


def _apply_generation(row: ResultRow, data: Mapping[str, Any] | None) -> bool:
    found = cost_from_generation(data) if data is not None else None
    if found is None:
        return False
    row.update({"cost_usd": found.cost_usd, "cost_source": "generation"})
    if found.is_byok is not None:
        row["is_byok"] = found.is_byok
    if found.upstream_cost_usd is not None:
        row["upstream_cost_usd"] = found.upstream_cost_usd
    if row.get("prompt_tokens") is None and found.prompt_tokens is not None:
        row["prompt_tokens"] = found.prompt_tokens
    if row.get("completion_tokens") is None and found.completion_tokens is not None:
        row["completion_tokens"] = found.completion_tokens
    if row.get("cached_tokens") is None and found.cached_tokens is not None:
        row["cached_tokens"] = found.cached_tokens
    return True


def _apply_to_attempt(attempt: AttemptRow, data: Mapping[str, Any] | None) -> bool:
    found = cost_from_generation(data) if data is not None else None
    if found is None:
        return False
    attempt.update({"cost_usd": found.cost_usd, "cost_source": "generation"})
    if attempt.get("prompt_tokens") is None and found.prompt_tokens is not None:
        attempt["prompt_tokens"] = found.prompt_tokens
    if attempt.get("completion_tokens") is None and found.completion_tokens is not None:
        attempt["completion_tokens"] = found.completion_tokens
    return True


def _price_row(row: ResultRow, catalog: Catalog | None, data: Mapping[str, Any] | None) -> str:
    if _apply_generation(row, data):
        return "generation"
    if row["status"] != "ok":
        return "unknown"  # a failed answer's tokens are not known: only /generation can say
    cost = _price(row, catalog)
    if cost is None:
        return "unknown"
    row.update({"cost_usd": cost, "cost_source": "estimated"})
    return "estimated"


async def _look_up(
    ids: list[str], client: AsyncOpenRouter, options: CostLookup, state: _State
) -> dict[str, dict[str, Any]]:
    """`/generation` of each id (those it knew), `options.concurrency` at a time."""
    found: dict[str, dict[str, Any]] = {}
    limiter = anyio.CapacityLimiter(options.concurrency)

    async def one(gen_id: str) -> None:
        async with limiter:
            data = await _generation(client, gen_id, options, state)
        if data is not None:
            found[gen_id] = data

    async with anyio.create_task_group() as tg:
        for gen_id in ids:
            tg.start_soon(one, gen_id)
    return found


def _wants_cost(row: ResultRow) -> bool:
    if row.get("cost_usd") is not None:
        return False
    return row["status"] == "ok" or (row["status"] == "error" and bool(row.get("generation_id")))


async def fill_unknown_costs(
    run: RunDir,
    client: AsyncOpenRouter,
    *,
    catalog: Catalog | None,
    options: CostLookup | None = None,
    models: Callable[[str], bool] | None = None,
) -> dict[str, int]:
    """Cost every answered row without one, and every billed attempt without one; returns
    how many came from where (attempts as `attempts_<source>`). `models`: which models'
    rows this client and catalog speak for (a run with several endpoints settles each
    endpoint's own; None: all)."""
    options = options or CostLookup()
    journal = Journal(run.journal_path)
    try:
        rows = [r for r in journal.results() if _wants_cost(r)]
        attempts = journal.billed_attempts_to_cost()
        if models is not None:
            rows = [r for r in rows if models(str(r.get("model")))]
            attempts = [(i, a) for i, a in attempts if models(str(a.get("model")))]
        if not rows and not attempts:
            return {}
        ids = dict.fromkeys(
            [str(r["generation_id"]) for r in rows if r.get("generation_id")]
            + [str(a["generation_id"]) for _, a in attempts]
        )
        state = _State()
        found = await _look_up(list(ids), client, options, state)
        for row in rows:
            state.counts[_price_row(row, catalog, found.get(row.get("generation_id") or ""))] += 1
        costed = []
        for attempt_id, attempt in attempts:
            ok = _apply_to_attempt(attempt, found.get(str(attempt["generation_id"])))
            if attempt.get("action") != "ok":  # an answer's own attempt is counted as its row
                state.counts["attempts_generation" if ok else "attempts_unknown"] += 1
            if ok:
                costed.append((attempt_id, attempt))
        for row in rows:
            if row.get("cost_usd") is not None:
                scores = list(journal.scores([row["task_key"]]))
                journal.record(row, scores, ())
        journal.set_attempt_costs(costed)
        if costed or state.counts["generation"] or state.counts["estimated"]:
            rebuild_parts(run, journal)
        return dict(state.counts)
    finally:
        journal.close()
