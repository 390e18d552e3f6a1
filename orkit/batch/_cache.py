"""The response cache: identical deterministic requests are answered from disk, for free.

A request is deterministic when it sets `temperature` to 0 or gives a `seed`. The key is a
hash of the endpoint, the whole request body and the repeat index, so repeats stay
independent samples (promptfoo's repeats famously hit the cache and came back identical).
Hits cost 0 and say so (`cost_source = "cached"`). The cache lives in the user cache dir,
shared by every run on the machine.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from orkit.batch._tasks import canonical_json, content_hash
from orkit.types import ChatRequest, ChatResponse, Usage

__all__ = ["ResponseCache", "is_deterministic"]


def is_deterministic(request: ChatRequest) -> bool:
    params = request.params
    return params.get("temperature") == 0 or params.get("seed") is not None


def _owner_only(path: Path) -> None:
    """Create the cache file readable by its owner only (0600), as the other cache files
    are (written through `mkstemp`), and tighten one an older orkit left readable: it holds
    every prompt and answer. SQLite gives its -wal and -shm files the database's mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


class ResponseCache:
    def __init__(self, path: Path, endpoint_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _owner_only(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses "
            "(key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL)"
        )
        self._endpoint = endpoint_id
        self.hits = 0

    def close(self) -> None:
        self._db.close()

    def key(self, request: ChatRequest, repeat: int) -> str:
        body = canonical_json(
            {"model": request.model, "messages": list(request.messages), **request.params}
        )
        return content_hash(self._endpoint, body, str(repeat))

    def get(self, key: str) -> ChatResponse | None:
        row = self._db.execute("SELECT response FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return _response_from_json(row[0])

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is None

    def count_present(self, keys: list[str], *, stored_before: float | None = None) -> int:
        """How many of `keys` have an answer (for estimates: nothing is read or counted as
        a hit; give each key once, a key repeated in two 500-key chunks counts twice),
        optionally only answers stored before a time (`time.time()`): an estimate
        made during a run must not count the answers the run itself stored."""
        found = 0
        before = float("inf") if stored_before is None else stored_before
        for i in range(0, len(keys), 500):  # SQLite caps bound parameters
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            (n,) = self._db.execute(
                f"SELECT count(*) FROM responses WHERE key IN ({marks}) AND created < ?",
                [*chunk, before],
            ).fetchone()
            found += int(n)
        return found

    def put(self, key: str, response: ChatResponse) -> None:
        data = asdict(response)
        self._db.execute(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
            (key, json.dumps(data, separators=(",", ":"), ensure_ascii=False), time.time()),
        )


def _response_from_json(text: str) -> ChatResponse:
    data: dict[str, Any] = json.loads(text)
    usage = data.pop("usage", None)
    return ChatResponse(**data, usage=Usage(**usage) if usage else None)
