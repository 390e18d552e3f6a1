"""Waiting for a run started in another process to get going: its journal's row count."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

__all__ = ["wait_for_rows"]


def wait_for_rows(run_root: Path, at_least: int = 5, timeout: float = 60) -> Path:
    """The run directory under `run_root` once its journal holds `at_least` tasks (bounded
    by `timeout`, far beyond a started run: the wait ends on the count, not the clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for journal in run_root.glob("*/journal.sqlite"):
            with sqlite3.connect(journal) as db:
                try:
                    (n,) = db.execute("select count(*) from tasks").fetchone()
                except sqlite3.OperationalError:
                    n = 0
            if n >= at_least:
                return journal.parent
        time.sleep(0.05)
    raise AssertionError("the run never got going")
