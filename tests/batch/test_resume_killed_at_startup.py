"""A run killed during its startup (after its manifest, before its journal and its first
request: what bench_crash's startup kills leave) is not resumable, and `resume` says why in
one line, changing nothing."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from orkit.api import resume_async
from orkit.errors import RunError
from orkit.results import ExecutionRecord, Manifest, RunDir


def _run_dir(tmp_path: Path, status: str) -> RunDir:
    run = RunDir.create(tmp_path / "runs")
    run.write_manifest(
        Manifest(run_id=run.run_id, status=status, executions=[ExecutionRecord(kind="run")])
    )
    return run


def test_a_run_killed_before_its_first_request_is_started_again_not_resumed(
    tmp_path: Path,
) -> None:
    run = _run_dir(tmp_path, "running")
    before = sorted(p.name for p in run.path.iterdir())
    with pytest.raises(RunError, match="a run stopped before its first request") as info:
        anyio.run(resume_async, run.path)
    assert "nothing was sent): start it again with orkit run" in str(info.value)
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in run.path.iterdir()) == before  # nothing touched


def test_a_finished_run_without_a_journal_is_one_of_an_older_orkit(tmp_path: Path) -> None:
    run = _run_dir(tmp_path, "completed")
    with pytest.raises(RunError, match=r"no journal\.sqlite; was this run made by orkit >= 0\.1"):
        anyio.run(resume_async, run.path)
