"""StreamingASGITransport: streaming, timeouts, disconnects, errors, and no leaked tasks."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sim_testkit import AUTH, BASE_URL, chat_body

from orkit.sim import (
    FaultProfile,
    ModelProfile,
    ProviderProfile,
    SimConfig,
    StreamingASGITransport,
    create_app,
)


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


async def _mixed_requests(client: httpx.AsyncClient) -> None:
    async def one(index: int) -> None:
        body = chat_body(f"Tell me about item {index}.", stream=index % 2 == 0)
        if index % 5 == 0:  # close early
            async with client.stream("POST", "/chat/completions", json=body) as response:
                async for _ in response.aiter_bytes():
                    break
            return
        try:
            await client.post("/chat/completions", json=body)
        except (httpx.ReadTimeout, httpx.RemoteProtocolError):
            pass

    await asyncio.gather(*(one(i) for i in range(120)))


@pytest.mark.parametrize("entered", [False, True], ids=["plain", "async-with"])
async def test_many_requests_leave_no_tasks_behind(catalog, entered: bool) -> None:
    faults = FaultProfile(stall=0.1, drop_connection=0.1, mid_stream_error=0.1)
    # (latency long enough that the early closes land while the emulator still streams)
    config = SimConfig(time_scale=0.05, max_stall_s=2.0, faults=faults)
    app = create_app(config, catalog=catalog)
    before = len(asyncio.all_tasks())
    client = httpx.AsyncClient(
        transport=StreamingASGITransport(app), base_url=BASE_URL, headers=AUTH, timeout=0.5
    )
    if entered:
        async with client:
            await _mixed_requests(client)
    else:
        await _mixed_requests(client)
        await client.aclose()
    await asyncio.sleep(0)
    assert len(asyncio.all_tasks()) == before
    stats = app.state.sim.stats_json()
    assert stats["requests"] == 120
    assert stats["in_flight"] == 0
    assert stats["by_status"].get("client_disconnect", 0) >= 1
