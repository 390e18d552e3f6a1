from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orkit.errors import RunError
from orkit.results import (
    RESULTS_SCHEMA,
    SCHEMA_VERSION,
    DatasetCopyWriter,
    Manifest,
    PartWriter,
    RunDir,
    next_part_index,
    read_results,
)


def test_part_writer_flushes_by_rows_and_writes_schema_and_version(tmp_path: Path) -> None:
    w = PartWriter(tmp_path, RESULTS_SCHEMA, "results", flush_rows=3, flush_s=3600)
    for i in range(7):
        w.append({"run_id": "r", "task_key": f"k{i}", "status": "ok", "cost_usd": None})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
    ]
    w.flush()
    assert w.rows_written == 7
    t = pq.read_table(tmp_path)
    assert t.num_rows == 7
    assert t.schema.names == RESULTS_SCHEMA.names
    meta = pq.read_schema(tmp_path / "part-00000.parquet").metadata
    assert meta[b"orkit.schema_version"] == SCHEMA_VERSION.encode()
    # unknown values stay null, never 0
    assert t.column("cost_usd").null_count == 7


def test_part_writer_never_overwrites_existing_parts(tmp_path: Path) -> None:
    (tmp_path / "part-00004.parquet").write_bytes(b"")
    assert next_part_index(tmp_path) == 5
    w = PartWriter(tmp_path, RESULTS_SCHEMA, "results")
    w.append({"task_key": "a", "status": "ok"})
    w.flush()
    assert (tmp_path / "part-00005.parquet").is_file()


def test_no_temp_files_left_behind_and_empty_flush_writes_nothing(tmp_path: Path) -> None:
    w = PartWriter(tmp_path, RESULTS_SCHEMA, "results")
    w.flush()
    assert list(tmp_path.iterdir()) == []
    w.append({"task_key": "a", "status": "ok"})
    w.flush()
    assert [p.name for p in tmp_path.iterdir()] == ["part-00000.parquet"]


def test_run_dir_layout_manifest_and_reading_empty_results(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "2026-01-01T00-00-00-abcd")
    assert run.results_dir.is_dir() and run.scores_dir.is_dir() and run.attempts_dir.is_dir()
    run.write_manifest(Manifest(run_id=run.run_id, status="running"))
    assert RunDir.open(run.path).read_manifest().status == "running"
    assert read_results(run).num_rows == 0


def test_opening_a_non_run_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(RunError, match="not a run directory"):
        RunDir.open(tmp_path)


def test_a_run_killed_before_its_manifest_says_nothing_was_sent(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "2026-01-01T00-00-00-abcd")  # then killed
    with pytest.raises(RunError, match="nothing was sent"):
        RunDir.open(run.path)


def test_dataset_copy_keeps_scalars_and_turns_nested_or_mixed_values_into_text(
    tmp_path: Path,
) -> None:
    w = DatasetCopyWriter(tmp_path / "dataset.parquet")
    w.write_batch([{"id": 1, "q": "a", "meta": {"x": 1}, "mixed": 1}])
    w.write_batch([{"id": 2, "q": "b", "meta": {"x": 2}, "mixed": 2}])
    w.close()
    t = pq.read_table(tmp_path / "dataset.parquet").to_pylist()
    assert t[0]["id"] == 1 and t[1]["q"] == "b"
    assert t[0]["meta"] == '{"x": 1}'
