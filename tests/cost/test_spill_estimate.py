"""The paid spill of a free model's fallback chain in the estimate (issue 18): the requests
past today's free quota, shared by the sweep's free models, priced at the first paid
fallback's prices; exact arithmetic, then runs on the emulator whose free tier spills."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.cli import main
from orkit.cost import FreeQuota, LaneLoad, LineEstimate
from orkit.estimate._spill import (
    first_paid,
    quota_shares,
    spill_counts,
    spill_notes,
    with_spill,
)

FREE = "openai/gpt-oss-20b:free"
FREE2 = "google/gemma-4-31b-it:free"
PAID = "openai/gpt-4o-mini"
DAY_START = 1767225600  # 2026-01-01 00:00 UTC: the emulated day cannot end mid-run


# ---------------------------------------------------------------- arithmetic


def test_the_free_models_share_the_quota_at_one_pace() -> None:
    # equal shares of 150: b sends only 20, so a and c share the other 130
    assert quota_shares({"a": 300, "b": 20, "c": 100}, 150) == {"a": 65, "b": 20, "c": 65}
    assert quota_shares({"a": 10, "b": 5}, 50) == {"a": 10, "b": 5}  # all of it fits
    assert quota_shares({"a": 10, "b": 5}, 0) == {"a": 0, "b": 0}
    assert quota_shares({"a": 0, "b": 5}, 3) == {"a": 0, "b": 3}


def test_each_model_spills_what_is_past_its_share_within_a_band() -> None:
    counts = spill_counts({"a": 300, "b": 20, "c": 100}, 150)
    # low: it got all the quota it could; high: the others left it what they did not send
    assert (counts["a"].low, counts["a"].expected, counts["a"].high) == (150, 235, 270)
    assert (counts["b"].low, counts["b"].expected, counts["b"].high) == (0, 0, 20)
    assert (counts["c"].low, counts["c"].expected, counts["c"].high) == (0, 35, 100)
    alone = spill_counts({"a": 300}, 50)["a"]
    assert (alone.low, alone.expected, alone.high) == (250, 250, 250)  # exact
    assert spill_counts({"a": 30}, 50)["a"] == spill_counts({"a": 30}, 1000)["a"]
    assert spill_counts({"a": 30}, 50)["a"].high == 0


def test_the_first_paid_model_of_the_chain_gets_the_spill() -> None:
    def is_free(m: str) -> bool:
        return m.endswith(":free")

    assert first_paid(["x:free", "p", "q"], is_free) == "p"
    assert first_paid(["x:free"], is_free) is None
    assert first_paid([], is_free) is None


def _line(model: str, high: float, *, sent: int = 300) -> LineEstimate:
    return LineEstimate(model, "model", sent, 0, 1000, 2000, 0.0, 0.0, high, free=True)


def test_the_spill_is_priced_into_the_line_and_the_quota_plans_it_sent() -> None:
    quota = FreeQuota(per_day=200, remaining_today=150)
    lines = [_line("a", 2.0), _line("b", 0.0, sent=20)]
    lanes = [
        LaneLoad("a", 300, 1.0, 4, free=True),
        LaneLoad("b", 20, 1.0, 4, free=True),
    ]
    asked = []

    def price(model: str, k: int, paid: str) -> tuple[LineEstimate, float]:
        asked.append((model, k, paid))
        return LineEstimate(paid, "model", 300, 0, 1000, 2000, 1.0, 3.0, 6.0), 300.0

    out, planned = with_spill(lines, lanes, quota, {"a": ["p"], "b": [None]}, price)
    a, b = out
    assert asked == [("a", 0, "p")]
    # b takes its 20, a the other 130: 170 of a's 300 spill (150 at least, 170 at most)
    assert a.cost_low_usd == pytest.approx(150 / 300 * 1.0)
    assert a.cost_expected_usd == pytest.approx(170 / 300 * 3.0)
    assert a.spill_usd == pytest.approx(170 / 300 * 3.0)
    assert a.cost_high_usd == pytest.approx(170 / 300 * 6.0 + (1 - 170 / 300) * 2.0)
    assert (a.spill_requests, a.spill_model) == (170, "p")
    assert b == lines[1]  # no paid fallback: its requests past the quota wait
    assert planned == FreeQuota(per_day=200, remaining_today=150 + 170)
    assert spill_notes(out, quota)[0] == "a: 170 of 300 requests expected to spill to paid p: $1.70"


def test_the_high_end_stays_the_chains_dearest_when_it_is_higher() -> None:
    quota = FreeQuota(remaining_today=0)
    lanes = [LaneLoad("a", 300, 1.0, 4, free=True)]

    def price(model: str, k: int, paid: str) -> tuple[LineEstimate, float]:
        return LineEstimate(paid, "model", 300, 0, 1000, 2000, 1.0, 3.0, 6.0), 300.0

    (line,), _ = with_spill([_line("a", 9.0)], lanes, quota, {"a": ["p"]}, price)
    assert (line.cost_low_usd, line.cost_expected_usd, line.cost_high_usd) == (1.0, 3.0, 9.0)


def test_a_spill_to_a_router_has_an_unknown_cost() -> None:
    lanes = [LaneLoad("a", 10, 1.0, 4, free=True)]

    def price(model: str, k: int, paid: str) -> tuple[LineEstimate, float]:
        line = LineEstimate(paid, "model", 10, 0, 1, 1, 0.0, 0.0, 0.0, price_known=False)
        return line, 10.0

    quota = FreeQuota(remaining_today=4)
    (line,), _ = with_spill([_line("a", 0.0, sent=10)], lanes, quota, {"a": ["r"]}, price)
    assert line.spill_requests == 6 and line.spill_usd is None  # unknown, never $0
    assert (
        spill_notes([line], quota)[0] == "a: 6 of 10 requests expected to spill to paid r: unknown"
    )


def test_params_sets_split_the_spill_by_their_requests() -> None:
    # one lane: its tasks interleave the params sets item by item, so each set spills the
    # same share of its requests; the set without a paid fallback leaves its share waiting
    quota = FreeQuota(remaining_today=100)
    lanes = [LaneLoad("a", 400, 1.0, 4, free=True)]

    def price(model: str, k: int, paid: str) -> tuple[LineEstimate, float]:
        assert (k, paid) == (1, "p")
        return LineEstimate(paid, "model", 200, 0, 1, 1, 2.0, 2.0, 2.0), 200.0

    lines = [_line("a", 0.0, sent=400)]
    (line,), planned = with_spill(lines, lanes, quota, {"a": [None, "p"]}, price)
    assert line.spill_requests == 150 and line.cost_expected_usd == pytest.approx(1.5)
    assert planned.remaining_today == 250  # the other 150 past the quota wait for tomorrow


# ---------------------------------------------------------------- on the emulator


def sweep(tmp_path: Path, rows: int = 80, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [{"id": f"q{i}", "question": f"What is {i} + 1?"} for i in range(rows)],
        "models": [FREE],
        "prompt": "{{ question }}",
        "params": {"temperature": 0, "max_tokens": 16, "models": [PAID]},
        "endpoint": "sim",
        # 50 free requests a day (no credits bought); a free-tier minute of 0.6 s
        "sim": {
            "time_scale": 0.0,
            "window_scale": 0.01,
            "lifetime_purchases_usd": 0,
            "start_time": DAY_START,
        },
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


def test_a_run_that_spills_spends_inside_the_estimates_band(tmp_path: Path) -> None:
    s = sweep(tmp_path)
    estimate = s.estimate()
    line = estimate.line(FREE)
    assert (line.spill_requests, line.spill_model) == (30, PAID)
    assert estimate.deferred_free_requests == 0  # spilled, not left for tomorrow
    assert 0 < line.cost_low_usd <= line.cost_expected_usd <= line.cost_high_usd
    assert f"{FREE}: 30 of 80 requests expected to spill to paid {PAID}: $" in str(estimate)
    assert estimate.to_dict()["total"]["spill_requests"] == 30
    run = s.run()
    rows = run.to_pandas()
    assert run.status == "completed" and (rows["status"] == "ok").all()
    served = rows["served_model"].value_counts().to_dict()
    assert served == {FREE: 50, PAID: 30}
    spent = float(rows["cost_usd"].sum())
    assert line.cost_low_usd <= spent <= line.cost_high_usd
    cost = run.manifest.cost
    assert cost is not None and cost[FREE]["within_band"] is True


def test_free_models_share_the_quota_and_only_a_paid_chain_spills(tmp_path: Path) -> None:
    # FREE falls back (client-side) to PAID; FREE2 has no fallback: its requests past its
    # part of the quota wait for tomorrow, as before
    s = sweep(
        tmp_path,
        rows=40,
        models=[FREE, FREE2],
        params={"temperature": 0, "max_tokens": 16},
        fallbacks={FREE: [PAID]},
    )
    estimate = s.estimate()
    assert estimate.line(FREE).spill_requests == 15  # 40 past its 25 of the 50 left
    assert estimate.line(FREE2).spill_requests is None
    assert estimate.deferred_free_requests == 15
    run = s.run()
    rows = run.to_pandas()
    spilled = int((rows["served_model"] == PAID).sum())
    deferred = int((rows["status"] == "deferred").sum())
    assert spilled + deferred == 30  # 80 requests, 50 free
    cost = run.manifest.cost
    assert cost is not None and cost[FREE]["within_band"] is True


def test_orkit_estimate_prints_the_spill_and_its_json_has_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(f'{{"id": "q{i}", "question": "What is {i} + 1?"}}\n' for i in range(80))
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["{FREE}"]\nendpoint = "sim"\n'
        '[prompt]\ntemplate = "{{ question }}"\n'
        f'[params]\nmax_tokens = 16\nmodels = ["{PAID}"]\n'
        "[sim]\ntime_scale = 0.0\nlifetime_purchases_usd = 0\n"
    )
    assert main(["estimate", str(spec)]) == 0
    out = capsys.readouterr().out
    assert f"{FREE}: 30 of 80 requests expected to spill to paid {PAID}: $" in out
    assert f"spill ~30 to paid {PAID}" in out  # the table's notes
    assert main(["estimate", str(spec), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    (line,) = body["lines"]
    assert (line["spill_requests"], line["spill_model"]) == (30, PAID)
    assert line["spill_usd"] > 0 and body["total"]["spill_usd"] == line["spill_usd"]
    assert body["deferred_free_requests"] == 0
