"""An estimate's totals for a subset of its models, without estimating again: what the
`EstimateView` toggles show."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from orkit.cost import Estimate, budget_verdict

__all__ = ["SelectedTotals", "selected_totals"]


@dataclass(frozen=True, slots=True)
class SelectedTotals:
    """The ticked models' requests, costs and duration, judges' share included."""

    models: tuple[str, ...]
    requests: int
    cost_low_usd: float | None
    cost_expected_usd: float | None
    cost_high_usd: float | None
    """None: unknown (the server lists no prices); never 0 for a cost not known."""
    unpriced_lines: int
    """Ticked lines without a price of their own (a router such as `openrouter/auto`): the
    costs above leave them out."""
    duration_s: float | None
    """At most this: the longest ticked lane's time, which also counts the turns it gave to
    models now unticked (so it can only overstate)."""
    verdict: str


def selected_totals(estimate: Estimate, ticked: Collection[str]) -> SelectedTotals:
    """The totals of `estimate` with only the models in `ticked` run. Judge lines scale with
    the answers they judge: their share is the ticked models' share of the model requests
    (a judge scores each answer once)."""
    models = [line for line in estimate.lines if line.role == "model"]
    kept = [line for line in models if line.model in ticked]
    all_requests = sum(line.requests for line in models)
    share = sum(line.requests for line in kept) / all_requests if all_requests else 0.0
    judges = [line for line in estimate.lines if line.role != "model"]

    def total(field: str) -> float:
        own: float = sum(getattr(line, field) for line in kept if line.price_known)
        judged: float = sum(getattr(line, field) for line in judges if line.price_known)
        return own + share * judged

    requests = sum(line.requests for line in kept) + round(
        share * sum(line.requests for line in judges)
    )
    low, expected, high = (total(f) for f in ("cost_low_usd", "cost_expected_usd", "cost_high_usd"))
    durations = [line.duration_s for line in kept if line.duration_s is not None]
    if not estimate.prices_known:
        verdict = "cost unknown" if estimate.budget_usd is not None else "no budget"
        return SelectedTotals(
            tuple(line.model for line in kept),
            requests,
            None,
            None,
            None,
            0,
            max(durations, default=None),
            verdict,
        )
    return SelectedTotals(
        models=tuple(line.model for line in kept),
        requests=requests,
        cost_low_usd=low,
        cost_expected_usd=expected,
        cost_high_usd=high,
        unpriced_lines=sum(not line.price_known for line in kept),
        duration_s=max(durations) if durations else None,
        verdict=budget_verdict(estimate.budget_usd, expected, high),
    )
