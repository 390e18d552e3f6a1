"""Wire the scoring stage into a run: the judges' worst-case costs for the budget, the stage
itself after the candidates, and the judge spend the manifest reports on its own line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from orkit.batch._budget import Budget
from orkit.batch._embed_calls import EmbedCaller, EmbedService
from orkit.batch._judge_calls import JudgeCaller
from orkit.batch._scoring import ScoringJob, StageTotals, score_run
from orkit.batch._unscored import count_over_budget
from orkit.cost import Prices, dearest_of_chain
from orkit.results import Journal, ResponseCache, RunDir, ScoreRow, rewrite_scores
from orkit.router import RetryPolicy, Router, RouterSet, Routes
from orkit.types import ChatRequest

__all__ = ["judge_models", "judge_spend", "judge_worst_case", "run_scoring_stage"]


def judge_models(scorers: Iterable[Any]) -> list[str]:
    """The judge model of every LLM-judge scorer, each once."""
    out: dict[str, None] = {}
    for s in scorers:
        model = getattr(s, "judge_model", None)
        if isinstance(model, str):
            out[model] = None
    return list(out)


def judge_worst_case(
    prices: Mapping[str, Prices], fallbacks: Mapping[str, Sequence[str]]
) -> Callable[[ChatRequest], float]:
    """request → the most it could cost, across the judge model's fallback chain."""

    def worst(request: ChatRequest) -> float:
        chain = [m for m in (request.model, *fallbacks.get(request.model, ())) if m in prices]
        return dearest_of_chain(request, prices, chain)

    return worst


async def run_scoring_stage(
    run: RunDir,
    journal: Journal,
    job: ScoringJob,
    *,
    router: Routes | None,
    cache: ResponseCache | None = None,
    budget: Budget | None = None,
    worst_case: Callable[[ChatRequest], float] | None = None,
    embed: EmbedService | None = None,
) -> StageTotals:
    """Run `job` (judges go through `router`, `cache` and `budget`; embedding scorers
    through `embed`, with the router's retry policy, and `budget` too when it prices
    them), then rewrite the scores table from the journal. Nothing to do when the job
    has no scorer."""
    if not job.deferred and not job.inline:
        return StageTotals()
    caller = None
    if router is not None:
        caller = JudgeCaller(router, cache, budget if worst_case is not None else None, worst_case)
    embedder = None
    if embed is not None:
        embedder = EmbedCaller(
            embed.embed,
            _retry_policy(router),
            budget=budget if embed.worst_case is not None else None,
            worst_case=embed.worst_case,
        )
    try:
        return await score_run(run, journal, job, caller=caller, embedder=embedder)
    finally:
        rewrite_scores(run, journal)


def _retry_policy(router: Routes | None) -> RetryPolicy:
    """The run's retry rules, which embedding requests follow too."""
    if isinstance(router, RouterSet):
        return router.default.policy
    if isinstance(router, Router):
        return router.policy
    return RetryPolicy()


def judge_spend(rows: Iterable[ScoreRow]) -> dict[str, Any]:
    """What the LLM judges of the current scores table cost, per scorer and in total: their
    own cost line, apart from the candidates'; and the rows the budget left unscored
    (`over_budget_rows`, per scorer with `over_budget_usd`). Empty when no judge scored
    anything."""
    by_scorer: dict[str, dict[str, Any]] = {}
    for row in rows:
        model = row.get("judge_model")
        if model is None:
            continue
        line = by_scorer.setdefault(
            str(row["scorer"]),
            {
                "judge_model": model,
                "rows": 0,
                "requests": 0,
                "cached_rows": 0,
                "prompt_tokens": None,  # unknown until a row says (never 0 for unknown)
                "completion_tokens": None,
                "cost_usd": 0.0,
                "cost_unknown_rows": 0,
            },
        )
        line["rows"] += 1
        count_over_budget(line, row)
        line["requests"] += row.get("judge_calls") or 0
        line["cached_rows"] += row.get("judge_cost_source") == "cached"
        for key, tokens in (
            ("prompt_tokens", row.get("judge_prompt_tokens")),
            ("completion_tokens", row.get("judge_completion_tokens")),
        ):
            if tokens is not None:
                line[key] = (line[key] or 0) + tokens
        cost = row.get("judge_cost_usd")
        if cost is None:
            line["cost_unknown_rows"] += 1
        else:
            line["cost_usd"] += cost
    if not by_scorer:
        return {}
    total = {
        key: sum(line[key] for line in by_scorer.values())
        for key in (
            "rows",
            "requests",
            "cached_rows",
            "cost_usd",
            "cost_unknown_rows",
            "over_budget_rows",
        )
    }
    return {**total, "by_scorer": by_scorer}
