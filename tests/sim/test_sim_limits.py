"""Free-model quotas, upstream rate limits and outage windows (on a fake clock)."""

from __future__ import annotations

import math

from orkit.sim import ModelProfile, ProviderProfile, SimConfig

from .sim_testkit import START, FakeTime, chat_body

FREE = "openai/gpt-oss-20b:free"
OTHER_FREE = "google/gemma-4-31b-it:free"


def _config(**changes: object) -> SimConfig:
    base: dict[str, object] = {"time_scale": 0, "window_scale": 1.0, "start_time": START}
    return SimConfig(**{**base, **changes})  # type: ignore[arg-type]


async def test_free_per_minute_limit_is_account_wide_with_real_429(make_sim) -> None:
    clock = FakeTime()
    sim = await make_sim(_config(), time_fn=clock)
    for index in range(20):
        model = FREE if index % 2 else OTHER_FREE
        assert (await sim.chat(chat_body(f"Say {index}", model))).status_code == 200
    limited = await sim.chat(chat_body("One more", FREE))
    assert limited.status_code == 429
    reset_ms = str(int((START + 60) * 1000))
    assert limited.json() == {
        "error": {
            "message": "Rate limit exceeded: free-models-per-min. ",
            "code": 429,
            "metadata": {
                "headers": {
                    "X-RateLimit-Limit": "20",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset_ms,
                },
                "provider_name": None,
            },
        },
        "user_id": sim.sim.config.user_id,
    }
    assert limited.headers["x-ratelimit-limit"] == "20"
    assert limited.headers["x-ratelimit-remaining"] == "0"
    assert limited.headers["x-ratelimit-reset"] == reset_ms
    assert limited.headers["retry-after"] == "60"
    paid = await sim.chat(chat_body("Paid models are not limited", "openai/gpt-4o-mini"))
    assert paid.status_code == 200
    clock.advance(60)
    assert (await sim.chat(chat_body("Next minute", FREE))).status_code == 200


async def test_free_per_day_limit_and_key_counters(make_sim) -> None:
    clock = FakeTime()
    sim = await make_sim(_config(free_per_minute=1000, lifetime_purchases_usd=0.0), time_fn=clock)
    for index in range(50):
        assert (await sim.chat(chat_body(f"Say {index}", FREE))).status_code == 200
    limited = await sim.chat(chat_body("One more", FREE))
    assert limited.status_code == 429
    error = limited.json()["error"]
    assert error["message"] == (
        "Rate limit exceeded: free-models-per-day. "
        "Add 10 credits to unlock 1000 free model requests per day"
    )
    midnight = (math.floor(START / 86400) + 1) * 86400
    assert error["metadata"]["headers"] == {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(midnight * 1000),
    }
    assert "retry-after" not in limited.headers
    key = (await sim.http.get("/key")).json()["data"]
    assert key["free_model_daily_requests"] == {"limit": 50, "used": 50, "remaining": 0}
    assert key["is_free_tier"] is True
    clock.now = midnight + 1
    key = (await sim.http.get("/key")).json()["data"]
    assert key["free_model_daily_requests"] == {"limit": 50, "used": 0, "remaining": 50}
    assert (await sim.chat(chat_body("New day", FREE))).status_code == 200


async def test_day_length_follows_the_window_scale(make_sim) -> None:
    clock = FakeTime()
    config = _config(window_scale=0.001, free_per_minute=1000, lifetime_purchases_usd=0.0)
    sim = await make_sim(config, time_fn=clock)
    for index in range(51):
        await sim.chat(chat_body(f"Say {index}", FREE))
    limited = await sim.chat(chat_body("Again", FREE))
    reset_s = int(limited.json()["error"]["metadata"]["headers"]["X-RateLimit-Reset"]) / 1000
    assert 0 < reset_s - clock.now <= 86.4  # a day is 86.4 real seconds at this scale
    clock.now = reset_s + 0.001
    assert (await sim.chat(chat_body("Tomorrow", FREE))).status_code == 200


async def test_high_balance_accounts_get_1000_free_requests(make_sim) -> None:
    sim = await make_sim(_config(lifetime_purchases_usd=25.0))
    key = (await sim.http.get("/key")).json()["data"]
    assert key["free_model_daily_requests"]["limit"] == 1000
    assert key["is_free_tier"] is False


async def test_limits_are_off_when_windows_are_instant(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0))
    for index in range(25):
        assert (await sim.chat(chat_body(f"Say {index}", FREE))).status_code == 200


