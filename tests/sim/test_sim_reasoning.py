"""Reasoning: text and tokens for models whose catalog entry supports it, shaped by effort or
`max_tokens`, hidden by `exclude`, counted in completion tokens and billed as output,
streamed as `delta.reasoning`, and eating the answer when `max_tokens` is small."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from orkit.sim import ModelProfile, SimConfig
from orkit.sim.reasoning import EFFORT_SHARES

from .sim_testkit import START, FakeTime, chat_body, data_events

WIRE = Path(__file__).resolve().parents[1] / "fixtures" / "wire"
CLAUDE = "anthropic/claude-haiku-4.5"  # reasoning: {"mandatory": false}
SKILLED = SimConfig(time_scale=0, models={CLAUDE: ModelProfile(skill=1.0)})


def reasoned(**extra: Any) -> dict[str, Any]:
    return chat_body("What is 2 + 2?", model=CLAUDE, temperature=0, **extra)


def message_of(body: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = body["choices"][0]["message"]
    return message


async def test_reasoning_text_and_tokens_come_back_when_asked(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (await sim.chat(reasoned(reasoning={"effort": "low"}))).json()
    message = message_of(body)
    assert message["content"] == "4"
    assert message["reasoning"].startswith("The user asks: What is 2 + 2?")
    [detail] = message["reasoning_details"]
    assert detail == {
        "type": "reasoning.text",
        "text": message["reasoning"],
        "format": "anthropic-claude-v1",
        "index": 0,
    }
    usage = body["usage"]
    reasoning_tokens = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning_tokens > 0
    assert usage["completion_tokens"] == reasoning_tokens + 1  # `4` is one token
    # low effort: 10-20% of the 2048 tokens assumed when max_tokens is not set
    assert 0.1 * 2048 <= reasoning_tokens <= 0.2 * 2048


async def test_the_body_has_the_captured_reasoning_structure(make_sim) -> None:
    sim = await make_sim(SKILLED)
    ours = message_of((await sim.chat(reasoned(reasoning={"effort": "low"}))).json())
    real = json.loads((WIRE / "chat-ok-reasoning-claude-haiku.json").read_text())
    real_message = real["choices"][0]["message"]
    assert list(ours) == list(real_message)
    assert set(ours["reasoning_details"][0]) <= set(real_message["reasoning_details"][0])


async def test_reasoning_tokens_are_billed_as_output(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (await sim.chat(reasoned(reasoning={"max_tokens": 300}))).json()
    usage = body["usage"]
    runtime = sim.sim.book.get(CLAUDE)
    [endpoint] = [e for e in runtime.endpoints if e.provider.name == body["provider"]]
    price = runtime.prices
    tokens = usage["prompt_tokens"] * price.prompt + usage["completion_tokens"] * price.completion
    assert Decimal(str(usage["cost"])) == pytest.approx(tokens * endpoint.multiplier)
    completion_cost = Decimal(str(usage["cost_details"]["upstream_inference_completions_cost"]))
    plain = (await sim.chat(reasoned())).json()["usage"]
    assert plain["completion_tokens_details"]["reasoning_tokens"] == 0
    assert completion_cost > Decimal(
        str(plain["cost_details"]["upstream_inference_completions_cost"])
    )
    assert 150 <= usage["completion_tokens_details"]["reasoning_tokens"] <= 300


async def test_effort_shapes_the_reasoning_length(make_sim) -> None:
    sim = await make_sim(SKILLED)
    lengths = []
    for effort in ("minimal", "low", "medium", "high"):
        body = (await sim.chat(reasoned(reasoning={"effort": effort}, max_tokens=4000))).json()
        tokens = body["usage"]["completion_tokens_details"]["reasoning_tokens"]
        share = EFFORT_SHARES[effort]
        assert 0.5 * share * 4000 <= tokens <= share * 4000
        lengths.append(tokens)
    assert lengths == sorted(lengths) and len(set(lengths)) == 4
    shorthand = (await sim.chat(reasoned(reasoning_effort="high", max_tokens=4000))).json()
    assert shorthand["usage"]["completion_tokens_details"]["reasoning_tokens"] == lengths[-1]


async def test_exclude_keeps_the_tokens_and_the_cost_but_sends_no_text(make_sim) -> None:
    sim = await make_sim(SKILLED)
    shown = (await sim.chat(reasoned(reasoning={"effort": "low"}))).json()
    hidden = (await sim.chat(reasoned(reasoning={"effort": "low", "exclude": True}))).json()
    assert message_of(hidden)["reasoning"] is None
    assert "reasoning_details" not in message_of(hidden)
    assert message_of(hidden)["content"] == "4"
    assert hidden["usage"]["completion_tokens"] == shown["usage"]["completion_tokens"]
    stream = data_events(
        (await sim.chat(reasoned(reasoning={"effort": "low", "exclude": True}, stream=True))).text
    )
    assert not any(e["choices"] and "reasoning" in e["choices"][0]["delta"] for e in stream[:-1])
    assert stream[-2]["usage"]["completion_tokens"] == shown["usage"]["completion_tokens"]


async def test_reasoning_that_uses_up_max_tokens_leaves_the_content_empty(make_sim) -> None:
    sim = await make_sim(SKILLED)
    body = (await sim.chat(reasoned(reasoning={"max_tokens": 400}, max_tokens=50))).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] == ""
    assert body["usage"]["completion_tokens"] == 50
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 50


async def test_streamed_reasoning_comes_before_the_content(make_sim) -> None:
    sim = await make_sim(SKILLED)
    plain = (await sim.chat(reasoned(reasoning={"effort": "low"}))).json()
    events = data_events((await sim.chat(reasoned(reasoning={"effort": "low"}, stream=True))).text)
    deltas = [e["choices"][0]["delta"] for e in events[:-1] if e["choices"]]
    reasoning = "".join(d.get("reasoning") or "" for d in deltas)
    content = "".join(d.get("content") or "" for d in deltas)
    assert reasoning == message_of(plain)["reasoning"] and content == "4"
    first_content = next(i for i, d in enumerate(deltas) if d.get("content"))
    last_reasoning = max(i for i, d in enumerate(deltas) if d.get("reasoning"))
    assert last_reasoning < first_content
    real = data_events((WIRE / "stream-reasoning-claude-sonnet-4.5.sse").read_text())
    real_delta = next(
        e["choices"][0]["delta"] for e in real[:-1] if e["choices"][0]["delta"].get("reasoning")
    )
    ours_delta = next(d for d in deltas if d.get("reasoning"))
    assert list(ours_delta) == list(real_delta)
    assert events[-2]["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


async def test_generation_reports_the_reasoning_tokens(make_sim) -> None:
    clock = FakeTime(START)
    sim = await make_sim(SKILLED, time_fn=clock)
    body = (await sim.chat(reasoned(reasoning={"effort": "low"}))).json()
    clock.advance(5)
    stats = (await sim.http.get("/generation", params={"id": body["id"]})).json()["data"]
    reasoning = body["usage"]["completion_tokens_details"]["reasoning_tokens"]
    assert stats["native_tokens_reasoning"] == reasoning > 0
    assert stats["tokens_completion"] == body["usage"]["completion_tokens"]


@pytest.mark.parametrize(
    "extra",
    [
        {},  # not asked
        {"reasoning": {"effort": "none"}},
        {"reasoning": {"enabled": False}},
    ],
)
async def test_no_reasoning_unless_asked(make_sim, extra: dict[str, Any]) -> None:
    sim = await make_sim(SKILLED)
    body = (await sim.chat(reasoned(**extra))).json()
    assert message_of(body)["reasoning"] is None
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


async def test_a_model_without_reasoning_support_ignores_the_ask(make_sim) -> None:
    sim = await make_sim()
    body = (
        await sim.chat(chat_body(model="ibm-granite/granite-4.1-8b", reasoning={"effort": "high"}))
    ).json()
    assert message_of(body)["reasoning"] is None
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


async def test_default_reasoning_thinks_unasked_where_the_catalog_says_so(make_sim) -> None:
    model = "deepseek/deepseek-v4-flash-0731"
    entry = (await make_sim()).sim.catalog.by_id[model]
    assert entry["reasoning"].get("default_enabled") or entry["reasoning"].get("mandatory")
    sim = await make_sim(SimConfig(time_scale=0, default_reasoning=True))
    body = (await sim.chat(chat_body(model=model))).json()
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    unasked = await make_sim()
    plain = (await unasked.chat(chat_body(model=model))).json()
    assert plain["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ({"reasoning": {"effort": "huge"}}, "reasoning.effort must be one of"),
        ({"reasoning": {"max_tokens": 0}}, "reasoning.max_tokens must be"),
        ({"reasoning": "high"}, "reasoning must be an object"),
        ({"reasoning": {"effort": "low"}, "reasoning_effort": "high"}, "conflicts"),
    ],
)
async def test_malformed_reasoning_is_a_400(make_sim, extra: dict[str, Any], said: str) -> None:
    sim = await make_sim()
    response = await sim.chat(reasoned(**extra))
    assert response.status_code == 400 and said in response.json()["error"]["message"]
