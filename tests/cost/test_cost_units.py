"""The pure parts of `orkit.cost`: token estimates, price bands, answer-length bands, the
arithmetic, the duration model, accounting rules and the calibration file."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from orkit.catalog import Catalog, ProviderEndpoint
from orkit.cost import (
    FAMILIES,
    Calibration,
    Estimate,
    FreeQuota,
    LaneLoad,
    LineEstimate,
    Observation,
    OutputSample,
    WorkGroup,
    budget_verdict,
    cost_from_generation,
    cost_from_prices,
    family_of,
    group_cost,
    is_insured,
    measure_messages,
    output_band,
    plan_duration,
    price_band,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.bundled()


def endpoint(name: str, prompt: float, completion: float, request: float = 0.0) -> ProviderEndpoint:
    return ProviderEndpoint(
        provider=name,
        tag=name.lower(),
        prompt=prompt,
        completion=completion,
        request=request,
        cache_read=None,
        context_length=None,
        max_completion_tokens=None,
        quantization=None,
        status=0,
    )


# ------------------------------------------------------------------------------ tokens


def test_text_size_counts_ascii_and_other_characters_and_messages() -> None:
    size = measure_messages(
        [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Où est 東京?"}]
    )
    assert (size.ascii_chars, size.other_chars, size.messages) == (9 + 7, 3, 2)


def test_families_differ_and_unknown_tokenizers_fall_back_to_other() -> None:
    size = measure_messages([{"role": "user", "content": "word " * 400}])
    gpt, claude = family_of("GPT").prompt_tokens(size), family_of("Claude").prompt_tokens(size)
    assert claude > gpt  # Claude's tokenizer spends more tokens on the same English text
    assert family_of("NoSuchTokenizer") is FAMILIES["Other"]
    assert family_of(None) is FAMILIES["Other"]
    # every family of the bundled snapshot has its own entry
    tokenizers = {m.tokenizer for m in Catalog.bundled()}
    assert tokenizers <= set(FAMILIES) | {None}


def test_gpt_estimate_is_close_on_english_prose() -> None:
    # ~4 characters per token for English prose with o200k (a 1,000-character paragraph is
    # ~230-260 tokens); the estimate must be in that neighbourhood, not 2x off.
    text = "The quick brown fox jumps over the lazy dog while the band plays on. " * 15
    tokens = family_of("GPT").prompt_tokens(measure_messages([{"role": "user", "content": text}]))
    assert 200 < tokens < 300


# ------------------------------------------------------------------------------ prices


def test_price_band_spans_providers_and_weights_by_inverse_square_price(catalog) -> None:
    info = catalog.get("deepseek/deepseek-v3.2")
    cheap, dear = endpoint("Cheap", 1e-7, 2e-7), endpoint("Dear", 2e-7, 4e-7)
    band = price_band(info, [cheap, dear])
    assert band.low.prompt == 1e-7 and band.high.prompt == 2e-7
    # weights 1 and 1/4: expected = (1 * 1e-7 + 0.25 * 2e-7) / 1.25
    assert band.expected.prompt == pytest.approx(1.2e-7)
    assert band.source == "2 providers"


def test_price_band_follows_provider_preferences(catalog) -> None:
    info = catalog.get("deepseek/deepseek-v3.2")
    eps = [endpoint("Cheap", 1e-7, 2e-7), endpoint("Dear", 2e-7, 4e-7)]
    only = price_band(info, eps, {"provider": {"only": ["dear"]}})
    assert only.low.prompt == only.high.prompt == 2e-7
    order = price_band(info, eps, {"provider": {"order": ["Dear"]}})
    assert order.expected.prompt == 2e-7 and order.low.prompt == 1e-7
    by_price = price_band(info, eps, {"provider": {"sort": "price"}})
    assert by_price.expected.prompt == 1e-7
    floor = price_band(catalog.get("deepseek/deepseek-v3.2:floor"), eps)
    assert floor.expected.prompt == 1e-7


def test_price_band_without_endpoints_is_the_listed_price(catalog) -> None:
    info = catalog.get("openai/gpt-4o-mini")
    band = price_band(info, None)
    assert band.low == band.expected == band.high
    assert band.expected.prompt == info.prompt_price and band.source == "catalog"


def test_online_variant_adds_the_search_fee_per_request(catalog) -> None:
    info = catalog.get("openai/gpt-4o-mini:online")
    band = price_band(info, [endpoint("OpenAI", 1.5e-7, 6e-7)])
    assert band.expected.request == pytest.approx(info.web_search_price)


def test_long_context_overrides_become_multipliers(catalog) -> None:
    info = catalog.get("bytedance-seed/seed-2.0-code")
    band = price_band(info)
    assert band.long_context == ((128_000, 2.0, 2.0),)
    tokens = np.array([1000.0, 200_000.0])
    group = WorkGroup(
        prompt_tokens=tokens,
        multiplicity=1.0,
        requests=2,
        cache_hits=0.0,
        output=output_band(None, own_prompt=False, cap=10, ceiling=None, requests=2),
        prices=band,
    )
    cost = group_cost(group)
    base_p, base_c = info.prompt_price, info.completion_price
    expected = 1000 * base_p + 200_000 * base_p * 2 + 10 * base_c + 10 * base_c * 2
    assert cost.expected == pytest.approx(expected)


# ------------------------------------------------------------------------------ output


def test_output_band_without_a_sample_uses_max_tokens_or_a_wide_default() -> None:
    capped = output_band(None, own_prompt=False, cap=64, ceiling=4096, requests=100)
    assert (capped.low, capped.expected, capped.high, capped.source) == (
        1.0,
        64.0,
        64.0,
        "max_tokens",
    )
    free = output_band(None, own_prompt=False, cap=None, ceiling=8192, requests=100)
    assert free.expected == 300 and free.high == 8192 and free.source == "default"


def test_output_band_from_a_sample_is_tight_around_its_mean() -> None:
    sample = OutputSample(tuple(range(50, 151)), cap=None)
    band = output_band(sample, own_prompt=True, cap=None, ceiling=4096, requests=10_000)
    assert band.expected == pytest.approx(100.0)
    assert 80 < band.low < 100 < band.high < 120
    assert band.source == "calibration" and band.samples == 101


def test_output_band_caps_the_sample_at_a_smaller_max_tokens() -> None:
    sample = OutputSample((10, 100, 1000), cap=None)
    band = output_band(sample, own_prompt=True, cap=50, ceiling=None, requests=3)
    assert band.expected == pytest.approx((10 + 50 + 50) / 3)
    assert band.high <= 50


def test_answers_cut_at_an_old_cap_widen_the_high_side() -> None:
    sample = OutputSample((64,) * 50 + (10,) * 50, cap=64)
    band = output_band(sample, own_prompt=True, cap=None, ceiling=4096, requests=100)
    assert band.high > 1000 and band.expected > 37


def test_another_prompts_sample_is_not_used_for_lengths() -> None:
    sample = OutputSample((3,) * 100, cap=64)
    band = output_band(sample, own_prompt=False, cap=None, ceiling=4096, requests=100)
    assert band.source == "default"


# ------------------------------------------------------------------------------ duration


def test_duration_is_bound_by_concurrency_rpm_and_the_free_quota() -> None:
    lanes = [
        LaneLoad(model="a", requests=600, latency_s=1.0, max_concurrency=10),
        LaneLoad(model="b", requests=600, latency_s=0.1, max_concurrency=10, rpm=60),
        LaneLoad(model="f:free", requests=120, latency_s=0.5, max_concurrency=10, free=True),
    ]
    d = plan_duration(lanes, concurrency=100, quota=FreeQuota(per_day=50, remaining_today=40))
    assert d.by_model["a"] == pytest.approx(60.0)
    assert d.by_model["b"] == pytest.approx(600.0)  # 60 a minute
    assert d.quota_days["f:free"] == pytest.approx(120 / 50)
    assert d.deferred == 80
    assert d.seconds == pytest.approx(600.0)


def test_shared_concurrency_bounds_the_whole_run() -> None:
    lanes = [
        LaneLoad(model=str(i), requests=100, latency_s=1.0, max_concurrency=100) for i in range(4)
    ]
    d = plan_duration(lanes, concurrency=10, quota=FreeQuota())
    assert d.seconds == pytest.approx(40.0)


# ------------------------------------------------------------------------------ accounting


def test_zero_completion_insurance() -> None:
    assert is_insured(0, None) and is_insured(12, "error")
    assert not is_insured(0, "stop") and not is_insured(5, None)


def test_cost_from_prices_charges_cached_tokens_at_the_cache_read_price(catalog) -> None:
    info = catalog.get("openai/gpt-4o-mini")
    plain = cost_from_prices(
        info=info, prompt_tokens=1000, completion_tokens=100, finish_reason="stop"
    )
    cached = cost_from_prices(
        info=info,
        prompt_tokens=1000,
        completion_tokens=100,
        finish_reason="stop",
        cached_tokens=800,
    )
    assert plain == pytest.approx(1000 * info.prompt_price + 100 * info.completion_price)
    assert cached == pytest.approx(
        200 * info.prompt_price + 800 * info.cache_read_price + 100 * info.completion_price
    )
    assert (
        cost_from_prices(info=info, prompt_tokens=10, completion_tokens=0, finish_reason=None) == 0
    )
    assert (
        cost_from_prices(info=info, prompt_tokens=None, completion_tokens=5, finish_reason="stop")
        is None
    )


def test_cost_from_prices_at_the_serving_providers_price(catalog) -> None:
    info = catalog.get("deepseek/deepseek-v3.2")
    ep = endpoint("Dear", 1e-6, 2e-6, request=0.001)
    cost = cost_from_prices(
        info=info, prompt_tokens=10, completion_tokens=5, finish_reason="stop", endpoint=ep
    )
    assert cost == pytest.approx(10e-6 + 10e-6 + 0.001)


def test_generation_cost_is_read_with_byok_and_native_tokens() -> None:
    found = cost_from_generation(
        {
            "total_cost": 0.0015,
            "is_byok": True,
            "upstream_inference_cost": 0.03,
            "native_tokens_prompt": 10,
            "native_tokens_completion": 25,
            "native_tokens_cached": 0,
        }
    )
    assert found is not None
    assert (found.cost_usd, found.is_byok, found.upstream_cost_usd) == (0.0015, True, 0.03)
    assert (found.prompt_tokens, found.completion_tokens) == (10, 25)
    assert cost_from_generation({"id": "gen-1"}) is None


# ------------------------------------------------------------------------------ calibration


def test_calibration_round_trips_and_blends_runs(tmp_path: Path) -> None:
    cal = Calibration.load(tmp_path)
    assert len(cal) == 0
    obs = Observation(
        model="a/b",
        outputs={"fp": OutputSample((10, 20), cap=64)},
        prompt_actual=110.0,
        prompt_estimated=100.0,
        cost_actual=2.0,
        cost_listed=1.0,
        ttft_s=0.5,
        tokens_per_s=50.0,
        rows=2,
    )
    cal.update("sim", obs, now=1.0)
    cal.save()
    again = Calibration.load(tmp_path)
    got = again.get("sim", "a/b")
    assert got is not None and got.prompt_ratio == pytest.approx(1.1)
    assert got.price_ratio == pytest.approx(2.0)
    assert got.output_sample("fp")[0] == OutputSample((10, 20), cap=64)
    assert got.output_sample("other") == (None, False)
    assert again.get("openrouter", "a/b") is None  # one endpoint's lessons stay its own
    # a second run with ratio 1.0 pulls the ratio towards it (older runs weigh half)
    again.update("sim", dataclasses.replace(obs, prompt_actual=100.0), now=2.0)
    blended = again.get("sim", "a/b")
    assert blended is not None and 1.0 < (blended.prompt_ratio or 0.0) < 1.1


def test_a_damaged_calibration_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "calibration.json").write_text("{not json")
    assert len(Calibration.load(tmp_path)) == 0
    (tmp_path / "calibration.json").write_text(json.dumps({"format": 99, "entries": {}}))
    assert len(Calibration.load(tmp_path)) == 0


# ------------------------------------------------------------------------------ result


def test_budget_verdicts() -> None:
    assert budget_verdict(None, 1, 2) == "no budget"
    assert budget_verdict(5, 1, 2) == "fits"
    assert budget_verdict(1.5, 1, 2) == "may exceed"
    assert budget_verdict(0.5, 1, 2) == "exceeds"


def test_estimate_renders_as_table_dict_and_dataframe() -> None:
    line = LineEstimate(
        model="a/b",
        role="model",
        requests=10,
        cache_hits=2,
        prompt_tokens=100,
        completion_tokens=50,
        cost_low_usd=0.1,
        cost_expected_usd=0.2,
        cost_high_usd=0.3,
        duration_s=12.0,
        output_source="max_tokens",
    )
    judge = dataclasses.replace(line, model="j/k", role="judge")
    est = Estimate(
        lines=[line, judge],
        duration_s=12.0,
        budget_usd=0.5,
        prices="the bundled /models snapshot of 2026-08-19",
    )
    assert est.cost_expected_usd == pytest.approx(0.4) and est.verdict == "may exceed"
    text = str(est)
    assert "a/b" in text and "j/k (judge)" in text and "TOTAL" in text
    assert (
        "snapshot of 2026-08-19" in text
        and "budget $0.50: may exceed (the expected cost fits, the high estimate does not)" in text
    )
    frame = est.to_pandas()
    assert list(frame["model"]) == ["a/b", "j/k", "TOTAL"]
    assert est.to_dict()["total"]["requests"] == 20
