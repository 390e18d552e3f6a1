"""Injected faults: status errors with real bodies, mid-stream errors, drops and stalls."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from orkit.sim import FaultProfile, SimConfig, create_app, serve_in_thread
from orkit.sim.fault_profile import FAULT_STATUSES

from .sim_testkit import AUTH, chat_body, data_events

MESSAGES = {
    400: "Provider returned error",
    401: "User not found.",
    402: "Insufficient credits. Add more using https://openrouter.ai/credits",
    403: "openai/gpt-4o-mini requires moderation on",
    404: "No endpoints found for openai/gpt-4o-mini.",
    408: "Operation timed out. Please try again later.",
    429: "Provider returned error",
    500: "Internal Server Error",
    502: "Provider returned error",
    503: "Service temporarily unavailable",
    504: "Gateway Timeout",
    524: "Request timed out. Please try again later.",
    529: "Provider returned error",
}


@pytest.mark.parametrize("status", sorted(FAULT_STATUSES))
async def test_status_faults_send_the_real_body(make_sim, status: int) -> None:
    faults = FaultProfile(status={status: 1.0}, retry_after_s=40.0)
    sim = await make_sim(SimConfig(time_scale=0.05, faults=faults))
    response = await sim.chat(chat_body())
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status
    assert error["message"].startswith(MESSAGES[status])
    if status in (429, 503):
        assert response.headers["retry-after"] == "2"
    if status == 429:
        assert error["metadata"]["retry_after_seconds"] == 2  # 40 emulated s x time_scale 0.05
        assert "temporarily rate-limited upstream" in error["metadata"]["raw"]
    assert (await sim.stats())["by_status"] == {str(status): 1}


async def test_fault_draws_depend_on_body_and_occurrence_only(make_sim) -> None:
    config = SimConfig(time_scale=0, faults=FaultProfile(status={500: 0.5}))

    async def statuses() -> list[int]:
        sim = await make_sim(config)
        return [(await sim.chat(chat_body())).status_code for _ in range(16)]

    first = await statuses()
    assert first == await statuses()
    assert set(first) == {200, 500}  # retrying the same body can succeed


async def test_faults_only_hit_listed_models(make_sim) -> None:
    faults = FaultProfile(status={502: 1.0}, models=("openai/gpt-4o",))
    sim = await make_sim(SimConfig(time_scale=0, faults=faults))
    assert (await sim.chat(chat_body(model="openai/gpt-4o"))).status_code == 502
    assert (await sim.chat(chat_body(model="openai/gpt-4o-mini"))).status_code == 200


async def test_injected_errors_fall_through_a_models_list(make_sim) -> None:
    faults = FaultProfile(status={502: 1.0}, models=("openai/gpt-4o",))
    sim = await make_sim(SimConfig(time_scale=0, faults=faults))
    body = chat_body(model="openai/gpt-4o", models=["openai/gpt-4o-mini"])
    response = await sim.chat(body)
    assert response.status_code == 200
    assert response.json()["model"] == "openai/gpt-4o-mini"


async def test_mid_stream_error_event_and_no_done(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(mid_stream_error=1.0)))
    response = await sim.chat(chat_body("Tell me a long story.", stream=True))
    assert response.status_code == 200
    events = data_events(response.text)
    assert "[DONE]" not in events
    last = events[-1]
    assert last["error"] == {
        "code": 502,
        "message": "Provider disconnected unexpectedly",
        "metadata": {"error_type": "provider_unavailable"},
    }
    assert last["choices"] == [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    assert any(e["choices"] and e["choices"][0]["delta"].get("content") for e in events[1:-1])
    stats = await sim.stats()
    assert stats["by_status"] == {"mid_stream_error": 1}
    assert stats["billed_count"] == 0


async def test_dropped_connection_in_process(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(drop_connection=1.0)))
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.chat(chat_body("Tell me a long story.", stream=True))
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.chat(chat_body("Tell me a long story."))
    stats = await sim.stats()
    assert stats["by_status"] == {"dropped": 2}
    assert stats["billed_count"] == 0


@pytest.mark.integration
async def test_stall_hits_the_client_read_timeout_in_process(make_sim) -> None:
    config = SimConfig(time_scale=0, max_stall_s=5.0, faults=FaultProfile(stall=1.0))
    sim = await make_sim(config, timeout=0.2)
    with pytest.raises(httpx.ReadTimeout):
        async with sim.http.stream(
            "POST", "/chat/completions", json=chat_body("Story?", stream=True)
        ) as r:
            async for _ in r.aiter_bytes():
                pass
    with pytest.raises(httpx.ReadTimeout):
        await sim.chat(chat_body("Story?"))
    stats = await sim.stats()
    assert stats["by_status"] == {"stalled": 2}
    assert stats["in_flight"] == 0


async def test_truncated_stream_is_cut_after_its_first_chunk_and_billed(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(truncated_stream=1.0)))
    seen: list[bytes] = []
    with pytest.raises(httpx.RemoteProtocolError):
        async with sim.http.stream(
            "POST", "/chat/completions", json=chat_body("Tell me a long story.", stream=True)
        ) as r:
            gen_id = r.headers["x-generation-id"]
            async for part in r.aiter_bytes():
                seen.append(part)
    events = data_events(b"".join(seen).decode())
    assert len(events) == 1  # the role chunk alone, with the id
    assert events[0]["id"] == gen_id
    assert events[0]["choices"][0]["delta"].get("content", "") == ""
    with pytest.raises(httpx.RemoteProtocolError):
        await sim.chat(chat_body("Tell me a long story."))
    stats = await sim.stats()
    assert stats["by_status"] == {"truncated": 2}
    assert stats["billed_count"] == 2
    assert stats["delivered_by_body_hash"] == {}  # billed, but never received whole
    assert stats["billed_total_usd"] > 0
    generation = (await sim.http.get("/generation", params={"id": gen_id})).json()["data"]
    assert generation["total_cost"] > 0
    assert generation["cancelled"] is False


async def test_garbage_body_is_an_html_200_for_streams_and_json(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, faults=FaultProfile(garbage_body=1.0)))
    for stream in (True, False):
        response = await sim.chat(chat_body("Hi", stream=stream))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.startswith("<!DOCTYPE html>")
    stats = await sim.stats()
    assert stats["by_status"] == {"garbage_body": 2}
    assert stats["billed_count"] == 0


@pytest.mark.integration
async def test_stall_after_headers_sends_no_byte(make_sim) -> None:
    config = SimConfig(time_scale=0, max_stall_s=5.0, faults=FaultProfile(stall_after_headers=1.0))
    sim = await make_sim(config, timeout=0.2)
    seen: list[bytes] = []
    with pytest.raises(httpx.ReadTimeout):
        async with sim.http.stream(
            "POST", "/chat/completions", json=chat_body("Story?", stream=True)
        ) as r:
            assert r.status_code == 200
            async for part in r.aiter_bytes():
                seen.append(part)
    assert seen == []
    stats = await sim.stats()
    assert stats["by_status"] == {"stalled_after_headers": 1}
    assert stats["billed_count"] == 0
    assert stats["in_flight"] == 0


def test_new_fault_kinds_keep_the_old_draws() -> None:
    # Appended slices leave every earlier fault where it was for the same seed and body.
    from orkit.sim.faults import FaultPlan

    old = FaultPlan(FaultProfile(status={500: 0.2}, stall=0.1), seed=3)
    new = FaultPlan(FaultProfile(status={500: 0.2}, stall=0.1, garbage_body=0.1), seed=3)
    draws = [(f"body{i}", 0, "m") for i in range(400)]
    changed = [d for d in draws if old.decide(*d) != new.decide(*d)]
    assert changed  # the new slice takes some of the draws that met no fault before
    assert all(old.decide(*d) is None for d in changed)
    faults = [new.decide(*d) for d in changed]
    assert all(fault is not None and fault.kind == "garbage_body" for fault in faults)


@contextmanager
def _server(catalog, faults: FaultProfile) -> Iterator[str]:
    app = create_app(SimConfig(time_scale=0, max_stall_s=3.0, faults=faults), catalog=catalog)
    with serve_in_thread(app=app) as url:
        yield url


@pytest.mark.integration
def test_faults_over_a_real_loopback_port(catalog) -> None:
    body = chat_body("Tell me a long story.", stream=True)
    with _server(catalog, FaultProfile(drop_connection=1.0)) as url:
        for stream in (True, False):
            with pytest.raises(httpx.RemoteProtocolError):
                httpx.post(f"{url}/chat/completions", json={**body, "stream": stream}, headers=AUTH)
    with _server(catalog, FaultProfile(stall=1.0)) as url, pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{url}/chat/completions", json=body, headers=AUTH, timeout=0.3)
    with _server(catalog, FaultProfile(mid_stream_error=1.0)) as url:
        events = data_events(httpx.post(f"{url}/chat/completions", json=body, headers=AUTH).text)
        assert events[-1]["choices"][0]["finish_reason"] == "error"
        assert "[DONE]" not in events
    with _server(catalog, FaultProfile(status={503: 1.0})) as url:
        response = httpx.post(f"{url}/chat/completions", json=body, headers=AUTH)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "0"  # time_scale 0: retry at once
