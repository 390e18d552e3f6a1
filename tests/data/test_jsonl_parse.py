"""The JSONL reader's fast line parser accepts, returns and rejects exactly what
`json.loads` does (it only skips the wrapper work for the usual line)."""

from __future__ import annotations

import json

import pytest

from orkit.data._files import _parse_line

LINES = [
    b'{"a": 1}\n',
    b'  {"a": 1}\n',
    b'{"a": 1}\r\n',
    b'{"a": 1}',
    b'{"a": 1} x\n',
    b'{"a": 1}\x0c\n',  # a form feed is not JSON whitespace
    b'{"a":1}{"b":2}\n',
    b'{"a": NaN, "b": -Infinity, "c": 1e400}\n',
    b'{"a": "\\ud800"}\n',
    '{"é": "ü", "emoji": "😀"}\n'.encode(),
    b'{"a":\n',
    b"\xff{}\n",
    b"\xed\xa0\x80\n",
    '{"a": 1}\n'.encode("utf-16"),
    b'"text"\n',
    b"[1, 2]\n",
    b'{"a": "tab\there"}\n',  # a raw control character inside a string
    b'{"a": 1, "a": 2}\n',
    b"[" * 100_000 + b"]" * 100_000 + b"\n",
]


def outcome(parse, line: bytes) -> tuple[str, str]:
    try:
        return "value", repr(parse(line))
    except (ValueError, RecursionError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("line", LINES, ids=range(len(LINES)))
def test_same_as_json_loads(line: bytes) -> None:
    assert outcome(_parse_line, line) == outcome(json.loads, line)
