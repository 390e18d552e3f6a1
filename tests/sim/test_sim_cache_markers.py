"""The emulator answers a prompt the same with and without prompt-cache markers: the answer,
its tokens, reasoning, tool calls and faults are drawn from the messages as the model reads
them (`orkit.sim.seeding`); only the bill differs, by caching."""

from __future__ import annotations

import json
from typing import Any

from orkit.sim import FaultProfile, ModelProfile, ProviderProfile, SimConfig, Simulator
from orkit.sim._hashing import body_hash
from orkit.sim.seeding import seed_hash, seed_messages

from .sim_testkit import FakeTime

HAIKU = "anthropic/claude-haiku-4.5"  # an explicit-cache model: it caches at breakpoints only
KEY = "sk-or-v1-cache-markers-test-key"
SYSTEM = "You answer briefly. " + " ".join(["rule"] * 1200)  # a cacheable ~1,200 tokens
MARK = {"type": "ephemeral"}
QUESTIONS = [
    *(f"What is {a} + {b}?" for a, b in ((17, 25), (123, 456), (9, 9), (301, 7), (64, 36))),
    *(f"What is the capital of {c}?" for c in ("Spain", "Malta", "Peru", "Kenya", "Norway")),
    *(f"Describe item {i} in a few words." for i in range(10)),
]


def _config(**extra: Any) -> SimConfig:
    provider = ProviderProfile(name="Anthropic", slug="anthropic")
    models = {HAIKU: ModelProfile(skill=0.5, providers=(provider,))}
    return SimConfig(models=models, time_scale=0, seed=7, **extra)


def _string(text: str) -> Any:
    return text


def _lone_part(text: str) -> Any:
    return [{"type": "text", "text": text}]


def _marked_part(text: str) -> Any:  # orkit's breakpoint on a string system prompt
    return [{"type": "text", "text": text, "cache_control": MARK}]


def _marked_1h(text: str) -> Any:
    return [{"type": "text", "text": text, "cache_control": {**MARK, "ttl": "1h"}}]


SHAPES = (_string, _lone_part, _marked_part, _marked_1h)


def _body(question: str, shape: Any = _string, **extra: Any) -> dict[str, Any]:
    messages = [{"role": "system", "content": shape(SYSTEM)}, {"role": "user", "content": question}]
    return {"model": HAIKU, "messages": messages, **extra}


def _plan(sim: Simulator, body: dict[str, Any]) -> Any:
    plan = sim.plan_chat(KEY, json.dumps(body).encode())
    sim.settle(plan, "200")
    return plan


def _said(plan: Any) -> tuple[Any, ...]:
    answer = plan.answer
    calls = tuple((c.call_id, c.name, c.arguments) for c in answer.tool_calls)
    reasoning = answer.reasoning.pieces if answer.reasoning is not None else None
    return (
        answer.content,
        answer.finish_reason,
        plan.prompt_tokens,
        answer.tokens,
        calls,
        reasoning,
    )


def _sweep(shape: Any, **extra: Any) -> list[Any]:
    """One fresh emulator's plans for every question, the system prompt in `shape`."""
    sim = Simulator(_config(), time_fn=FakeTime())
    return [_plan(sim, _body(q, shape, **extra)) for q in QUESTIONS]


def test_a_marked_or_part_shaped_prompt_gets_the_plain_prompts_answers() -> None:
    plain = _sweep(_string)
    assert len({p.answer.content for p in plain}) > len(QUESTIONS) // 2  # not one canned text
    assert {p.answer.correct for p in plain} >= {True, False}  # skill 0.5: hits and misses
    for shape in SHAPES[1:]:
        plans = _sweep(shape)
        assert [_said(p) for p in plans] == [_said(p) for p in plain], shape.__name__


