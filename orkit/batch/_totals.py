"""Running totals of a run, per model: what the manifest and the progress display show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from orkit.batch._rows import ROUTER_PREFIX
from orkit.batch._starved import is_reasoning_starved
from orkit.results import AttemptRow, ResultRow
from orkit.router import Attempt

__all__ = ["ErrorCounts", "ModelTotals", "RunTotals"]

_MAX_DISTINCT_ERRORS = 1_000
"""Distinct (error type, message) pairs counted one by one; the rest share one line, so a
run whose every error message differs cannot grow the totals without bound."""


@dataclass(slots=True)
class ModelTotals:
    tasks: int = 0
    """Tasks with a row (any status)."""
    ok: int = 0
    errors: int = 0
    deferred: int = 0
    """Tasks left pending by a daily quota (a resume picks them up)."""
    skipped_budget: int = 0
    """Tasks not sent because they could have passed the budget (a resume picks them up)."""
    cached: int = 0
    """Rows answered from the response cache."""
    cost_usd: float | None = None
    """Sum of known costs: the rows', plus `billed_attempts_usd`. None while no cost is
    known and some is unknown (a local server that reports none): never 0 for unknown. A
    row known to cost nothing (a cache hit, a task not sent, a failure before the answer
    began) makes it 0."""
    cost_unknown_rows: int = 0
    """Rows whose cost is unknown (not counted in cost_usd, never as 0): answered rows, and
    failed ones whose answer had begun (a generation id: billed)."""
    billed_attempts_usd: float = 0.0
    """Known cost of billed attempts that are not a row's own: a stream cut short or failed
    mid-way, then retried (part of cost_usd)."""
    billed_attempts_unknown: int = 0
    """Such attempts whose cost is not known (not counted in cost_usd, never as 0)."""
    byok_rows: int = 0
    """Rows billed through your own provider key (BYOK): kept apart from OpenRouter spend."""
    byok_fee_usd: float = 0.0
    """What OpenRouter charged for BYOK rows (its fee; part of cost_usd)."""
    byok_upstream_usd: float = 0.0
    """What your own provider account was billed for BYOK rows (not in cost_usd)."""
    cached_tokens: int = 0
    """Prompt tokens read from the providers' prompt caches (rows sent: a response-cache
    hit sent nothing)..."""
    cache_prompt_tokens: int = 0
    """...out of these: the prompt tokens of the sent rows that said how many were cached."""
    cache_write_tokens: int = 0
    """Prompt tokens written to the providers' prompt caches."""
    cache_savings_usd: float | None = None
    """What prompt caching saved against plain prompt prices (negative: writes cost more than
    reads saved); None while no row's saving is known."""
    cache_write_usd: float | None = None
    """What the cache writes cost (part of cost_usd); None while none is known."""
    prompt_tokens: int | None = None
    """Sum of known prompt tokens; None while no row has said (never 0 for unknown)."""
    completion_tokens: int | None = None
    tokens_unknown_rows: int = 0
    """Ok rows whose token counts are unknown (not counted in the sums above): servers
    that send no usage, e.g. a local server's streams."""
    fallback_rows: int = 0
    attempts: int = 0
    rate_limited: int = 0
    """Attempts answered with a 429."""
    payment_required: int = 0
    """Attempts answered with a 402 (out of credits, or a key's limit reached)."""
    retried: int = 0
    reasoning_starved: int = 0
    """Ok rows left empty because reasoning used the whole max_tokens (`_starved`)."""

    def add(self, row: ResultRow) -> None:
        self.tasks += 1
        status = row["status"]
        if status == "ok":
            self.ok += 1
            if row.get("cost_source") == "cached":
                self.cached += 1
        elif status == "deferred":
            self.deferred += 1
        elif status == "skipped_budget":
            self.skipped_budget += 1
        else:
            self.errors += 1
        cost = row.get("cost_usd")
        if cost is None:
            if row["status"] == "ok" or row.get("generation_id"):
                self.cost_unknown_rows += 1
            else:  # nothing was sent, or nothing began: known to cost nothing
                self.cost_usd = self.cost_usd or 0.0
        else:
            self.cost_usd = (self.cost_usd or 0.0) + cost
        if row.get("is_byok"):
            self.byok_rows += 1
            self.byok_fee_usd += cost or 0.0
            self.byok_upstream_usd += row.get("upstream_cost_usd") or 0.0
        prompt, completion = row.get("prompt_tokens"), row.get("completion_tokens")
        if prompt is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + prompt
        if completion is not None:
            self.completion_tokens = (self.completion_tokens or 0) + completion
        if status == "ok" and prompt is None and completion is None:
            self.tokens_unknown_rows += 1
        if row.get("is_fallback"):
            self.fallback_rows += 1
        if row.get("cost_source") != "cached":
            self._add_prompt_cache(row)
        if is_reasoning_starved(row):
            self.reasoning_starved += 1

    def _add_prompt_cache(self, row: ResultRow) -> None:
        get: Any = row.get  # the v6 columns, read alike from live rows and the journal's
        cached, prompt = get("cached_tokens"), get("prompt_tokens")
        if cached is not None and prompt is not None:
            self.cached_tokens += cached
            self.cache_prompt_tokens += prompt
        self.cache_write_tokens += get("cache_write_tokens") or 0
        savings, writes = get("cache_savings_usd"), get("cache_write_usd")
        if savings is not None:
            self.cache_savings_usd = (self.cache_savings_usd or 0.0) + savings
        if writes is not None:
            self.cache_write_usd = (self.cache_write_usd or 0.0) + writes

    @property
    def cost_unknown(self) -> int:
        """Costs not known: rows' and billed attempts' (what "+ N unknown" counts)."""
        return self.cost_unknown_rows + self.billed_attempts_unknown

    def add_billed_attempt(self, cost_usd: float | None) -> None:
        """A billed attempt that is not its row's own (see `billed_attempts_usd`)."""
        if cost_usd is None:
            self.billed_attempts_unknown += 1
        else:
            self.billed_attempts_usd += cost_usd
            self.cost_usd = (self.cost_usd or 0.0) + cost_usd

    def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        for a in attempts:
            self.add_attempt(a.http_status, a.action)

    def add_attempt(self, http_status: int | None, action: str | None) -> None:
        """One HTTP attempt, as it ended (live) or as the journal kept it (a recount)."""
        self.attempts += 1
        if http_status == 429:
            self.rate_limited += 1
        elif http_status == 402:
            self.payment_required += 1
        if action in ("retry", "wait"):
            self.retried += 1


