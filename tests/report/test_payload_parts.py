"""The payload's small pure parts: how numbers are rounded, texts cut, stored messages
read, and the timeline's bin width chosen."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from orkit.report._cells import Texts
from orkit.report._messages import parse_messages
from orkit.report._round import money, money_list, ratio, seconds, seconds_list, whole_list
from orkit.report._timeline import _bin_width


def test_unknown_is_null_and_zero_stays_zero() -> None:
    for unknown in (None, math.nan, math.inf):
        assert seconds(unknown) is None and money(unknown) is None and ratio(unknown) is None
    assert money(0.0) == 0.0 and seconds(0.0) == 0.0
    assert seconds_list(np.array([0.12345, np.nan])) == [0.123, None]
    assert whole_list(np.array([3.0, np.nan])) == [3, None]


def test_numbers_keep_what_a_reader_needs() -> None:
    assert seconds(1.23456) == 1.235
    # totals as recorded (the page shows what the CLI shows); a cell's cost to 4 digits
    assert money(0.000012345678) == 0.000012345678 and money(None) is None and money(0) == 0
    assert money_list([0.000012345678, 123.456, None]) == [1.235e-05, 123.5, None]
    # statistics as computed: the page rounds once, as the CLI does
    assert ratio(0.701451) == 0.701451 and ratio(1.234e-9) == 1.234e-9 and ratio(None) is None


def test_texts_are_cut_and_counted() -> None:
    cut = Texts(5)
    assert cut("abcdef") == ("abcde", True) and cut("abc") == ("abc", False)
    assert cut(None) == (None, False) and cut.cut == 1


def test_stored_messages_read_as_a_chat() -> None:
    text = '[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text"}]}]'
    chat = parse_messages(text, Texts(100))
    assert chat == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": ""},  # a text part without text: no text
    ]
    assert parse_messages("not json", Texts(100)) is None and parse_messages(None, Texts(9)) is None
    assert parse_messages('[{"role":"user","content":"abcdef"}]', Texts(3)) == [
        {"role": "user", "content": "abc", "cut": True}
    ]


def test_content_parts_show_their_text_and_name_their_files_and_a_prefill_is_marked() -> None:
    image = {
        "type": "image_url",
        "image_url": {"url": "sha256:ab"},
        "attachment": {"column": "photo", "file": "img/cat.png", "sha256": "ab"},
    }
    pdf = {
        "type": "file",
        "file": {"filename": "r.pdf", "file_data": "sha256:cd"},
        "attachment": {"column": "doc", "file": "docs/r.pdf", "pages": 3},
    }
    url = {"type": "image_url", "image_url": {"url": "https://x.test/dog.jpg"}}
    content = [{"type": "text", "text": "What is this?"}, image, pdf, url]
    text = json.dumps(
        [{"role": "user", "content": content}, {"role": "assistant", "content": "It"}]
    )
    chat = parse_messages(text, Texts(1000))
    assert chat == [
        {
            "role": "user",
            "content": "What is this?\n[image: img/cat.png]\n[PDF: docs/r.pdf, 3 pages]\n"
            "[image: https://x.test/dog.jpg]",
        },
        {"role": "assistant", "content": "It", "prefill": True},
    ]


@pytest.mark.parametrize(
    ("span", "width"),
    [(0.0, 0.1), (5.9, 0.1), (6.0, 0.2), (100.0, 2.0), (7199.0, 120.0), (7200.0, 300.0)],
)
def test_the_timeline_has_at_most_sixty_round_bins(span: float, width: float) -> None:
    assert _bin_width(span) == width and span // width + 1 <= 60  # the last event too


def test_a_long_run_gets_whole_hours() -> None:
    width = _bin_width(3600 * 100)
    assert width % 3600 == 0 and 3600 * 100 / width <= 60


def test_a_message_cut_short_says_so() -> None:
    text = '[{"role":"system","content":"Be brief."},{"role":"user","content":"abcdefghij"}]'
    chat = parse_messages(text, Texts(5))
    assert chat == [
        {"role": "system", "content": "Be br", "cut": True},
        {"role": "user", "content": "abcde", "cut": True},
    ]
    assert parse_messages(text, Texts(100)) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "abcdefghij"},
    ]
