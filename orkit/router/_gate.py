"""A concurrency gate whose size can change while tasks wait on it (FIFO, no herd)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import anyio

__all__ = ["Gate"]


class Gate:
    """Lets at most `capacity()` holders in at once; `capacity` is read on every decision,
    so an adaptive limit can shrink or grow it between calls."""

    __slots__ = ("_capacity", "_waiters", "in_flight")

    def __init__(self, capacity: Callable[[], int]) -> None:
        self._capacity = capacity
        self._waiters: deque[anyio.Event] = deque()
        self.in_flight = 0

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> None:
        if not self._waiters and self.in_flight < self._capacity():
            self.in_flight += 1
            return
        event = anyio.Event()
        self._waiters.append(event)
        try:
            await event.wait()
        except BaseException:
            if event.is_set():  # woken and cancelled at once: pass the slot on
                self.in_flight -= 1
                self._wake()
            else:
                self._waiters.remove(event)
            raise

    def release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def grown(self) -> None:
        """The capacity grew: let waiters into the new slots now, not at the next release."""
        self._wake()

    def _wake(self) -> None:
        """Hand free slots to waiters in arrival order (the slot is taken on their behalf)."""
        while self._waiters and self.in_flight < self._capacity():
            self.in_flight += 1
            self._waiters.popleft().set()
