"""An emulator whose chat requests wait at a gate the test opens: a run that cannot move on,
or end, until the test says so — no sleeps, no timing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class GatedChat:
    """ASGI middleware: lets `allowed` chat requests through to the emulator, one by one as
    they come; the rest wait. `let_through(n)` lets n more go; `drop_held()` answers every
    request waiting now with a 503 without the emulator seeing it (their client is gone: a
    cancelled run's), and lets every later one through."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], allowed: int):
        self.app = app
        self.allowed = allowed
        self.passed = 0
        self.epoch = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def let_through(self, n: int) -> None:
        with self._lock:
            self.allowed += n
        self._poke()

    def drop_held(self) -> None:
        with self._lock:
            self.epoch += 1
            self.allowed = 10**9
        self._poke()

    def _poke(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        assert self._wake is not None
        self._wake.set()
        self._wake = asyncio.Event()  # the woken check again, and wait on this one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            await self.app(scope, receive, send)
            return
        if self._loop is None:
            self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        epoch = self.epoch
        while True:  # ends when let through or dropped: the test opens the gate at its end
            with self._lock:
                dropped = self.epoch != epoch
                go = not dropped and self.passed < self.allowed
                if go:
                    self.passed += 1
            if go:
                await self.app(scope, receive, send)
                return
            if dropped:
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            assert self._wake is not None
            await self._wake.wait()
