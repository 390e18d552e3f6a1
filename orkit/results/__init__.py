"""Run directories and their Parquet tables (layer 2): schemas, atomic part files, manifest,
readers.

Public: the names in `__all__`, imported from `orkit.results`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.results._dataset_copy import DatasetCopyWriter
from orkit.results._endpoint_label import endpoint_label, endpoints_label
from orkit.results._engines import duckdb_views, polars_frame
from orkit.results._executions import (
    begin_execution,
    end_execution,
    last_seen,
    settle_killed_execution,
)
from orkit.results._frames import read_summary_frames
from orkit.results._journal import Journal, journal_progress
from orkit.results._landed import read_landed_results
from orkit.results._lock import lock_holder, run_lock, shown_status, touch_lock
from orkit.results._manifest import (
    CatalogRecord,
    DatasetRecord,
    ExecutionRecord,
    Manifest,
    PromptFileRecord,
)
from orkit.results._memory_pool import system_memory_pool
from orkit.results._model_entries import (
    Contestant,
    Model,
    contestants_of,
    endpoint_short,
    model_entry,
    shown_contestants,
    spec_model_names,
)
from orkit.results._names import run_name, shown_name
from orkit.results._parts import PartWriter, next_part_index
from orkit.results._read import (
    part_files,
    read_attempts,
    read_result_rows,
    read_results,
    read_scores,
    with_columns_of,
)
from orkit.results._rebuild import rebuild_parts, rewrite_scores
from orkit.results._response_cache import ResponseCache, is_deterministic
from orkit.results._rundir import MANIFEST_VERSION, RunDir, new_run_id
from orkit.results._schema import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCHEMA_VERSION,
    SCORES_SCHEMA,
    AttemptRow,
    ResultRow,
    ScoreRow,
)
from orkit.results._summary_rows import (
    STATUS_CODES,
    SUMMARY_FLOATS,
    SummaryRows,
    read_summary_rows,
)
from orkit.results._typed import typed_pandas, wide_table

__all__ = [
    "ATTEMPTS_SCHEMA",
    "MANIFEST_VERSION",
    "RESULTS_SCHEMA",
    "SCHEMA_VERSION",
    "SCORES_SCHEMA",
    "STATUS_CODES",
    "SUMMARY_FLOATS",
    "AttemptRow",
    "CatalogRecord",
    "Contestant",
    "DatasetCopyWriter",
    "DatasetRecord",
    "ExecutionRecord",
    "Journal",
    "Manifest",
    "Model",
    "PartWriter",
    "PromptFileRecord",
    "ResponseCache",
    "ResultRow",
    "RunDir",
    "ScoreRow",
    "SummaryRows",
    "begin_execution",
    "contestants_of",
    "duckdb_views",
    "end_execution",
    "endpoint_label",
    "endpoint_short",
    "endpoints_label",
    "is_deterministic",
    "journal_progress",
    "last_seen",
    "lock_holder",
    "model_entry",
    "new_run_id",
    "next_part_index",
    "part_files",
    "polars_frame",
    "read_attempts",
    "read_landed_results",
    "read_result_rows",
    "read_results",
    "read_scores",
    "read_summary_frames",
    "read_summary_rows",
    "rebuild_parts",
    "rewrite_scores",
    "run_lock",
    "run_name",
    "settle_killed_execution",
    "shown_contestants",
    "shown_name",
    "shown_status",
    "spec_model_names",
    "system_memory_pool",
    "touch_lock",
    "typed_pandas",
    "wide_table",
    "with_columns_of",
]

_exports.publish(globals())
