"""Chat prompts: a column of messages rendered per row, a system prompt combined with it,
few-shot examples from a file or a column, a prefill, and one-line errors naming the row
and the column."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from orkit.data import Item, PromptTemplate, fast_renderer
from orkit.errors import ConfigError, DatasetError, TemplateError


def _item(fields: dict[str, Any], line: int = 7) -> Item:
    return Item(index=0, line=line, item_id="r1", fields=fields)


def _conv(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": r, "content": c} for r, c in pairs]


def test_each_message_of_the_conversation_is_a_template_over_the_row() -> None:
    t = PromptTemplate(messages="chat")
    row = {"chat": _conv(("user", "Hi, I am {{ name }}."), ("assistant", "Hello!")), "name": "Bo"}
    assert t.render(row) == _conv(("user", "Hi, I am Bo."), ("assistant", "Hello!"))
    # parts too: only text parts are rendered, others go as they are
    parts = [
        {"type": "text", "text": "{{ name }}?"},
        {"type": "image_url", "image_url": {"url": "u"}},
    ]
    got = t.render({"chat": [{"role": "user", "content": parts}], "name": "Al"})
    assert got == [{"role": "user", "content": [{"type": "text", "text": "Al?"}, parts[1]]}]


def test_render_messages_false_sends_the_text_as_it_is() -> None:
    t = PromptTemplate(messages="chat", render_messages=False)
    assert t.render({"chat": _conv(("user", "{{ not_a_column }}"))}) == _conv(
        ("user", "{{ not_a_column }}")
    )


def test_a_conversation_as_json_text_is_read_as_its_list() -> None:
    # a CSV cell holds the conversation as JSON text
    t = PromptTemplate(messages="chat")
    assert t.render({"chat": json.dumps(_conv(("user", "x")))}) == _conv(("user", "x"))


def test_system_and_a_final_user_message_combine_with_the_conversation() -> None:
    t = PromptTemplate("Now: {{ q }}", system="Be terse.", messages="chat")
    row = {"chat": _conv(("user", "a"), ("assistant", "b")), "q": "c"}
    assert t.render(row) == _conv(
        ("system", "Be terse."), ("user", "a"), ("assistant", "b"), ("user", "Now: c")
    )


def test_a_conversation_with_its_own_system_message_keeps_it_or_fails_when_they_differ() -> None:
    t = PromptTemplate(system="Be terse.", messages="chat")
    same = {"chat": _conv(("system", "Be terse."), ("user", "a"))}
    assert t.render(same) == _conv(("system", "Be terse."), ("user", "a"))
    other = {"chat": _conv(("system", "Be verbose."), ("user", "a"))}
    with pytest.raises(DatasetError, match=r"line 7, field 'chat': .*own system message"):
        t.render(_item(other))
    # without a prompt system, the row's own is used as it is
    assert PromptTemplate(messages="chat").render(other) == other["chat"]


def test_a_trailing_assistant_message_is_a_prefill_sent_last() -> None:
    t = PromptTemplate(messages="chat")
    row = {"chat": _conv(("user", "JSON please"), ("assistant", "{"))}
    assert t.render(row)[-1] == {"role": "assistant", "content": "{"}
    p = PromptTemplate("{{ q }}", prefill="Answer ({{ unit }}):")
    assert p.render({"q": "2+2?", "unit": "cm"}) == _conv(
        ("user", "2+2?"), ("assistant", "Answer (cm):")
    )
    with pytest.raises(DatasetError, match="already ends with an assistant message"):
        PromptTemplate(messages="chat", prefill="x").render(_item(row))


def test_few_shot_pairs_go_after_the_system_message_before_the_rows_turns(tmp_path: Path) -> None:
    shots = tmp_path / "shots.jsonl"
    shots.write_text(
        '{"input": "1+1?", "output": "2"}\n\n{"role": "user", "content": "2+2?"}\n'
        '{"role": "assistant", "content": "4"}\n'
    )
    t = PromptTemplate("{{ q }}", system="Numbers only.", few_shot=shots)
    assert t.render({"q": "3+3?"}) == _conv(
        ("system", "Numbers only."),
        ("user", "1+1?"),
        ("assistant", "2"),
        ("user", "2+2?"),
        ("assistant", "4"),
        ("user", "3+3?"),
    )
    # examples are data, never templates
    literal = PromptTemplate("{{ q }}", few_shot=[{"input": "{{ q }}", "output": "{%"}])
    assert literal.render({"q": "x"})[:2] == _conv(("user", "{{ q }}"), ("assistant", "{%"))


def test_few_shot_examples_from_a_column() -> None:
    t = PromptTemplate("{{ q }}", few_shot_column="shots")
    row = {"q": "3?", "shots": [{"input": "1?", "output": "one"}]}
    assert t.render(row) == _conv(("user", "1?"), ("assistant", "one"), ("user", "3?"))
    with pytest.raises(DatasetError, match=r"field 'shots': example 0: must be \{input, output\}"):
        t.render(_item({"q": "3?", "shots": [42]}))


def test_a_bad_few_shot_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"input": "a", "output": "b"}\n{not json\n')
    with pytest.raises(ConfigError, match=r"few-shot file .*bad.jsonl, line 2: invalid JSON"):
        PromptTemplate("{{ q }}", few_shot=bad)
    with pytest.raises(ConfigError, match=r"cannot read"):
        PromptTemplate("{{ q }}", few_shot=tmp_path / "missing.jsonl")


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("just text", "must be a list of messages .*got a string"),
        ([], "must be a list of messages .*got an empty list"),
        ([{"role": "bot", "content": "x"}], "message 0: role must be one of system, user"),
        ([{"role": "user", "content": 3}], "message 0 .user.: content must be a string or a list"),
        ([{"role": "user"}], r"message 0 \(user\): no content"),
        ([{"role": "user", "content": [{"text": "x"}]}], "message 0, part 0: must be an object"),
        (["hi"], "message 0: must be an object with role and content, got a string"),
        ([{"role": "user", "content": "{{ nope }}"}], "message 0: 'nope' is undefined"),
        ([{"role": "user", "content": "{{ n }}"}], "message 0: a value renders null"),
    ],
)
def test_a_bad_conversation_names_the_row_and_the_column(cell: Any, error: str) -> None:
    with pytest.raises(DatasetError, match=rf"^line 7, field 'chat': {error}"):
        PromptTemplate(messages="chat").render(_item({"chat": cell, "n": None}))


def test_an_assistant_tool_call_message_needs_no_content() -> None:
    calls = [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    chat = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": calls},
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    assert PromptTemplate(messages="chat").render({"chat": chat}) == chat


def test_missing_columns_are_caught_before_any_row() -> None:
    t = PromptTemplate(messages="chat", few_shot_column="shots")
    with pytest.raises(TemplateError, match=r"reads column 'chat'.*has no such column"):
        t.check_columns(["q"], path="d.jsonl")
    t.check_columns(["chat", "shots"])  # both present: no error
    assert t.columns_used == {"chat", "shots"}


def test_a_prompt_needs_something_to_send() -> None:
    with pytest.raises(TemplateError, match="user message template is empty"):
        PromptTemplate()
    with pytest.raises(DatasetError, match="no message to send besides the system prompt"):
        PromptTemplate(messages="chat").render(_item({"chat": _conv(("system", "s"))}))


def test_chat_prompts_pickle_and_fingerprint_every_option() -> None:
    t = PromptTemplate("{{ q }}", messages="chat", few_shot=[{"input": "a", "output": "b"}])
    again = pickle.loads(pickle.dumps(t))
    assert again.fingerprint() == t.fingerprint() and again.render(
        {"q": "x", "chat": _conv(("user", "y"))}
    ) == t.render({"q": "x", "chat": _conv(("user", "y"))})
    other = PromptTemplate("{{ q }}", messages="chat", few_shot=[{"input": "a", "output": "c"}])
    assert other.fingerprint() != t.fingerprint()
    # a plain prompt keeps the fingerprint it always had (calibrations are keyed by it)
    plain = PromptTemplate("{{ q }}", system="s")
    assert plain.fingerprint() == hashlib.sha256(b'["s", "{{ q }}"]').hexdigest()


def test_chat_prompts_skip_the_fast_renderer() -> None:
    assert fast_renderer(PromptTemplate(messages="chat")) is None
    assert fast_renderer(PromptTemplate("{{ q }}", prefill="A:")) is None
    assert fast_renderer(PromptTemplate("{{ q }}")) is not None
