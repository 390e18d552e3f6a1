"""Run directories and their Parquet tables (layer 2): schemas, atomic part files, manifest,
readers."""

from __future__ import annotations

from orkit.results._dataset_copy import DatasetCopyWriter
from orkit.results._endpoint_label import endpoint_label
from orkit.results._frames import read_summary_frames
from orkit.results._journal import NON_FINAL_STATUSES, Journal, journal_progress
from orkit.results._lock import lock_holder, run_lock, shown_status, touch_lock
from orkit.results._manifest import (
    CatalogRecord,
    DatasetRecord,
    ExecutionRecord,
    Manifest,
    PromptFileRecord,
)
from orkit.results._names import run_name, shown_name
from orkit.results._parts import PartWriter, next_part_index, write_table_atomic
from orkit.results._read import (
    read_attempts,
    read_parts,
    read_result_rows,
    read_results,
    read_scores,
)
from orkit.results._rundir import MANIFEST_VERSION, RunDir, new_run_id
from orkit.results._schema import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCHEMA_VERSION,
    SCORES_SCHEMA,
    AttemptRow,
    ResultRow,
    ScoreRow,
    schema_metadata,
)
from orkit.results._summary_rows import STATUS_CODES, SummaryRows, read_summary_rows

__all__ = [
    "ATTEMPTS_SCHEMA",
    "MANIFEST_VERSION",
    "NON_FINAL_STATUSES",
    "RESULTS_SCHEMA",
    "SCHEMA_VERSION",
    "SCORES_SCHEMA",
    "STATUS_CODES",
    "AttemptRow",
    "CatalogRecord",
    "DatasetCopyWriter",
    "DatasetRecord",
    "ExecutionRecord",
    "Journal",
    "Manifest",
    "PartWriter",
    "PromptFileRecord",
    "ResultRow",
    "RunDir",
    "ScoreRow",
    "SummaryRows",
    "endpoint_label",
    "journal_progress",
    "lock_holder",
    "new_run_id",
    "next_part_index",
    "read_attempts",
    "read_parts",
    "read_result_rows",
    "read_results",
    "read_scores",
    "read_summary_frames",
    "read_summary_rows",
    "run_lock",
    "run_name",
    "schema_metadata",
    "shown_name",
    "shown_status",
    "touch_lock",
    "write_table_atomic",
]
