"""Auth errors, `/key`, `/credits`, `/generation`, and 402 credit checks."""

from __future__ import annotations

import pytest

from orkit.sim import SIM_API_KEY, SimConfig

from .sim_testkit import FakeTime, chat_body


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}]
)
async def test_missing_key_is_401(make_sim, headers: dict[str, str]) -> None:
    sim = await make_sim(headers=headers)
    for response in (await sim.chat(chat_body()), await sim.http.get("/key")):
        assert response.status_code == 401
        assert response.json() == {
            "error": {"message": "Missing Authentication header", "code": 401}
        }


async def test_unknown_key_is_user_not_found(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, api_keys=("sk-or-v1-other",)))
    response = await sim.chat(chat_body())
    assert response.status_code == 401
    assert response.json() == {"error": {"message": "User not found.", "code": 401}}
    good = await sim.chat(chat_body(), headers={"Authorization": "Bearer sk-or-v1-other"})
    assert good.status_code == 200


async def test_key_reports_live_usage(make_sim) -> None:
    sim = await make_sim()
    cost = (await sim.chat(chat_body())).json()["usage"]["cost"]
    for path in ("/key", "/auth/key"):
        data = (await sim.http.get(path)).json()["data"]
        assert data["label"] == f"sk-or-v1-{SIM_API_KEY[9:12]}...{SIM_API_KEY[-3:]}"
        assert SIM_API_KEY not in str(data)
        assert data["usage"] == data["usage_daily"] == pytest.approx(cost)
        assert data["limit"] is None
        assert data["is_management_key"] is False
        assert data["free_model_daily_requests"] == {"limit": 1000, "used": 0, "remaining": 1000}


async def test_credits_report_total_and_usage(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, credits_usd=5.0))
    cost = (await sim.chat(chat_body(max_tokens=50))).json()["usage"]["cost"]
    assert (await sim.http.get("/credits")).json() == {
        "data": {"total_credits": 5.0, "total_usage": cost}
    }


async def test_generation_is_404_until_stats_are_written(make_sim) -> None:
    clock = FakeTime()
    config = SimConfig(time_scale=0, window_scale=1.0, generation_stats_delay_s=2.0)
    sim = await make_sim(config, time_fn=clock)
    body = (await sim.chat(chat_body())).json()
    early = await sim.http.get("/generation", params={"id": body["id"]})
    assert early.status_code == 404
    assert early.json() == {"error": {"message": "Generation not found", "code": 404}}
    clock.advance(2.0)
    data = (await sim.http.get("/generation", params={"id": body["id"]})).json()["data"]
    assert data["id"] == body["id"]
    assert data["model"] == body["model"]
    assert data["provider_name"] == body["provider"]
    assert data["total_cost"] == body["usage"]["cost"]
    assert data["tokens_completion"] == body["usage"]["completion_tokens"]
    assert data["streamed"] is False and data["cancelled"] is False
    unknown = await sim.http.get("/generation", params={"id": "gen-1-nope"})
    assert unknown.status_code == 404


async def test_insufficient_credits_is_402_even_for_free_models(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, credits_usd=0.0))
    response = await sim.chat(chat_body(model="openai/gpt-oss-20b:free"))
    assert response.status_code == 402
    assert response.json()["error"] == {
        "message": "Insufficient credits. Add more using https://openrouter.ai/credits",
        "code": 402,
        "metadata": {"provider_name": None},
    }


async def test_affordability_uses_max_tokens_or_the_model_maximum(make_sim, catalog) -> None:
    model = "anthropic/claude-haiku-4.5"
    sim = await make_sim(SimConfig(time_scale=0, credits_usd=0.05))
    response = await sim.chat(chat_body(model=model))
    assert response.status_code == 402
    error = response.json()["error"]
    maximum = catalog.by_id[model]["top_provider"]["max_completion_tokens"]
    assert error["message"].startswith(
        f"This request requires more credits, or fewer max_tokens. You requested up to {maximum} "
        "tokens, but can only afford 9997. "  # (0.05 - 13 prompt tokens x $1e-6) / $5e-6
    )
    assert error["message"].endswith(
        "To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account"
    )
    assert error["metadata"] == {"provider_name": None}
    assert (await sim.chat(chat_body(model=model, max_tokens=500))).status_code == 200
