"""`selected_totals`: an estimate's totals for the models ticked, judges scaled with them."""

from __future__ import annotations

import pytest

from orkit.cost import Estimate, LineEstimate
from orkit.widgets import selected_totals


def _line(
    model: str, requests: int, cost: float, role: str = "model", **more: object
) -> LineEstimate:
    return LineEstimate(
        model=model,
        role=role,
        requests=requests,
        cache_hits=0,
        prompt_tokens=10 * requests,
        completion_tokens=5 * requests,
        cost_low_usd=cost,
        cost_expected_usd=2 * cost,
        cost_high_usd=3 * cost,
        **more,  # type: ignore[arg-type]
    )


def _estimate(budget: float | None = 5.0, **more: object) -> Estimate:
    lines = [
        _line("a/x", 10, 1.0, duration_s=5.0),
        _line("b/y", 30, 10.0, duration_s=50.0),
        _line("j/judge", 40, 4.0, role="judge", scorer="llm", duration_s=20.0),
    ]
    return Estimate(lines=lines, duration_s=50.0, budget_usd=budget, prices="test", **more)  # type: ignore[arg-type]


def test_every_model_ticked_gives_the_estimate_s_own_totals() -> None:
    estimate = _estimate()
    totals = selected_totals(estimate, ["a/x", "b/y"])
    assert totals.cost_expected_usd == pytest.approx(estimate.cost_expected_usd)
    assert totals.cost_high_usd == pytest.approx(estimate.cost_high_usd)
    assert totals.requests == estimate.requests
    assert totals.verdict == estimate.verdict == "exceeds"
    assert totals.duration_s == 50.0


def test_one_model_ticked_keeps_its_lines_and_its_share_of_the_judges() -> None:
    totals = selected_totals(_estimate(), ["a/x"])
    # a/x sends 10 of the 40 model requests: a quarter of the judge's 40 calls and cost
    assert totals.models == ("a/x",)
    assert totals.requests == 10 + 10
    assert totals.cost_low_usd == pytest.approx(1.0 + 1.0)
    assert totals.cost_expected_usd == pytest.approx(2.0 + 2.0)
    assert totals.cost_high_usd == pytest.approx(3.0 + 3.0)
    assert totals.verdict == "may exceed"  # 4 fits the $5 budget, 6 does not
    assert totals.duration_s == 5.0
    assert selected_totals(_estimate(budget=10.0), ["a/x"]).verdict == "fits"
    assert selected_totals(_estimate(budget=None), ["a/x"]).verdict == "no budget"


def test_nothing_ticked_is_nothing_to_run() -> None:
    totals = selected_totals(_estimate(), [])
    assert (totals.requests, totals.cost_expected_usd, totals.duration_s) == (0, 0.0, None)
    assert totals.verdict == "fits"


def test_unknown_prices_stay_unknown() -> None:
    totals = selected_totals(_estimate(prices_known=False), ["a/x"])
    assert (totals.cost_low_usd, totals.cost_expected_usd, totals.cost_high_usd) == (None,) * 3
    assert totals.verdict == "cost unknown"
    unpriced = Estimate(
        lines=[_line("a/x", 10, 1.0), _line("openrouter/auto", 10, 0.0, price_known=False)],
        duration_s=1.0,
        budget_usd=None,
        prices="test",
    )
    both = selected_totals(unpriced, ["a/x", "openrouter/auto"])
    assert both.unpriced_lines == 1
    assert both.cost_expected_usd == pytest.approx(2.0)
    assert selected_totals(unpriced, ["a/x"]).unpriced_lines == 0
