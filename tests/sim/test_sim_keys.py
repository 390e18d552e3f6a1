"""Management keys: `/keys` CRUD, key limits (the real 403, resets on the emulated clock),
`/credits` and `/activity` for management keys only, management keys refused on inference."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

import pytest

from orkit.sim import SimConfig
from orkit.sim.periods import Periods, month_of, week_of

from .sim_testkit import START, FakeTime, chat_body

MANAGER = "sk-or-v1-" + "m" * 64
MANAGE = {"Authorization": f"Bearer {MANAGER}"}
DAY = 86_400.0
LIMIT_BODY = {
    "error": {
        "message": "Key limit exceeded (total limit). Manage it using "
        "https://openrouter.ai/settings/keys",
        "code": 403,
    }
}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def managed_sim(make_sim: Any, clock: FakeTime | None = None, **config: Any) -> Any:
    settings = SimConfig(
        time_scale=0, window_scale=1.0, start_time=START, management_keys=(MANAGER,), **config
    )
    return await make_sim(settings, time_fn=clock)


async def create(sim: Any, **body: Any) -> tuple[str, dict[str, Any]]:
    response = await sim.http.post("/keys", json={"name": "test", **body}, headers=MANAGE)
    assert response.status_code == 201, response.text
    answer = response.json()
    return answer["key"], answer["data"]


async def test_created_key_is_shown_once_listed_by_hash_and_deleted(make_sim) -> None:
    sim = await managed_sim(make_sim)
    key, data = await create(sim, name="nightly", limit=2.5)
    assert re.fullmatch(r"sk-or-v1-[0-9a-f]{64}", key)
    assert data["hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert (data["name"], data["limit"], data["limit_remaining"]) == ("nightly", 2.5, 2.5)
    listed = (await sim.http.get("/keys", headers=MANAGE)).json()["data"]
    assert [k["hash"] for k in listed] == [data["hash"]]
    assert key not in str(listed)
    assert (await sim.chat(chat_body(), headers=bearer(key))).status_code == 200

    path = f"/keys/{data['hash']}"
    patched = await sim.http.patch(path, json={"name": "renamed", "limit": 9}, headers=MANAGE)
    assert patched.json()["data"]["name"] == "renamed"
    assert patched.json()["data"]["limit"] == 9
    assert (await sim.http.get(path, headers=MANAGE)).json()["data"]["name"] == "renamed"

    assert (await sim.http.delete(path, headers=MANAGE)).status_code == 200
    refused = await sim.chat(chat_body(), headers=bearer(key))
    assert refused.status_code == 401
    assert refused.json() == {"error": {"message": "User not found.", "code": 401}}
    assert (await sim.http.get("/keys", headers=MANAGE)).json() == {"data": []}
    assert (await sim.http.get(path, headers=MANAGE)).status_code == 404
    assert (await sim.http.delete(path, headers=MANAGE)).status_code == 404


async def test_a_spent_limit_gets_openrouters_403_before_the_request(make_sim) -> None:
    sim = await managed_sim(make_sim)
    key, _ = await create(sim, limit=0.00001)
    answers = []
    for _ in range(20):  # bounded: each answer costs ~$0.0000027
        response = await sim.chat(chat_body(max_tokens=200), headers=bearer(key))
        answers.append(response.status_code)
        if response.status_code == 403:
            assert response.json() == LIMIT_BODY
            break
    assert answers[-1] == 403 and set(answers[:-1]) == {200}
    # checked before, as OpenRouter does: the request that crossed the limit was served
    usage = (await sim.http.get("/key", headers=bearer(key))).json()["data"]
    assert usage["usage"] > 0.00001 and usage["limit_remaining"] < 0
    stats = await sim.stats()
    assert stats["by_status"]["403"] == 1
    assert stats["billed_count"] == len(answers) - 1


async def test_a_daily_limit_says_so_and_resets_at_utc_midnight(make_sim) -> None:
    clock = FakeTime()
    sim = await managed_sim(make_sim, clock)
    key, _ = await create(sim, limit=0.000001, limit_reset="daily")
    assert (await sim.chat(chat_body(), headers=bearer(key))).status_code == 200
    refused = await sim.chat(chat_body(), headers=bearer(key))
    assert refused.status_code == 403
    assert "(daily limit)" in refused.json()["error"]["message"]
    clock.advance(DAY - START % DAY + 1)  # just past the emulated midnight
    assert (await sim.chat(chat_body(), headers=bearer(key))).status_code == 200


async def test_a_weekly_limit_resets_on_monday_not_at_midnight(make_sim) -> None:
    clock = FakeTime()  # START is a Thursday
    sim = await managed_sim(make_sim, clock)
    key, _ = await create(sim, limit=0.000001, limit_reset="weekly")
    assert (await sim.chat(chat_body(), headers=bearer(key))).status_code == 200
    clock.advance(DAY)  # Friday: same week
    refused = await sim.chat(chat_body(), headers=bearer(key))
    assert refused.status_code == 403 and "(weekly limit)" in refused.text
    clock.advance(3 * DAY)  # Monday
    assert (await sim.chat(chat_body(), headers=bearer(key))).status_code == 200


async def test_get_key_reports_day_week_and_month_apart(make_sim) -> None:
    clock = FakeTime()
    sim = await managed_sim(make_sim, clock)
    key, _ = await create(sim, limit=5, limit_reset="monthly")
    first = (await sim.chat(chat_body(), headers=bearer(key))).json()["usage"]["cost"]
    clock.advance(4 * DAY)  # Monday 2026-08-10: a new week, the same month
    second = (await sim.chat(chat_body("Hi"), headers=bearer(key))).json()["usage"]["cost"]
    data = (await sim.http.get("/key", headers=bearer(key))).json()["data"]
    assert data["usage"] == pytest.approx(first + second)
    assert data["usage_daily"] == data["usage_weekly"] == pytest.approx(second)
    assert data["usage_monthly"] == pytest.approx(first + second)
    assert (data["limit"], data["limit_reset"]) == (5, "monthly")
    assert data["limit_remaining"] == pytest.approx(5 - first - second)


async def test_management_keys_cannot_infer_and_inference_keys_cannot_manage(make_sim) -> None:
    sim = await managed_sim(make_sim)
    refused = await sim.chat(chat_body(), headers=MANAGE)
    assert refused.status_code == 401
    embed = await sim.http.post(
        "/embeddings", json={"model": "openai/text-embedding-3-small", "input": "x"}, headers=MANAGE
    )
    assert embed.status_code == 401
    for path in ("/keys", "/credits", "/activity"):
        response = await sim.http.get(path)  # the default inference key
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == 403
        assert (await sim.http.get(path, headers=bearer("sk-or-v1-nobody"))).status_code != 200
    assert (await sim.http.post("/keys", json={"name": "x"})).status_code == 403
    info = (await sim.http.get("/key", headers=MANAGE)).json()["data"]
    assert info["is_management_key"] is True


async def test_bad_key_bodies_are_400_naming_the_field(make_sim) -> None:
    sim = await managed_sim(make_sim)
    for body, field in (
        ({}, "name"),
        ({"name": "x", "limit": "ten"}, "limit"),
        ({"name": "x", "limit": -1}, "limit"),
        ({"name": "x", "limit_reset": "yearly"}, "limit_reset"),
        ({"name": "x", "colour": "red"}, "colour"),
    ):
        response = await sim.http.post("/keys", json=body, headers=MANAGE)
        assert response.status_code == 400, body
        assert field in response.json()["error"]["message"]


async def test_credits_count_every_key_of_the_account(make_sim) -> None:
    sim = await managed_sim(make_sim, credits_usd=10.0)
    key, _ = await create(sim)
    own = (await sim.chat(chat_body(), headers=bearer(key))).json()["usage"]["cost"]
    default = (await sim.chat(chat_body())).json()["usage"]["cost"]
    credits = (await sim.http.get("/credits", headers=MANAGE)).json()["data"]
    assert credits == {"total_credits": 10.0, "total_usage": pytest.approx(own + default)}


async def test_activity_covers_completed_days_by_model_and_filters(make_sim) -> None:
    clock = FakeTime()
    sim = await managed_sim(make_sim, clock)
    key, data = await create(sim)
    cost = (await sim.chat(chat_body(), headers=bearer(key))).json()["usage"]["cost"]
    await sim.chat(chat_body(model="deepseek/deepseek-v3.2"))
    assert (await sim.http.get("/activity", headers=MANAGE)).json() == {"data": []}  # today
    clock.advance(DAY)
    rows = (await sim.http.get("/activity", headers=MANAGE)).json()["data"]
    assert {r["model"] for r in rows} == {"openai/gpt-4o-mini", "deepseek/deepseek-v3.2"}
    assert {r["date"] for r in rows} == {"2026-08-06"}
    mini = next(r for r in rows if r["model"] == "openai/gpt-4o-mini")
    assert mini["requests"] == 1 and mini["usage"] == pytest.approx(cost)
    assert mini["prompt_tokens"] > 0 and mini["completion_tokens"] > 0
    assert mini["provider_name"]
    only_key = await sim.http.get(
        "/activity", params={"api_key_hash": data["hash"]}, headers=MANAGE
    )
    assert [r["model"] for r in only_key.json()["data"]] == ["openai/gpt-4o-mini"]
    other_day = await sim.http.get("/activity", params={"date": "2026-08-05"}, headers=MANAGE)
    assert other_day.json() == {"data": []}
    bad = await sim.http.get("/activity", params={"date": "Aug 5"}, headers=MANAGE)
    assert bad.status_code == 400
    clock.advance(30 * DAY)  # older than the last 30 completed days
    assert (await sim.http.get("/activity", headers=MANAGE)).json() == {"data": []}


async def test_without_management_keys_credits_answer_any_key_as_before(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, credits_usd=5.0))
    assert (await sim.http.get("/credits")).status_code == 200
    assert (await sim.http.get("/keys")).status_code == 403  # nobody may manage keys


def test_periods_roll_at_utc_midnight_monday_and_the_first() -> None:
    thursday = int(START // DAY)  # 2026-08-06
    assert week_of(thursday) == week_of(thursday + 3)  # Sunday
    assert week_of(thursday + 4) == week_of(thursday) + 1  # Monday
    assert month_of(thursday + 26) == month_of(thursday) + 1  # 2026-09-01
    assert month_of(thursday + 25) == month_of(thursday)  # 2026-08-31
    periods = Periods()
    periods.add(Decimal("1.5"), thursday)
    periods.add(Decimal(2), thursday + 4)
    assert periods.in_period(None, thursday + 4) == 3.5
    assert periods.in_period("daily", thursday + 4) == 2
    assert periods.in_period("weekly", thursday + 4) == 2
    assert periods.in_period("monthly", thursday + 4) == 3.5
    assert periods.in_period("daily", thursday + 5) == 0
    assert periods.in_period("monthly", thursday + 26) == 0


async def test_activity_counts_the_tokens_read_from_the_prompt_cache(make_sim) -> None:
    clock = FakeTime()
    sim = await managed_sim(make_sim, clock)
    system = " ".join(["rule"] * 1200)  # a 1204-token system message: cached after the first
    for question in ("1 + 1?", "2 + 2?"):
        body = {
            "model": "openai/gpt-5",  # implicit caching: no breakpoint needed
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": question},
            ],
            "max_tokens": 20,
        }
        read = (await sim.chat(body)).json()["usage"]["prompt_tokens_details"]["cached_tokens"]
    assert read == 1204
    clock.advance(DAY)
    (row,) = (await sim.http.get("/activity", headers=MANAGE)).json()["data"]
    assert (row["requests"], row["cached_tokens"]) == (2, 1204)
