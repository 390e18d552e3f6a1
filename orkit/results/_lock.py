"""One process at a time per run directory: a second `orkit resume` (or a run still going)
must not write the same journal and part files.

The lock is an `flock` on `<run>/.lock`, which holds the holder's pid. The kernel drops it
when the process dies, however it dies, so a held lock is proof of a live run and a free
one proof that no process works on the run — whatever its manifest still says (a run killed
with `kill -9` never writes "cancelled"). The holder also touches the file as it goes
(`touch_lock`): its modification time is when the run was last seen alive, so the time of
a killed execution can be counted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orkit.errors import RunError

__all__ = ["lock_holder", "run_lock", "shown_status", "touch_lock"]

_LOCK = ".lock"


@contextmanager
def run_lock(run_dir: Path) -> Iterator[None]:
    """Hold the run directory's lock, or fail at once naming the process that holds it."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    path = run_dir / _LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not _try_flock(fd, fcntl.LOCK_EX):
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            raise RunError(
                f"{run_dir} is in use by process {holder}; wait for it or stop it first",
                run_dir=str(run_dir),
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def lock_holder(run_dir: Path) -> int | None:
    """The pid of the live process holding the run's lock (0 if it cannot be read), or None
    when no process holds it."""
    path = run_dir / _LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None  # never locked: no run ever worked here, or it is just starting
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        pid = int(text) if text.isdigit() else 0
        if pid and not _alive(pid):
            return None  # the last holder wrote its pid and is gone
        try:
            import fcntl
        except ImportError:  # not POSIX: trust the pid
            return pid or None
        # A live pid may be a reused one: only the lock itself can tell. Taking it for a
        # moment could make a starting run's own attempt fail, so `run_lock` tries twice.
        if _try_flock(fd, fcntl.LOCK_SH, retry=False):
            return None  # we got it, so nobody holds it (closing gives it back)
        return pid
    finally:
        os.close(fd)


def _try_flock(fd: int, kind: int, *, retry: bool = True) -> bool:
    import fcntl  # POSIX only: its callers have imported it already (see `run_lock`)

    for attempt in range(2 if retry else 1):
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt == 0 and retry:
                time.sleep(0.05)  # `lock_holder` of `orkit runs` holds it for microseconds
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, but not ours to signal
    return True


def shown_status(run_dir: Path, status: object) -> str:
    """The manifest's status, except that a run that says `running` while no process holds
    its lock was killed: `interrupted` (and `orkit resume` finishes it)."""
    if status == "running" and lock_holder(run_dir) is None:
        return "interrupted"
    return str(status)


def touch_lock(run_dir: Path) -> None:
    """Say the run is alive now (the lock file's modification time)."""
    try:
        os.utime(run_dir / _LOCK)
    except OSError:
        pass  # a heartbeat missed costs at most a few seconds of a killed run's wall time