async def test_upstream_rate_limit_body_and_retry_after(make_sim) -> None:
    clock = FakeTime()
    model = "openai/gpt-4o-mini"
    one = (ProviderProfile("OpenAI", "openai"),)
    config = _config(upstream_rpm={model: 60.0}, models={model: ModelProfile(providers=one)})
    sim = await make_sim(config, time_fn=clock)
    for index in range(10):  # burst = rpm / 6
        assert (await sim.chat(chat_body(f"Say {index}", model))).status_code == 200
    limited = await sim.chat(chat_body("More", model))
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1"
    assert limited.json() == {
        "error": {
            "message": "Provider returned error",
            "code": 429,
            "metadata": {
                "raw": f"{model} is temporarily rate-limited upstream. Please retry shortly, or "
                "add your own key to accumulate your rate limits: "
                "https://openrouter.ai/settings/integrations",
                "provider_name": "OpenAI",
                "is_byok": False,
                "retry_after_seconds": 1,
                "retry_after_seconds_raw": 1.0,
            },
        },
        "user_id": sim.sim.config.user_id,
    }
    clock.advance(1.0)
    assert (await sim.chat(chat_body("Later", model))).status_code == 200


async def test_outage_window_fails_then_recovers(make_sim) -> None:
    clock = FakeTime()
    model = "openai/gpt-4o-mini"
    sim = await make_sim(_config(outages={model: ((10.0, 20.0),)}), time_fn=clock)
    assert (await sim.chat(chat_body("before", model))).status_code == 200
    clock.advance(12)
    down = await sim.chat(chat_body("during", model))
    assert down.status_code == 502
    assert down.json()["error"]["message"] == "Provider returned error"
    endpoints = (await sim.http.get(f"/models/{model}/endpoints")).json()["data"]["endpoints"]
    assert {e["status"] for e in endpoints} == {-1}
    clock.advance(10)
    assert (await sim.chat(chat_body("after", model))).status_code == 200


async def test_upstream_limit_moves_at_its_scheduled_time(make_sim) -> None:
    clock = FakeTime()
    model = "openai/gpt-4o-mini"
    changes = {model: ((30.0, 30.0),)}  # 60 rpm, then 30 rpm from 30 s on
    config = _config(upstream_rpm={model: 60.0}, upstream_rpm_changes=changes)
    sim = await make_sim(config, time_fn=clock)
    for index in range(10):  # burst = 60 / 6
        assert (await sim.chat(chat_body(f"Say {index}", model))).status_code == 200
    assert (await sim.chat(chat_body("Too soon", model))).status_code == 429
    clock.advance(29.0)  # 29 tokens at 1/s, but the bucket holds 10
    admitted = [(await sim.chat(chat_body(f"A{i}", model))).status_code for i in range(11)]
    assert admitted == [200] * 10 + [429]
    clock.advance(2.0)  # 1 s at 1/s, then 1 s at 0.5/s: 1.5 tokens, and the cap is now 5
    assert (await sim.chat(chat_body("B0", model))).status_code == 200
    limited = await sim.chat(chat_body("B1", model))
    assert limited.status_code == 429
    assert limited.json()["error"]["metadata"]["retry_after_seconds_raw"] == 1.0  # 0.5 at 0.5/s
    clock.advance(60.0)  # a minute at 30 rpm would be 30 tokens; the bucket holds 5
    admitted = [(await sim.chat(chat_body(f"C{i}", model))).status_code for i in range(6)]
    assert admitted == [200] * 5 + [429]


async def test_429s_without_retry_hints(make_sim) -> None:
    clock = FakeTime()
    model = "openai/gpt-4o-mini"
    config = _config(upstream_rpm={model: 6.0}, rate_limit_hints=False)
    sim = await make_sim(config, time_fn=clock)
    assert (await sim.chat(chat_body("One", model))).status_code == 200
    upstream = await sim.chat(chat_body("Two", model))
    assert upstream.status_code == 429
    metadata = upstream.json()["error"]["metadata"]
    assert "retry_after_seconds" not in metadata
    assert "retry_after_seconds_raw" not in metadata
    assert metadata["provider_name"] and "rate-limited upstream" in metadata["raw"]
    assert "retry-after" not in upstream.headers
    for index in range(20):
        assert (await sim.chat(chat_body(f"Free {index}", FREE))).status_code == 200
    free = await sim.chat(chat_body("Free again", FREE))
    assert free.status_code == 429
    assert free.json()["error"]["metadata"]["headers"] == {
        "X-RateLimit-Limit": "20",
        "X-RateLimit-Remaining": "0",
    }
    assert "retry-after" not in free.headers and "x-ratelimit-reset" not in free.headers
    assert free.headers["x-ratelimit-limit"] == "20"
