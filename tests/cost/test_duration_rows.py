"""An estimate's rows and its TOTAL tell one story: a lane's duration includes the limits it
shares with the others (the free-model pace, the run's concurrency), so no row is shorter
than what the total charges it, and the total is its longest row."""

from __future__ import annotations

import pytest

from orkit.cost import FreeQuota, LaneLoad, plan_duration

FREE = "openai/gpt-oss-20b:free"
PAID = "openai/gpt-4o-mini"


def test_a_free_row_of_20_requests_takes_the_minute_the_total_charges_it() -> None:
    # the new user's reproduction: `<1 s` on the row, `1 min` on TOTAL
    lanes = [LaneLoad(FREE, requests=20, latency_s=0.3, max_concurrency=16, free=True)]
    duration = plan_duration(lanes, 16, FreeQuota(per_minute=20, window_s=60.0))
    assert duration.seconds == pytest.approx(60.0)
    assert duration.by_model[FREE] == pytest.approx(duration.seconds)


def test_free_lanes_take_turns_at_the_shared_pace() -> None:
    small = LaneLoad("a/small:free", requests=10, latency_s=0.3, max_concurrency=16, free=True)
    big = LaneLoad("b/big:free", requests=30, latency_s=0.3, max_concurrency=16, free=True)
    paid = LaneLoad(PAID, requests=20, latency_s=0.5, max_concurrency=16)
    duration = plan_duration([small, big, paid], 16, FreeQuota(per_minute=20, window_s=60.0))
    # the small lane ends once 10 of its own and 10 of the big one's went: 20 at 20/min
    assert duration.by_model["a/small:free"] == pytest.approx(60.0)
    assert duration.by_model["b/big:free"] == pytest.approx(120.0)  # all 40
    assert duration.by_model[PAID] < 2.0  # not held back by a pace it does not share
    assert duration.seconds == pytest.approx(max(duration.by_model.values()))


def test_lanes_sharing_the_run_s_concurrency_each_take_the_run_s_time() -> None:
    # five equal models at concurrency 16: each gets a fifth of the slots, so each row is as
    # long as the run (their own 16 slots would have said a fifth of it)
    lanes = [LaneLoad(f"m/{i}", requests=320, latency_s=1.0, max_concurrency=16) for i in range(5)]
    duration = plan_duration(lanes, 16, FreeQuota())
    assert duration.seconds == pytest.approx(100.0)
    assert all(s == pytest.approx(100.0) for s in duration.by_model.values())


def test_a_free_lane_past_today_s_quota_counts_only_what_goes_today() -> None:
    lanes = [LaneLoad(FREE, requests=80, latency_s=0.3, max_concurrency=16, free=True)]
    duration = plan_duration(lanes, 16, FreeQuota(per_minute=20, window_s=60.0, remaining_today=40))
    assert duration.deferred == 40
    assert duration.by_model[FREE] == pytest.approx(120.0) == duration.seconds
