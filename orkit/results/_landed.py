"""The results rows a run has landed so far, read while it goes (a run handle's
`results()`): its part files, plus the rows its journal holds that no part has yet.

The sink commits the journal before it writes a part, so reading the parts first and the
journal second misses nothing, and a task is never counted twice (its key is looked up).
The journal is opened read-only: the run's own connection keeps writing meanwhile (WAL).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orkit.results._read import read_results
from orkit.results._rundir import RunDir
from orkit.results._schema import RESULTS_SCHEMA

__all__ = ["read_landed_results"]


def read_landed_results(run: RunDir) -> pa.Table:
    """One row per task landed so far (a later part's row for a key replaces an earlier
    one's, as a retry's does), in the order they landed."""
    parts = _last_per_key(read_results(run))
    rows = _journal_rows_not_in(run, set(parts["task_key"].to_pylist()))
    if not rows:
        return parts
    fresh = pa.Table.from_pylist(rows, schema=RESULTS_SCHEMA)
    return pa.concat_tables([parts, fresh])


def _last_per_key(table: pa.Table) -> pa.Table:
    if table.num_rows == len(pc.unique(table["task_key"])):
        return table  # a first run's parts: each key once
    keys = table["task_key"].to_pylist()
    last = {key: i for i, key in enumerate(keys)}
    keep = sorted(last.values())
    return table.take(pa.array(keep, type=pa.int64()))


def _journal_rows_not_in(run: RunDir, seen: set[str]) -> list[dict[str, Any]]:
    """The results rows of the journal's tasks whose key is not in `seen`, oldest first
    (the keys first: the rows' text is read only for the few tasks the parts lack); none
    when there is no journal yet (the run has not begun)."""
    path = run.journal_path
    if not path.is_file():
        return []
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        keys = [k for (k,) in db.execute("SELECT task_key FROM tasks ORDER BY rowid")]
        missing = [k for k in keys if k not in seen]
        rows: list[dict[str, Any]] = []
        for i in range(0, len(missing), 500):  # SQLite caps bound parameters
            chunk = missing[i : i + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT result FROM tasks WHERE task_key IN ({marks}) ORDER BY rowid"
            rows.extend(json.loads(text) for (text,) in db.execute(query, chunk))
        return rows
    except sqlite3.OperationalError:  # created, its tables not yet
        return []
    finally:
        db.close()
