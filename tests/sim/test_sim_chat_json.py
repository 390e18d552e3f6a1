"""Non-streaming chat completions: body shape, headers, truncation, formats, validation."""

from __future__ import annotations

import json
import re

import pytest

from orkit.sim import ModelProfile, SimConfig

from .sim_testkit import chat_body

GEN_ID = re.compile(r"^gen-\d{10}-[A-Za-z0-9]{20}$")


async def test_json_body_matches_the_real_shape_and_key_order(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.text.startswith("\n         \n")  # keep-alive padding, as captured
    body = response.json()
    assert list(body) == [
        "id",
        "object",
        "created",
        "model",
        "provider",
        "system_fingerprint",
        "choices",
        "usage",
    ]
    assert GEN_ID.match(body["id"])
    assert response.headers["x-generation-id"] == body["id"]
    assert body["object"] == "chat.completion"
    assert body["model"] == "openai/gpt-4o-mini"
    assert body["provider"] in ("OpenAI", "Azure")
    choice = body["choices"][0]
    assert list(choice) == ["index", "logprobs", "finish_reason", "native_finish_reason", "message"]
    assert choice["message"] == {
        "role": "assistant",
        "content": choice["message"]["content"],
        "refusal": None,
        "reasoning": None,
    }
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert list(usage) == [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cost",
        "is_byok",
        "prompt_tokens_details",
        "cost_details",
        "completion_tokens_details",
    ]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["cost"] == usage["cost_details"]["upstream_inference_cost"] > 0
    assert usage["is_byok"] is False


async def test_without_padding_the_body_has_a_content_length(make_sim) -> None:
    sim = await make_sim(SimConfig(time_scale=0, json_padding=False))
    response = await sim.chat(chat_body())
    assert response.text.startswith("{")
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize(
    ("model", "native"),
    [
        ("openai/gpt-4o-mini", "length"),
        ("google/gemini-2.5-flash", "MAX_TOKENS"),
        ("anthropic/claude-haiku-4.5", "max_tokens"),
    ],
)
async def test_max_tokens_truncates_with_length_finish(make_sim, model: str, native: str) -> None:
    sim = await make_sim()
    body = (
        await sim.chat(chat_body("Write an essay about evaluation.", model, max_tokens=7))
    ).json()
    choice = body["choices"][0]
    assert body["usage"]["completion_tokens"] == 7
    assert choice["finish_reason"] == "length"
    assert choice["native_finish_reason"] == native


async def test_max_completion_tokens_is_honoured_too(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(chat_body("Tell me a story.", max_completion_tokens=3))).json()
    assert body["usage"]["completion_tokens"] == 3


async def test_stop_sequence_cuts_the_answer(make_sim) -> None:
    sim = await make_sim(
        SimConfig(time_scale=0, models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)})
    )
    body = (await sim.chat(chat_body("Reverse the string: abcdef", stop=["c"]))).json()
    assert body["choices"][0]["message"]["content"] == "fed"
    assert body["choices"][0]["finish_reason"] == "stop"


async def test_json_response_formats_wrap_the_answer(make_sim) -> None:
    sim = await make_sim(
        SimConfig(time_scale=0, models={"openai/gpt-4o-mini": ModelProfile(skill=1.0)})
    )
    plain = await sim.chat(chat_body(response_format={"type": "json_object"}))
    assert json.loads(plain.json()["choices"][0]["message"]["content"]) == {"answer": 42}
    schema = {
        "type": "json_schema",
        "json_schema": {
            "name": "a",
            "schema": {"type": "object", "properties": {"result": {"type": "integer"}}},
        },
    }
    typed = await sim.chat(chat_body(response_format=schema))
    assert json.loads(typed.json()["choices"][0]["message"]["content"]) == {"result": 42}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "Invalid JSON in request body"),
        (b'{"model": "openai/gpt-4o-mini"}', 'Input required: specify "prompt" or "messages"'),
        (b'{"messages": [{"role": "robot", "content": "hi"}]}', "messages[0].role must be one of"),
        (
            b'{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}',
            "max_tokens must be",
        ),
        (
            b'{"messages": [{"role": "user", "content": "hi"}], "temperature": 3}',
            "temperature must",
        ),
    ],
)
async def test_invalid_bodies_are_400_with_a_message(make_sim, raw: bytes, message: str) -> None:
    sim = await make_sim()
    response = await sim.http.post("/chat/completions", content=raw)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert message in error["message"]


async def test_empty_input_is_rejected_like_openrouter(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body(""))
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "message": "Input must have at least 1 token.",
            "code": 400,
            "metadata": {"provider_name": None},
        }
    }


async def test_context_length_overflow_is_400(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(chat_body("word " * 20, max_tokens=200_000))
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert message.startswith("This endpoint's maximum context length is 128000 tokens.")
    assert "200000 in the output" in message
