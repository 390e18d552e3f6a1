"""Watching a run that another process is writing: how far its journal has got."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def journal_rows(runs: Path) -> int:
    """Tasks with an outcome in the journal of the run under `runs` (0 until it has one)."""
    for journal in runs.glob("*/journal.sqlite"):
        with sqlite3.connect(journal) as db:
            try:
                (n,) = db.execute("select count(*) from tasks").fetchone()
            except sqlite3.OperationalError:
                continue
            return int(n)
    return 0
