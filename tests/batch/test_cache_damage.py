"""A damaged response cache is set aside and the run goes on without it (it is only a
cache), instead of stopping every run on the machine with a raw sqlite3 traceback."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from orkit.results._response_cache import ResponseCache
from orkit.types import ChatRequest, ChatResponse

REQUEST = ChatRequest(model="m", messages=({"role": "user", "content": "hi"},), params={})


def _response(text: str) -> ChatResponse:
    return ChatResponse(generation_id="g", model="m", provider="P", content=text)


def _filled_cache(path: Path, rows: int) -> list[str]:
    cache = ResponseCache(path, "sim:x")
    keys = [cache.key(REQUEST, i) for i in range(rows)]
    for k in keys:
        cache.put(k, _response("x" * 2000))
    cache.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return keys


def test_a_file_that_is_not_a_database_is_set_aside(tmp_path, caplog) -> None:
    path = tmp_path / "responses.sqlite"
    path.write_bytes(b"not sqlite at all" * 100)
    with caplog.at_level(logging.WARNING, logger="orkit"):
        cache = ResponseCache(path, "sim:x")
    key = cache.key(REQUEST, 0)
    cache.put(key, _response("42"))
    got = cache.get(key)
    assert got is not None and got.content == "42"
    assert (tmp_path / "responses.sqlite.corrupt").read_bytes().startswith(b"not sqlite")
    assert "moved it to" in caplog.text and str(path) in caplog.text


def test_pages_damaged_behind_a_valid_header_turn_the_cache_off_for_the_run(
    tmp_path, caplog
) -> None:
    path = tmp_path / "responses.sqlite"
    keys = _filled_cache(path, 200)
    data = bytearray(path.read_bytes())
    data[4096 * 2 :] = bytes([0xA5]) * (len(data) - 4096 * 2)  # page 1 (the header) intact
    path.write_bytes(bytes(data))

    cache = ResponseCache(path, "sim:x")  # opening reads only the header: no error yet
    with caplog.at_level(logging.WARNING, logger="orkit"):
        assert cache.count_present(keys) == 0
        assert cache.get(keys[0]) is None
    cache.put(keys[0], _response("ignored"))  # a no-op, not an error
    cache.close()
    assert caplog.text.count("is damaged") == 1
    assert (tmp_path / "responses.sqlite.corrupt").exists()

    fresh = ResponseCache(path, "sim:x")  # the next run starts a new, empty cache
    assert fresh.is_empty()
    fresh.close()


def test_a_locked_cache_is_not_mistaken_for_damage(tmp_path) -> None:
    path = tmp_path / "responses.sqlite"
    keys = _filled_cache(path, 1)
    cache = ResponseCache(path, "sim:x")
    with pytest.raises(sqlite3.OperationalError):
        cache._damaged(sqlite3.OperationalError("database is locked"))
    assert cache.get(keys[0]) is not None
    assert not (tmp_path / "responses.sqlite.corrupt").exists()
    cache.close()
