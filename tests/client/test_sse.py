"""The incremental SSE parser, on its own: bytes in, event payloads out."""

from __future__ import annotations

import json

import pytest

from orkit.client._sse import SSEParser

from .support import SSE_FIXTURES, wire


def parse(*chunks: bytes) -> list[str]:
    parser = SSEParser()
    events: list[str] = []
    for chunk in chunks:
        events.extend(parser.feed(chunk))
    events.extend(parser.close())
    return events


@pytest.mark.parametrize("name", SSE_FIXTURES)
def test_every_split_point_of_a_capture_gives_the_same_events(name: str) -> None:
    body = wire(name)
    whole = parse(body)
    assert whole[-1] == "[DONE]"
    assert all(json.loads(e) for e in whole[:-1])  # comments never reach the JSON parser
    for cut in range(1, len(body)):
        assert parse(body[:cut], body[cut:]) == whole, f"split at byte {cut}"


@pytest.mark.parametrize("name", SSE_FIXTURES)
def test_byte_by_byte_and_three_way_splits_give_the_same_events(name: str) -> None:
    body = wire(name)
    whole = parse(body)
    assert parse(*(body[i : i + 1] for i in range(len(body)))) == whole
    step = max(len(body) // 7, 1)
    for a in range(1, len(body), step):
        for b in range(a + 1, len(body), step):
            assert parse(body[:a], body[a:b], body[b:]) == whole


@pytest.mark.parametrize("name", SSE_FIXTURES)
def test_crlf_and_lone_cr_line_ends_parse_like_lf(name: str) -> None:
    body = wire(name)
    whole = parse(body)
    crlf = body.replace(b"\n", b"\r\n")
    cr = body.replace(b"\n", b"\r")
    assert parse(crlf) == whole
    assert parse(cr) == whole
    for cut in range(1, len(crlf), 3):  # including cuts between CR and LF
        assert parse(crlf[:cut], crlf[cut:]) == whole


def test_comments_blank_lines_and_other_fields_are_ignored() -> None:
    body = (
        b": OPENROUTER PROCESSING\n\n\n\n"
        b":\n"
        b"event: message\nid: 7\nretry: 1000\n"
        b'data: {"a":1}\n\n'
        b": OPENROUTER PROCESSING\n\n"
        b"\n"
        b"data: [DONE]\n\n"
    )
    assert parse(body) == ['{"a":1}', "[DONE]"]


def test_data_without_space_and_whitespace_before_json() -> None:
    body = b'data:{"a":1}\n\ndata:    {"b":2}\n\ndata:  [DONE]\n\n'
    events = parse(body)
    assert [json.loads(e) for e in events[:2]] == [{"a": 1}, {"b": 2}]
    assert events[2].strip() == "[DONE]"


def test_multiple_data_lines_of_one_event_are_joined_with_newlines() -> None:
    assert parse(b"data: one\ndata: two\n\n") == ["one\ntwo"]


def test_last_event_without_a_trailing_blank_line_is_kept_at_close() -> None:
    assert parse(b'data: {"a":1}\n\ndata: [DONE]') == ['{"a":1}', "[DONE]"]
    assert parse(b"data: [DONE]\r") == ["[DONE]"]


def test_multibyte_utf8_split_across_chunks() -> None:
    body = 'data: {"content":"Matz “Ruby” 日本"}\n\n'.encode()
    whole = parse(body)
    for cut in range(1, len(body)):
        assert parse(body[:cut], body[cut:]) == whole
    assert json.loads(whole[0])["content"] == "Matz “Ruby” 日本"


def test_a_leading_byte_order_mark_is_dropped_even_when_split() -> None:
    body = b'\xef\xbb\xbfdata: {"a":1}\n\n'
    assert parse(body) == ['{"a":1}']
    assert parse(body[:1], body[1:2], body[2:]) == ['{"a":1}']


def test_feed_returns_events_as_soon_as_they_complete() -> None:
    parser = SSEParser()
    assert parser.feed(b'data: {"a":1}\n') == []
    assert parser.feed(b"\n") == ['{"a":1}']
    assert parser.feed(b": keep-alive\n\n") == []
    assert parser.close() == []


def test_empty_body_gives_no_events() -> None:
    assert parse(b"") == []
    assert parse(b"\n\n: only a comment\n\n") == []
