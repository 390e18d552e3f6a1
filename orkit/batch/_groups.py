"""Reading the exception groups a run's task group raises: was it only cancelled, and which
run-level stop is in it."""

from __future__ import annotations

import anyio

from orkit.errors import RunStoppedError

__all__ = ["first_of", "only_cancelled"]


def only_cancelled(group: BaseExceptionGroup) -> bool:
    """Every exception of the group is a cancellation or a Ctrl-C (a worker's own error
    next to them is a failure)."""
    cancel = (KeyboardInterrupt, anyio.get_cancelled_exc_class())
    return all(
        only_cancelled(exc) if isinstance(exc, BaseExceptionGroup) else isinstance(exc, cancel)
        for exc in group.exceptions
    )


def first_of(group: BaseExceptionGroup, kind: type[RunStoppedError]) -> RunStoppedError | None:
    for exc in group.exceptions:
        if isinstance(exc, kind):
            return exc
        if isinstance(exc, BaseExceptionGroup):
            found = first_of(exc, kind)
            if found is not None:
                return found
    return None
