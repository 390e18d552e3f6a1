"""The response cache: identical deterministic requests are answered from disk, for free.

A request is deterministic when it sets `temperature` to 0 or gives a `seed`. The key is a
hash of the endpoint, the whole request body and the repeat index, so repeats stay
independent samples (promptfoo's repeats famously hit the cache and came back identical).
Hits cost 0 and say so (`cost_source = "cached"`). The cache lives in the user cache dir,
shared by every run on the machine.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from orkit._hashing import canonical_json, content_hash
from orkit.types import ChatRequest, ChatResponse, Usage

__all__ = ["ResponseCache", "is_deterministic"]

_log = logging.getLogger("orkit")


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


def _open(path: Path) -> sqlite3.Connection:
    _owner_only(path)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS responses "
            "(key TEXT PRIMARY KEY, response TEXT NOT NULL, created REAL NOT NULL)"
        )
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _set_aside(path: Path) -> Path:
    """Move a damaged cache (and its -wal/-shm files) out of the way, keeping it for a
    post-mortem; the previous one set aside is replaced."""
    aside = path.with_name(path.name + ".corrupt")
    for suffix in ("", "-wal", "-shm"):
        src = path.with_name(path.name + suffix)
        if src.exists():
            src.replace(aside.with_name(aside.name + suffix))
    return aside


class ResponseCache:
    def __init__(
        self,
        path: Path,
        endpoint_id: str,
        contestants: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """`endpoint_id` keeps one endpoint's answers apart from another's; `contestants`
        (a run whose model entries carry their own endpoints): {name: (endpoint id, model
        id sent)}, so each contestant's answers are keyed as its own endpoint's, under the
        id it sent (a later run of that model on that endpoint alone finds them)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = _open(path)
        except sqlite3.DatabaseError as exc:
            # Only a cache: a damaged one (a crash mid-write on a filesystem without locks,
            # a copied-over file) must not stop a run. Start empty and keep the old file.
            aside = _set_aside(path)
            _log.warning("response cache %s was unreadable (%s); moved it to %s", path, exc, aside)
            self._db = _open(path)
        self._path = path
        self._broken = False
        self._endpoint = endpoint_id
        self._contestants = dict(contestants or {})
        self.hits = 0

    def _damaged(self, exc: sqlite3.DatabaseError) -> None:
        """A cache found damaged mid-run (a valid header over broken pages only shows when
        a page is read) is set aside and this run goes on without one."""
        if isinstance(exc, sqlite3.OperationalError):
            raise exc  # locked, disk full, …: not damage, and not ours to hide
        self._broken = True
        self._db.close()
        aside = _set_aside(self._path)
        _log.warning(
            "response cache %s is damaged (%s); moved it to %s, this run goes on without it",
            self._path,
            exc,
            aside,
        )

    def close(self) -> None:
        if not self._broken:
            self._db.close()

    def key(self, request: ChatRequest, repeat: int) -> str:
        endpoint, model = self._endpoint, request.model
        if self._contestants and model in self._contestants:
            endpoint, model = self._contestants[model]
        body = canonical_json(
            {"model": model, "messages": list(request.messages), **request.params}
        )
        return content_hash(endpoint, body, str(repeat))

    def get(self, key: str) -> ChatResponse | None:
        if self._broken:
            return None
        try:
            row = self._db.execute(
                "SELECT response FROM responses WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return None
        if row is None:
            return None
        self.hits += 1
        return _response_from_json(row[0])

    def is_empty(self) -> bool:
        if self._broken:
            return True
        try:
            return self._db.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is None
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return True

    def count_present(self, keys: list[str], *, stored_before: float | None = None) -> int:
        """How many of `keys` have an answer (for estimates: nothing is read or counted as
        a hit; give each key once, a key repeated in two 500-key chunks counts twice),
        optionally only answers stored before a time (`time.time()`): an estimate
        made during a run must not count the answers the run itself stored."""
        found = 0
        before = float("inf") if stored_before is None else stored_before
        for i in range(0, len(keys), 500):  # SQLite caps bound parameters
            if self._broken:
                return 0
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            try:
                (n,) = self._db.execute(
                    f"SELECT count(*) FROM responses WHERE key IN ({marks}) AND created < ?",
                    [*chunk, before],
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                self._damaged(exc)
                return 0
            found += int(n)
        return found

    def put(self, key: str, response: ChatResponse) -> None:
        if self._broken:
            return
        data = asdict(response)
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?)",
                (key, json.dumps(data, separators=(",", ":"), ensure_ascii=False), time.time()),
            )
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)


def _response_from_json(text: str) -> ChatResponse:
    data: dict[str, Any] = json.loads(text)
    usage = data.pop("usage", None)
    return ChatResponse(**data, usage=Usage(**usage) if usage else None)
