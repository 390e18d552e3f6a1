"""orkit's own prompt-token count (`orkit.cost.count_prompt_tokens`): the rules its docstring
states, one by one, and that it is not the emulator's tokenizer."""

from __future__ import annotations

import pytest

from orkit.cost import count_prompt_tokens, count_text_tokens
from orkit.sim.tokenizer import prompt_tokens as emulator_prompt_tokens


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("   ", 0),  # spaces ride on the next piece
        ("the", 1),
        (" the cat sat", 3),
        ("absolute", 1),  # 8 letters: whole
        ("different", 2),  # 9 letters: one subword more
        ("internationalization", 4),  # 20 letters: 1 + ceil(12 / 4)
        ("7", 1),
        ("123", 1),
        ("1234", 2),  # digits go in groups of three
        ("1234567", 3),
        (".", 1),
        ("?!", 1),
        ("...", 2),  # punctuation: a token per two characters
        ("a\nb", 3),
        ("a\n\n\n  b", 3),  # a run of line breaks (and the indent after it) is one
        ("東京", 2),  # other scripts: a token per character
        ("café", 2),
        ("What is 2 + 2?", 6),
    ],
)
def test_text_rules(text: str, tokens: int) -> None:
    assert count_text_tokens(text) == tokens


def test_chat_framing() -> None:
    assert count_prompt_tokens([]) == 3  # the reply primer
    # 3 around each message, its role as text, then its content
    assert count_prompt_tokens([{"role": "user", "content": ""}]) == 3 + 3 + 1
    two = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    assert count_prompt_tokens(two) == 3 + (3 + 1 + 3) + (3 + 1 + 1)
    named = [{"role": "user", "content": "Hi", "name": "alice"}]
    assert (
        count_prompt_tokens(named) == count_prompt_tokens([{"role": "user", "content": "Hi"}]) + 1
    )


def test_content_parts() -> None:
    parts = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        "not a part",
    ]
    plain = count_prompt_tokens([{"role": "user", "content": "Describe"}])
    assert count_prompt_tokens([{"role": "user", "content": parts}]) == plain + 85
    assert count_prompt_tokens([{"role": "user", "content": None}]) == 3 + 3 + 1


def test_english_prose_is_about_four_tokens_per_three_words() -> None:
    prose = (
        "The committee met on Tuesday to review the proposal. After a long discussion, "
        "members agreed that the budget should be revised before the next meeting, and "
        "that the chair would circulate an updated draft to everyone by Friday afternoon. "
        "Several people raised concerns about the timeline, which seemed optimistic."
    )
    words = len(prose.split())
    assert 1.1 <= count_text_tokens(prose) / words <= 1.5


def test_it_is_not_the_emulators_count() -> None:
    """The emulator cuts words every 4 letters; orkit keeps common words whole, so the
    emulator's bill is an independent check of orkit's estimate, not an echo of it."""
    messages = [{"role": "user", "content": "Write about topic 12."}]
    assert count_prompt_tokens(messages) < emulator_prompt_tokens(messages)
