"""Blocking calls into orkit's async core, from scripts and from inside Jupyter.

Every sync call runs its coroutine on one background event-loop thread (anyio's
`BlockingPortalProvider`), in scripts too, so behaviour is the same everywhere and a running
loop in the caller's thread (Jupyter, pytest-asyncio) is never touched: no `nest_asyncio`.
Depends on nothing else in orkit, so any layer may use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from anyio.from_thread import BlockingPortalProvider

__all__ = ["run_sync"]

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
