"""`pricing.overrides`, read once (`price_overrides`) and bounded once (`dearest_factors`): the
rule the estimate's band and the budget's worst case share."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orkit.catalog import Catalog, ModelInfo, ProviderEndpoint
from orkit.cost import (
    PriceOverride,
    Prices,
    dearest_factors,
    dearest_of_chain,
    price_band,
    price_overrides,
    worst_case_usd,
)
from orkit.types import ChatRequest

PEAK = "deepseek/deepseek-v4-pro-0813"  # 2x prices 01:00-04:00 and 06:00-10:00 UTC
LONG = "bytedance-seed/seed-2.0-code"  # 2x prices from 128,000 prompt tokens


def at(hh: int, mm: int = 0) -> float:
    return datetime(2026, 12, 6, hh, mm, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.bundled()


def model(catalog: Catalog, model_id: str) -> ModelInfo:
    info = catalog.get(model_id)
    assert info is not None
    return info


def test_time_of_day_entries_are_read_as_factors_of_the_listed_rates(catalog: Catalog) -> None:
    overrides = price_overrides(model(catalog, PEAK))
    assert [(o.utc_start, o.utc_end) for o in overrides] == [
        (1000, 100),
        (100, 400),
        (400, 600),
        (600, 1000),
    ]
    assert [o.prompt_factor for o in overrides] == pytest.approx([1.0, 2.0, 1.0, 2.0])
    assert [o.completion_factor for o in overrides] == pytest.approx([1.0, 2.0, 1.0, 2.0])


def test_the_dearest_factor_covers_the_whole_window_a_request_may_run_in(
    catalog: Catalog,
) -> None:
    overrides = price_overrides(model(catalog, PEAK))
    assert dearest_factors(overrides, during=(at(2), at(2, 30))) == pytest.approx((2.0, 2.0))
    assert dearest_factors(overrides, during=(at(4, 10), at(5, 50))) == pytest.approx((1.0, 1.0))
    # reserved off-peak, but it may still be served once the peak begins
    assert dearest_factors(overrides, during=(at(5, 30), at(6, 0))) == pytest.approx((2.0, 2.0))
    # the window that wraps midnight holds at 23:30 and at 00:30
    wrap = [o for o in overrides if o.utc_start == 1000]
    assert wrap[0].can_apply(None, (at(23, 30), at(23, 40)))
    assert wrap[0].can_apply(None, (at(0, 30), at(0, 40)))
    assert not wrap[0].can_apply(None, (at(2), at(3)))
    # not knowing when: any window may apply
    assert dearest_factors(overrides) == pytest.approx((2.0, 2.0))
    assert dearest_factors(overrides, during=(at(4, 10), at(4, 10) + 86_400)) == pytest.approx(
        (2.0, 2.0)
    )


def test_long_context_entries_apply_from_their_prompt_size(catalog: Catalog) -> None:
    overrides = price_overrides(model(catalog, LONG))
    assert overrides == (PriceOverride(2.0, 2.0, min_prompt_tokens=128_000),)
    assert dearest_factors(overrides, prompt_tokens=127_999) == (1.0, 1.0)
    assert dearest_factors(overrides, prompt_tokens=128_000) == pytest.approx((2.0, 2.0))
    # the estimate applies the same entries per request, as multipliers
    assert price_band(model(catalog, LONG)).long_context == ((128_000, 2.0, 2.0),)


def test_an_entry_with_both_conditions_needs_both() -> None:
    both = PriceOverride(3.0, 3.0, min_prompt_tokens=1000, utc_start=100, utc_end=400)
    assert both.can_apply(2000, (at(2), at(2)))
    assert not both.can_apply(500, (at(2), at(2)))
    assert not both.can_apply(2000, (at(5), at(5)))


def test_the_estimate_band_and_the_budget_reach_the_same_peak_price(catalog: Catalog) -> None:
    info = model(catalog, PEAK)
    endpoint = ProviderEndpoint(
        provider="Dear",
        tag="dear",
        prompt=(info.prompt_price or 0) * 1.5,  # a provider dearer than the listed price
        completion=(info.completion_price or 0) * 1.5,
        request=0.0,
        cache_read=None,
        context_length=None,
        max_completion_tokens=None,
        quantization=None,
        status=None,
    )
    band = price_band(info, [endpoint])
    # the surcharge applies on top of the serving provider's own price
    assert band.high.prompt == pytest.approx(endpoint.prompt * 2)
    assert band.high.completion == pytest.approx(endpoint.completion * 2)
    prices = Prices(
        prompt=endpoint.prompt, completion=endpoint.completion, overrides=price_overrides(info)
    )
    request = ChatRequest(
        model=PEAK, messages=[{"role": "user", "content": "x" * 92}], params={"max_tokens": 100}
    )
    at_peak = worst_case_usd(request, prices, during=(at(2), at(3)))
    assert at_peak == pytest.approx(100 * band.high.prompt + 100 * band.high.completion)
    off_peak = worst_case_usd(request, prices, during=(at(4, 10), at(4, 20)))
    assert off_peak == pytest.approx(at_peak / 2)
    # a fallback chain takes the dearest of its models, each with its own overrides
    flat = Prices(prompt=endpoint.prompt * 1.8, completion=endpoint.completion * 1.8)
    chain = {PEAK: prices, "other/flat": flat}
    assert dearest_of_chain(request, chain, [PEAK, "other/flat"], (at(2), at(3))) == at_peak
    assert dearest_of_chain(request, chain, [PEAK, "other/flat"], (at(4, 10), at(4, 20))) == (
        pytest.approx(off_peak * 1.8)
    )