class ErrorCounts:
    """Error rows counted by (error type, message): what "most tasks failed" shows first."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, row: ResultRow) -> None:
        key = (str(row.get("error_type") or "error"), str(row.get("error_message") or ""))
        if key not in self._counts and len(self._counts) >= _MAX_DISTINCT_ERRORS:
            key = ("other", "(other error messages)")
        self._counts[key] += 1

    def most_common(self, n: int = 3) -> list[dict[str, Any]]:
        return [
            {"error_type": kind, "message": message, "count": count}
            for (kind, message), count in self._counts.most_common(n)
        ]


@dataclass(slots=True)
class RunTotals:
    by_model: dict[str, ModelTotals] = field(default_factory=dict)
    all: ModelTotals = field(default_factory=ModelTotals)
    providers: dict[str, set[str]] = field(default_factory=dict)
    """Served providers per requested model (rows answered by that model itself)."""
    deferred_until: float | None = None
    """When the quota that deferred tasks resets (Unix seconds; the latest one)."""
    error_counts: ErrorCounts = field(default_factory=ErrorCounts)

    def _model(self, model: str) -> ModelTotals:
        per = self.by_model.get(model)
        if per is None:
            per = self.by_model[model] = ModelTotals()
        return per

    def add(self, row: ResultRow) -> None:
        model = row["model"]
        self._model(model).add(row)
        self.all.add(row)
        if row["status"] == "error":
            self.error_counts.add(row)
        provider = row.get("served_provider")
        if (
            provider
            and row["status"] == "ok"
            and not row.get("is_fallback")
            and (row.get("cost_source") != "cached")
        ):
            self.providers.setdefault(model, set()).add(provider)

    def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        """A task's attempts, counted under the model it asked for (its first attempt's)."""
        if attempts:
            self._model(attempts[0].model).add_attempts(attempts)
            self.all.add_attempts(attempts)

    def add_journaled_attempt(self, task_model: str | None, attempt: AttemptRow) -> None:
        """An attempt row of the journal, under its task's model (or, for a task with no
        outcome yet, the model it was sent to)."""
        model = task_model or str(attempt.get("model"))
        status, action = attempt.get("http_status"), attempt.get("action")
        for totals in (self._model(model), self.all):
            totals.add_attempt(status, action)

    def add_billed_attempt(self, model: str, cost_usd: float | None) -> None:
        self._model(model).add_billed_attempt(cost_usd)
        self.all.add_billed_attempt(cost_usd)

    def add_billed_attempts(
        self, model: str, attempts: Sequence[Attempt], row_generation_id: str | None
    ) -> None:
        """The billed attempts of one task whose cost is not its row's (a generation id
        other than the row's)."""
        for a in attempts:
            if a.generation_id is not None and a.generation_id != row_generation_id:
                self.add_billed_attempt(model, a.cost_usd)

    def note_deferred(self, until: float) -> None:
        self.deferred_until = max(until, self.deferred_until or until)

    def mixed_providers(self) -> dict[str, list[str]]:
        """Models whose rows came from more than one provider. Router ids
        (`openrouter/auto`...) are left out: they pick another model, and so another
        provider, per request by design; pinning one provider is no advice for them."""
        return {
            m: sorted(p)
            for m, p in self.providers.items()
            if len(p) > 1 and not m.startswith(ROUTER_PREFIX)
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "all": asdict(self.all),
            "by_model": {m: asdict(t) for m, t in self.by_model.items()},
            "providers": {m: sorted(p) for m, p in self.providers.items()},
            "deferred_until": self.deferred_until,
            "top_errors": self.error_counts.most_common(3),
        }
