"""The executions of a run (the first run, each resume, each retry) in its manifest, so its
wall time is the sum over all of them — a killed one included.

Each execution adds an entry (`kind`, `started_at`) when it starts and sets its `wall_s`
and `status` when it ends. One killed before it could (`kill -9`, a power cut) leaves the
manifest saying `running` with no process holding the run's lock; the next execution then
counts the killed one's time up to when the run was last seen alive: the latest write to
its journal, manifest or lock file (which the engine touches every tick as a heartbeat).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

from orkit.results._manifest import ExecutionRecord, Manifest

__all__ = ["begin_execution", "end_execution", "last_seen", "settle_killed_execution"]

_ALIVE_FILES = (".lock", "journal.sqlite", "journal.sqlite-wal", "manifest.json")


def _iso(unix_s: float) -> str:
    return datetime.fromtimestamp(unix_s, UTC).isoformat(timespec="milliseconds")


def _unix(iso: object) -> float | None:
    try:
        return datetime.fromisoformat(str(iso)).timestamp()
    except ValueError:
        return None


def begin_execution(manifest: Manifest, kind: str, *, done_before: int | None = None) -> None:
    """Note an execution starting now (`kind`: run, resume or retry; `done_before`: tasks
    an earlier execution finished)."""
    entry = ExecutionRecord(kind=kind, started_at=_iso(time.time()))
    if done_before is not None:
        entry["done_before"] = done_before
    manifest.executions = [*(manifest.executions or []), entry]


def end_execution(
    manifest: Manifest,
    status: str,
    wall_s: float,
    *,
    tasks: int,
    ok: int,
    errors: int,
    skipped_budget: int,
    deferred: int,
) -> None:
    """The execution in progress ended: its time joins the run's `wall_s`. The counts are
    its own rows (what `orkit retry` reports)."""
    executions = manifest.executions = manifest.executions or []
    if executions:
        ended = executions[-1]
        ended["status"], ended["wall_s"] = status, round(wall_s, 3)
        ended["tasks"], ended["ok"], ended["errors"] = tasks, ok, errors
        ended["skipped_budget"], ended["deferred"] = skipped_budget, deferred
    manifest.wall_s = round(float(manifest.wall_s or 0.0) + wall_s, 3)


def last_seen(run_dir: Path) -> float | None:
    """When a process last wrote to the run (Unix seconds), or None if nothing is there."""
    times = []
    for name in _ALIVE_FILES:
        try:
            times.append((run_dir / name).stat().st_mtime)
        except OSError:
            continue
    return max(times, default=None)


def settle_killed_execution(manifest: Manifest, seen: float | None) -> float:
    """Before a new execution takes over a run whose manifest still says `running` (so the
    last one was killed: the caller holds or has checked the lock), mark that one `killed`
    and add its time, up to `seen` (`last_seen` of the run, read before anything touched
    it: even opening the journal rewrites it), to the run's `wall_s`. Returns that time."""
    if manifest.status != "running":
        return 0.0
    executions = manifest.executions = manifest.executions or []
    if not executions or "wall_s" in executions[-1]:
        # made before executions were noted: the killed one is the first run
        executions.append(ExecutionRecord(kind="run", started_at=manifest.created_at))
    killed = executions[-1]
    started = _unix(killed.get("started_at"))
    wall = max(0.0, seen - started) if started is not None and seen is not None else 0.0
    killed["status"], killed["wall_s"] = "killed", round(wall, 3)
    manifest.wall_s = round(float(manifest.wall_s or 0.0) + wall, 3)
    return wall
