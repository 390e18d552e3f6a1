"""Prompt-cache breakpoints on the request side: the `prompt_cache` / `cache_ttl` spec keys
and flags, where each mode puts `cache_control` (system, auto, message:N; chat datasets
and few-shot prompts too), explicit-cache models only, and byte-identical requests without
it (task keys, recorded messages and bodies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from orkit import Sweep, load_spec
from orkit._hashing import canonical_json
from orkit.data import PromptTemplate
from orkit.errors import SpecError
from orkit.plan import plan_sweep
from orkit.plan._cache_breakpoints import (
    common_prefix_end,
    marks_breakpoints,
    with_breakpoint,
)

CLAUDE = "anthropic/claude-haiku-4.5"
GPT = "openai/gpt-4o-mini"
SYSTEM = "You grade answers. " * 3
ITEMS = [{"id": f"q{i}", "question": f"What is {i} + {i}?"} for i in range(3)]
EPHEMERAL = {"type": "ephemeral"}


def _sweep(**extra: Any) -> Sweep:
    settings: dict[str, Any] = {
        "dataset": ITEMS,
        "models": [CLAUDE, GPT],
        "prompt": "{{ question }}",
        "system": SYSTEM,
        "endpoint": "sim",
        **extra,
    }
    return Sweep(**settings)


def _bodies(sweep: Sweep) -> dict[tuple[str, str], dict[str, Any]]:
    """Each task's request body (stream off), by (model, item id)."""
    return {(t.model, t.item_id): t.request.to_body(stream=False) for t in sweep.tasks()}


def _marked(text: str, marker: dict[str, str] = EPHEMERAL) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text, "cache_control": marker}]


def test_system_mode_marks_the_system_prompt_of_explicit_models_only() -> None:
    plain, cached = _bodies(_sweep()), _bodies(_sweep(prompt_cache="system"))
    for item in ITEMS:
        claude = cached[(CLAUDE, item["id"])]["messages"]
        assert claude[0] == {"role": "system", "content": _marked(SYSTEM)}
        assert claude[1] == {"role": "user", "content": item["question"]}
        # implicit models get the very request a sweep without prompt_cache sends
        assert json.dumps(cached[(GPT, item["id"])]) == json.dumps(plain[(GPT, item["id"])])


def test_without_prompt_cache_bodies_keys_and_recorded_messages_are_unchanged() -> None:
    plain = list(_sweep().tasks())
    cached = list(_sweep(prompt_cache="system", cache_ttl="1h").tasks())
    assert [t.key for t in plain] == [t.key for t in cached]  # resume and keys: the prompt
    assert [t.messages_json for t in plain] == [t.messages_json for t in cached]
    for task in plain:  # no content parts anywhere without prompt_cache
        body = task.request.to_body(stream=True)
        assert all(isinstance(m["content"], str) for m in body["messages"])


def test_a_one_hour_ttl_is_on_the_marker() -> None:
    bodies = _bodies(_sweep(prompt_cache="system", cache_ttl="1h"))
    system = bodies[(CLAUDE, "q0")]["messages"][0]
    assert system["content"] == _marked(SYSTEM, {"type": "ephemeral", "ttl": "1h"})


def test_message_mode_marks_the_nth_message() -> None:
    bodies = _bodies(_sweep(prompt_cache="message:1"))
    messages = bodies[(CLAUDE, "q2")]["messages"]
    assert messages[0]["content"] == SYSTEM
    assert messages[1]["content"] == _marked("What is 2 + 2?")


def test_message_mode_past_the_prompt_names_the_key_and_the_item() -> None:
    with pytest.raises(SpecError, match=r"prompt_cache.*'q0'"):
        plan_sweep(_sweep(prompt_cache="message:5"))


def test_auto_marks_the_end_of_what_every_item_shares() -> None:
    template = PromptTemplate(
        "{{ question }}",
        system=SYSTEM,
        few_shot=[{"input": "1 + 1?", "output": "2"}, {"input": "3 + 3?", "output": "6"}],
    )
    sweep = _sweep(prompt=template, system=None, prompt_cache="auto")
    messages = _bodies(sweep)[(CLAUDE, "q1")]["messages"]
    # system, two shots (user, assistant each), then the item's own question
    assert [m["role"] for m in messages] == [
        "system",
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
    ]
    assert messages[4]["content"] == _marked("6")
    assert all(isinstance(m["content"], str) for i, m in enumerate(messages) if i != 4)


