"""The emulator's bodies have the same structure (key paths, key order) as real captures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orkit.sim import ModelProfile, SimConfig

from .sim_testkit import START, FakeTime, chat_body, data_events

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"


def _fixture(name: str) -> Any:
    return json.loads((WIRE / name).read_text())


def _paths(value: Any, prefix: str = "") -> list[str]:
    """Key paths in order (lists contribute their first element)."""
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append(prefix + key)
            out.extend(_paths(item, f"{prefix}{key}."))
    elif isinstance(value, list) and value:
        out.extend(_paths(value[0], f"{prefix}0."))
    return out


async def test_json_body_has_the_2026_capture_structure(make_sim) -> None:
    sim = await make_sim()
    ours = (await sim.chat(chat_body())).json()
    real = _fixture("chat-ok-google-gemini-2.5-flash.json")
    assert _paths(ours) == _paths(real)


async def test_stream_chunks_have_the_capture_structure(make_sim) -> None:
    sim = await make_sim()
    ours = data_events(
        (await sim.chat(chat_body(stream=True, model="anthropic/claude-haiku-4.5"))).text
    )
    real_text = (WIRE / "stream-usage-chunk-empty-choices.sse").read_text()
    real = data_events(real_text)
    assert ours[-1] == real[-1] == "[DONE]"
    assert _paths(ours[-2]) == _paths(real[-2])  # the `choices: []` usage chunk
    ours_keys, real_keys = set(_paths(ours[1])), set(_paths(real[1]))
    assert real_keys <= ours_keys  # ours adds `logprobs: null`, as the 2025 OpenAI captures do


@pytest.mark.parametrize(
    "fixture",
    ["error-401-missing-authentication-header.json"],
)
async def test_auth_error_is_byte_identical(make_sim, fixture: str) -> None:
    sim = await make_sim(headers={})
    response = await sim.chat(chat_body())
    assert response.content == (WIRE / fixture).read_bytes()


async def test_error_bodies_have_the_capture_structure(make_sim, catalog) -> None:
    clock = FakeTime()
    config = SimConfig(
        time_scale=0,
        window_scale=1.0,
        start_time=START,
        free_per_minute=100,
        lifetime_purchases_usd=0.0,
        credits_usd=0.001,
        models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)},
    )
    sim = await make_sim(config, time_fn=clock)
    invalid = (await sim.chat(chat_body(model="openai/gpt-oss-90b"))).json()
    assert _paths(invalid) == _paths(_fixture("error-400-invalid-model-id.json"))
    credits = (await sim.chat(chat_body(model="anthropic/claude-haiku-4.5"))).json()
    assert _paths(credits) == _paths(_fixture("error-402-requires-more-credits.json"))
    no_endpoints = (await sim.chat(chat_body(provider={"only": ["nobody"]}))).json()
    assert _paths(no_endpoints) == _paths(_fixture("error-404-no-endpoints.json"))
    for index in range(51):
        last = await sim.chat(chat_body(f"Say {index}", "openai/gpt-oss-20b:free"))
    assert _paths(last.json()) == _paths(_fixture("error-429-free-models-per-day.json"))
