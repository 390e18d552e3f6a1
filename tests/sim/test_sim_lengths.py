"""Answer lengths follow the prompt's length cue and the model's verbosity, deterministically."""

from __future__ import annotations

import statistics

import pytest

from orkit.sim import ModelProfile, SimConfig
from orkit.sim.lengths import answer_length, length_cue

from .sim_testkit import chat_body

MODEL = "openai/gpt-4o-mini"
VERBOSITY = 200
SHORT = "In one word: how do you feel about {topic}?"
LONG = "Explain {topic} step by step."
PLAIN = "Write about {topic}."
TOPICS = [f"topic number {i}" for i in range(30)]


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Answer in one word: is the sky blue?", "short"),
        ("Reply with just the number.", "short"),
        ("Yes or no: is water wet?", "short"),
        ("Single-word answer please.", "short"),
        ("Explain step by step how tides work.", "long"),
        ("Describe bees in detail.", "long"),
        ("Write an essay about glass.", "long"),
        ("Explain step by step, then give the result in one word.", "long"),
        ("Write a few paragraphs about rivers.", "plain"),
        ("Someone said a word about it.", "plain"),
    ],
)
def test_length_cue_reads_the_request(text: str, cue: str) -> None:
    assert length_cue(_user(text)) == cue


def test_a_cue_in_the_system_message_counts() -> None:
    messages = [
        {"role": "system", "content": "Always answer in ONE WORD."},
        {"role": "user", "content": "Tell me about rivers."},
    ]
    assert length_cue(messages) == "short"


def test_answer_length_ranges_per_cue() -> None:
    draws = [i / 100 for i in range(100)]
    short = [answer_length("short", VERBOSITY, d) for d in draws]
    plain = [answer_length("plain", VERBOSITY, d) for d in draws]
    long = [answer_length("long", VERBOSITY, d) for d in draws]
    assert min(short) == 1 and max(short) == 1 + int(0.99 * (2 + VERBOSITY / 100))
    assert min(plain) == VERBOSITY // 2 and max(plain) == int(VERBOSITY * 1.49)
    assert min(long) == 2 * VERBOSITY and max(long) == int(VERBOSITY * 3.98)


async def _lengths(make_sim, template: str, **params: object) -> list[int]:
    config = SimConfig(time_scale=0, models={MODEL: ModelProfile(verbosity=VERBOSITY)})
    sim = await make_sim(config)
    out = []
    for topic in TOPICS:
        body = chat_body(template.format(topic=topic), MODEL, temperature=0, **params)
        out.append((await sim.chat(body)).json()["usage"]["completion_tokens"])
    return out


async def test_short_and_long_cues_give_clearly_different_lengths(make_sim) -> None:
    short = await _lengths(make_sim, SHORT)
    plain = await _lengths(make_sim, PLAIN)
    long = await _lengths(make_sim, LONG)
    assert max(short) <= 1 + 2 + VERBOSITY // 100  # exactly as many tokens as drawn
    # the ranges do not overlap: [1, 4], [100, 300] plus up to a sentence, [400, 800] plus one
    assert max(short) < min(plain) and max(plain) < min(long)
    assert statistics.median(long) > 2 * statistics.median(plain) > 40 * statistics.median(short)


async def test_same_prompt_and_model_give_the_same_length(make_sim) -> None:
    first = await _lengths(make_sim, LONG)
    again = await _lengths(make_sim, LONG)
    assert first == again
    assert len(set(first)) > 10  # and it is a draw per prompt, not one length for all


async def test_max_tokens_still_caps_a_long_answer(make_sim) -> None:
    capped = await _lengths(make_sim, LONG, max_tokens=50)
    assert capped == [50] * len(TOPICS)