def test_auto_with_nothing_shared_sends_no_breakpoint() -> None:
    sweep = _sweep(system=None, prompt_cache="auto")
    assert _bodies(sweep) == _bodies(_sweep(system=None))


def test_a_chat_dataset_marks_the_last_text_part_of_a_parts_message() -> None:
    rows = [
        {
            "id": "c1",
            "chat": [
                {
                    "role": "system",
                    "content": [{"type": "text", "text": "A"}, {"type": "text", "text": "B"}],
                },
                {"role": "user", "content": "Hi"},
            ],
        }
    ]
    template = PromptTemplate(messages="chat")
    sweep = Sweep(
        dataset=rows, models=[CLAUDE], prompt=template, endpoint="sim", prompt_cache="system"
    )
    (body,) = _bodies(sweep).values()
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "A"},
        {"type": "text", "text": "B", "cache_control": EPHEMERAL},
    ]


def test_with_breakpoint_leaves_what_it_cannot_mark() -> None:
    messages = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    assert with_breakpoint(messages, 0, "5m") is messages
    assert with_breakpoint(messages, None, "5m") is messages
    calls: list[dict[str, Any]] = [{"role": "assistant", "content": None, "tool_calls": []}]
    assert with_breakpoint(calls, 0, "5m") is calls


def test_common_prefix_end() -> None:
    a, b, c = ({"role": "user", "content": x} for x in "abc")
    assert common_prefix_end([[a, b, c], [a, b], [a, b, a]]) == 1
    assert common_prefix_end([[a], [b]]) is None
    assert common_prefix_end([]) is None
    assert common_prefix_end([[a, b]]) == 1


def test_explicit_models() -> None:
    assert marks_breakpoints("anthropic/claude-sonnet-4.5")
    assert marks_breakpoints("~anthropic/claude-sonnet-latest")
    assert marks_breakpoints("qwen/qwen3-max")
    assert not marks_breakpoints("openai/gpt-5")
    assert not marks_breakpoints("google/gemini-2.5-flash")


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("prompt_cache", "systm", "field 'prompt_cache': must be one of"),
        ("prompt_cache", "message:x", "field 'prompt_cache': must be one of"),
        ("prompt_cache", True, "field 'prompt_cache': must be one of"),
        ("cache_ttl", "10m", "field 'cache_ttl': must be '5m' or '1h'"),
    ],
)
def test_bad_values_name_the_spec_key(tmp_path: Path, key: str, value: Any, error: str) -> None:
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in ITEMS))
    spec = {
        "dataset": "items.jsonl",
        "models": [CLAUDE],
        "endpoint": "sim",
        "prompt": {"template": "{{ question }}"},
        key: value,
    }
    (tmp_path / "spec.toml").write_text(tomli_w.dumps(spec))
    with pytest.raises(SpecError, match=error) as caught:
        load_spec(tmp_path / "spec.toml")
    assert "\n" not in str(caught.value)
    assert "spec.toml" in str(caught.value)


def test_the_spec_round_trips_and_leaves_defaults_unsaid(tmp_path: Path) -> None:
    sweep = _sweep(prompt_cache="auto", cache_ttl="1h")
    spec = sweep.to_spec()
    assert (spec["prompt_cache"], spec["cache_ttl"]) == ("auto", "1h")
    assert "prompt_cache" not in _sweep().to_spec()
    assert "cache_ttl" not in _sweep().to_spec()
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in ITEMS))
    text = sweep.to_toml().replace('dataset = "<in-memory>"', 'dataset = "items.jsonl"')
    (tmp_path / "spec.toml").write_text(text)
    again = load_spec(tmp_path / "spec.toml")
    assert (again.prompt_cache, again.cache_ttl) == ("auto", "1h")
    assert canonical_json(spec["prompts"]) == canonical_json(again.to_spec()["prompts"])
