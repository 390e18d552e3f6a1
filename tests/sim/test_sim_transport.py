"""StreamingASGITransport: streaming, timeouts, disconnects, errors, and no leaked tasks."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from orkit.sim import (
    FaultProfile,
    ModelProfile,
    ProviderProfile,
    SimConfig,
    StreamingASGITransport,
    create_app,
)

from .sim_testkit import AUTH, BASE_URL, chat_body


async def _boom(scope, receive, send) -> None:
    raise RuntimeError("app bug")


async def _silent(scope, receive, send) -> None:
    await receive()


async def test_app_errors_before_the_response_surface_to_the_caller() -> None:
    async with httpx.AsyncClient(
        transport=StreamingASGITransport(_boom), base_url=BASE_URL
    ) as client:
        with pytest.raises(RuntimeError, match="app bug"):
            await client.get("/models")
    async with httpx.AsyncClient(
        transport=StreamingASGITransport(_silent), base_url=BASE_URL
    ) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            await client.get("/models")


@pytest.mark.integration
async def test_read_timeout_applies_to_the_response_start(catalog) -> None:
    slow = ModelProfile(ttft_s=10.0, providers=(ProviderProfile("OpenAI", "openai"),))
    config = SimConfig(time_scale=0.1, json_padding=False, models={"openai/gpt-4o-mini": slow})
    app = create_app(config, catalog=catalog)
    transport = StreamingASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=AUTH) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(
                "/chat/completions", json=chat_body(), timeout=httpx.Timeout(5, read=0.1)
            )
    assert app.state.sim.stats_json()["by_status"] == {"client_disconnect": 1}


async def _mixed_requests(client: httpx.AsyncClient) -> dict[str, int]:
    """120 requests, a fifth of them closed after their first chunk; what became of each,
    as the client saw it."""
    seen: dict[str, int] = {}

    async def one(index: int) -> None:
        body = chat_body(f"Tell me about item {index}.", stream=index % 2 == 0)
        outcome = "answered"
        try:
            if index % 5 == 0:  # close early
                async with client.stream("POST", "/chat/completions", json=body) as response:
                    async for _ in response.aiter_bytes():
                        break
                outcome = "closed_early"
            else:
                await client.post("/chat/completions", json=body)
        except httpx.ReadTimeout:
            outcome = "timed_out"
        except httpx.RemoteProtocolError:
            outcome = "dropped"
        seen[outcome] = seen.get(outcome, 0) + 1

    await asyncio.gather(*(one(i) for i in range(120)))
    return seen


@pytest.mark.integration
@pytest.mark.parametrize("entered", [False, True], ids=["plain", "async-with"])
async def test_many_requests_leave_no_tasks_behind(catalog, entered: bool) -> None:
    """Only what holds however the event loop is scheduled: how many early closes land
    while the emulator still streams, or how many requests a busy machine lets time out
    before the app even starts on them, is up to the scheduler (that an early close reaches
    the app is tested on its own below)."""
    faults = FaultProfile(stall=0.1, drop_connection=0.1, mid_stream_error=0.1)
    config = SimConfig(time_scale=0.05, max_stall_s=2.0, faults=faults)
    app = create_app(config, catalog=catalog)
    before = len(asyncio.all_tasks())
    client = httpx.AsyncClient(
        transport=StreamingASGITransport(app), base_url=BASE_URL, headers=AUTH, timeout=0.5
    )
    if entered:
        async with client:
            seen = await _mixed_requests(client)
    else:
        seen = await _mixed_requests(client)
        await client.aclose()
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before
    assert sum(seen.values()) == 120  # every request ended, one way or another
    stats = app.state.sim.stats_json()
    assert stats["in_flight"] == 0  # every app task that began has ended
    # each answer came from an app task that began; a request timed out before its app
    # task began is never counted
    assert seen.get("answered", 0) + seen.get("closed_early", 0) <= stats["requests"] <= 120
    abandoned = seen.get("closed_early", 0) + seen.get("timed_out", 0) + seen.get("dropped", 0)
    assert stats["by_status"].get("client_disconnect", 0) <= abandoned


@pytest.mark.integration
async def test_an_early_close_disconnects_the_app_mid_stream(catalog) -> None:
    slow = ModelProfile(
        ttft_s=0.0, tokens_per_s=1.0, providers=(ProviderProfile("OpenAI", "openai"),)
    )
    # one token a second: the app is mid-stream for many seconds after its first chunk
    config = SimConfig(time_scale=1.0, json_padding=False, models={"openai/gpt-4o-mini": slow})
    app = create_app(config, catalog=catalog)
    transport = StreamingASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=AUTH) as client:
        body = chat_body("Tell me a long story.", stream=True)
        async with client.stream("POST", "/chat/completions", json=body) as response:
            async for _ in response.aiter_bytes():
                break
    stats = app.state.sim.stats_json()
    assert stats["by_status"] == {"client_disconnect": 1} and stats["in_flight"] == 0
