"""Rewrite a run's Parquet tables from its journal (after a resume, a retry, the judges or a
re-score): each table goes to a new directory that then replaces the old one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orkit.results._journal import Journal
from orkit.results._parts import PartWriter
from orkit.results._rundir import RunDir
from orkit.results._schema import ATTEMPTS_SCHEMA, RESULTS_SCHEMA, SCORES_SCHEMA

__all__ = ["rebuild_parts", "rewrite_scores"]


def rebuild_parts(run: RunDir, journal: Journal) -> None:
    """Rewrite the three tables from the journal: one row per task (its latest outcome),
    every attempt ever made, the latest scores."""
    for directory, schema, kind, rows in (
        (run.results_dir, RESULTS_SCHEMA, "results", journal.results()),
        (run.scores_dir, SCORES_SCHEMA, "scores", journal.scores()),
        (run.attempts_dir, ATTEMPTS_SCHEMA, "attempts", journal.attempts()),
    ):
        _replace_table(directory, schema, kind, rows)


def rewrite_scores(run: RunDir, journal: Journal) -> None:
    """Rewrite only the scores table from the journal (after judges or a re-score)."""
    _replace_table(run.scores_dir, SCORES_SCHEMA, "scores", journal.scores())


def _replace_table(
    directory: Path, schema: Any, kind: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    """Write the table to a new directory that then replaces the old one: readers never see
    a half-written table (only, for a moment between the two renames, none; the journal
    can always rebuild it)."""
    fresh = directory.with_name(f".{directory.name}.new")
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    _write_table(fresh, schema, kind, rows)
    if directory.exists():
        os.replace(directory, old)
    os.replace(fresh, directory)
    shutil.rmtree(old, ignore_errors=True)


def _write_table(
    directory: Path, schema: Any, kind: str, rows: Iterable[Mapping[str, Any]]
) -> None:
    writer = PartWriter(directory, schema, kind, flush_rows=50_000, flush_s=float("inf"))
    for row in rows:
        writer.append(row)
    writer.flush()
