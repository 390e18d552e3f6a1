"""Blocking calls into orkit's async core, from scripts and from inside Jupyter.

Every sync call runs its coroutine on one background event-loop thread (anyio's
`BlockingPortalProvider`), in scripts too, so behaviour is the same everywhere and a running
loop in the caller's thread (Jupyter, pytest-asyncio) is never touched: no `nest_asyncio`.
Depends on nothing else in orkit, so any layer may use it.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from anyio.from_thread import BlockingPortal, BlockingPortalProvider

__all__ = ["Background", "run_sync", "start_background"]

T = TypeVar("T")

_PROVIDER = BlockingPortalProvider(backend="asyncio")
# One provider for the process: it starts the loop thread on first use and stops it when the
# last concurrent caller leaves, so no thread outlives the calls that need it.


def run_sync(
    func: Callable[..., Awaitable[T]],
    /,
    *args: Any,
    on_interrupt: Callable[[], None] | None = None,
    **kwargs: Any,
) -> T:
    """Run `await func(*args, **kwargs)` on the portal thread and wait for it.

    Ctrl-C (or Jupyter's stop button) cancels the task, which then cleans up (flushes rows,
    marks the run cancelled) before this re-raises KeyboardInterrupt. `on_interrupt` runs
    first (the CLI uses it to make a second Ctrl-C exit at once).
    """

    async def call() -> T:
        return await func(*args, **kwargs)

    with _PROVIDER as portal:
        future = portal.start_task_soon(call)
        try:
            return future.result()
        except KeyboardInterrupt:
            if on_interrupt is not None:
                on_interrupt()
            future.cancel()
            try:
                future.result(timeout=60)
            except BaseException:
                pass
            raise


class Background(Generic[T]):
    """A coroutine running on the portal thread, not waited for (`start_background`)."""

    def __init__(self, portal: BlockingPortal, future: Future[T]) -> None:
        self.future = future
        self._portal = portal  # valid while the task runs: its lease keeps the loop up
        self.loop_thread: int | None = None
        """The loop thread's id, once the task has begun."""

    def call_soon(self, func: Callable[[], None]) -> None:
        """Run `func` on the loop thread soon, from any thread (a cancel button's callback,
        another thread, the loop itself). Nothing happens once the task has ended."""
        if threading.get_ident() == self.loop_thread:
            func()
            return
        if self.future.done():
            return
        try:
            self._portal.start_task_soon(_sync_call, func)
        except RuntimeError:  # the task ended and the loop stopped meanwhile
            pass


def start_background(
    func: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any
) -> Background[T]:
    """Start `await func(*args, **kwargs)` on the portal thread and return at once (a run
    handle). The loop thread stays up until the task ends; it is then released from a
    short-lived thread (the loop's own thread cannot stop the loop it runs)."""
    portal = _PROVIDER.__enter__()
    background: Background[T] = Background(portal, Future())  # then the task's own future

    async def call() -> T:
        background.loop_thread = threading.get_ident()
        return await func(*args, **kwargs)

    def release(_: Future[T]) -> None:
        threading.Thread(
            target=_PROVIDER.__exit__, args=(None, None, None), name="orkit-release"
        ).start()

    try:
        background.future = portal.start_task_soon(call)
    except BaseException:
        _PROVIDER.__exit__(None, None, None)
        raise
    background.future.add_done_callback(release)
    return background


async def _sync_call(func: Callable[[], None]) -> None:
    func()