def test_only_the_bill_differs_and_only_by_caching() -> None:
    plain, marked = _sweep(_string), _sweep(_marked_part)
    assert all(p.charge.cached_tokens == p.charge.cache_write_tokens == 0 for p in plain)
    assert marked[0].charge.cache_write_tokens > 0  # the first marked request writes
    assert all(p.charge.cached_tokens > 0 for p in marked[1:])  # later ones read
    for before, after in zip(plain, marked, strict=True):
        assert after.charge.completion == before.charge.completion
        assert after.charge.prompt != before.charge.prompt  # cached or written: priced apart


def test_a_marker_on_a_parts_list_and_the_bodys_cache_keys_change_nothing() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    parts = [{"type": "text", "text": "Look at this."}, image]
    marked = [parts[0], {**image, "cache_control": MARK}]
    extra = {"cache_control": MARK, "prompt_cache_key": "sweep-1"}
    sims = [Simulator(_config(), time_fn=FakeTime()) for _ in range(2)]
    for question in QUESTIONS[:6]:
        plain_body = _body(question)
        plain_body["messages"][1]["content"] = [*parts, {"type": "text", "text": question}]
        marked_body = _body(question, **extra)
        marked_body["messages"][1]["content"] = [*marked, {"type": "text", "text": question}]
        assert _said(_plan(sims[0], plain_body)) == _said(_plan(sims[1], marked_body))


def test_tool_calls_and_reasoning_do_not_depend_on_markers() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "describe_item",
            "description": "Describe an item",
            "parameters": {"type": "object", "properties": {"item": {"type": "integer"}}},
        },
    }
    extra = {"tools": [tool], "reasoning": {"max_tokens": 200}}
    plain, marked = _sweep(_string, **extra), _sweep(_marked_part, **extra)
    assert any(p.answer.tool_calls for p in plain)
    assert any(p.answer.reasoning is not None for p in plain)
    assert [_said(p) for p in marked] == [_said(p) for p in plain]


def test_faults_keyed_on_the_body_fall_alike_with_and_without_markers() -> None:
    faults = FaultProfile(mid_stream_error=0.3, empty_completion=0.3)
    runs = []
    for shape in (_string, _marked_part):
        sim = Simulator(_config(faults=faults), time_fn=FakeTime())
        runs.append([_plan(sim, _body(q, shape)).answer.finish_reason for q in QUESTIONS])
    assert {"error", None} <= set(runs[0])  # both faults were drawn
    assert runs[1] == runs[0]


def test_one_emulator_answers_the_marked_sweep_as_the_plain_one() -> None:
    # Repeats count per body as sent, so the second sweep is not a repeat of the first
    # (at the default temperature a repeat may answer differently).
    sim = Simulator(_config(), time_fn=FakeTime())
    plain = [_plan(sim, _body(q)) for q in QUESTIONS]
    marked = [_plan(sim, _body(q, _marked_part)) for q in QUESTIONS]
    assert [_said(p) for p in marked] == [_said(p) for p in plain]


def test_an_unmarked_body_is_its_own_seed() -> None:
    body = _body("What is 2 + 2?", temperature=0)
    messages = body["messages"]
    seeded = seed_messages(messages)
    assert all(a is b for a, b in zip(seeded, messages, strict=True))
    assert seed_hash(body, messages, seeded) == body_hash(body)  # answers as before


def test_the_seed_view_drops_markers_and_unwraps_a_lone_text_part() -> None:
    body = _body("Hi?", _marked_part, cache_control=MARK, prompt_cache_options={"mode": "x"})
    seeded = seed_messages(body["messages"])
    assert seeded[0] == {"role": "system", "content": SYSTEM}
    assert seeded[1] is body["messages"][1]
    assert seed_hash(body, body["messages"], seeded) == body_hash(_body("Hi?"))
    two = [{"type": "text", "text": "a", "cache_control": MARK}, {"type": "text", "text": "b"}]
    message = {"role": "user", "content": two, "cache_control": MARK}
    (bare,) = seed_messages([message])
    assert bare == {"role": "user", "content": [{"type": "text", "text": "a"}, two[1]]}
