"""The rows of a run directory's tables as Python sees them: one `TypedDict` per Parquet
schema of `_schema.py`, key for key and in the same order (`tests/results/test_row_types.py`
fails when a column is added to one and not the other).

What the engine builds (`batch/_rows.py`), the journal stores and gives back, and the part
files are written from. Every key is optional: a row journaled by an older orkit lacks the
columns added since (see `SCHEMA_VERSION`), a pending row has no answer, and the part writer
fills a missing column with null; a null is None, never 0. Timestamps are µs since the epoch
(UTC) as built and journaled, `datetime` when read back from Parquet.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeAlias, TypedDict

__all__ = ["AttemptRow", "ResultRow", "ScoreRow", "Timestamp"]

Timestamp: TypeAlias = int | datetime
"""µs since the epoch (UTC) in a built or journaled row; `datetime` read from Parquet."""


class ResultRow(TypedDict, total=False):
    """One task's final outcome (`RESULTS_SCHEMA`; its docstring says what each means)."""

    run_id: str
    task_key: str
    item_id: str
    item_index: int
    prompt_id: str
    model: str
    served_model: str | None
    served_provider: str | None
    params_json: str
    repeat: int
    status: str
    error_type: str | None
    http_status: int | None
    error_message: str | None
    attempts: int
    is_fallback: bool
    messages_json: str
    output_text: str | None
    reasoning_text: str | None
    finish_reason: str | None
    native_finish_reason: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None
    cached_tokens: int | None
    cost_usd: float | None
    cost_source: str
    queue_s: float
    backoff_s: float
    service_s: float | None
    ttft_s: float | None
    output_tokens_per_s: float | None
    started_at: Timestamp
    finished_at: Timestamp
    generation_id: str | None
    is_byok: bool | None
    upstream_cost_usd: float | None
    tool_calls_json: str | None
    turns: int | None
    turns_json: str | None
    cache_write_tokens: int | None
    cache_read_usd: float | None
    cache_write_usd: float | None
    cache_savings_usd: float | None


class AttemptRow(TypedDict, total=False):
    """One HTTP attempt (`ATTEMPTS_SCHEMA`)."""

    run_id: str
    task_key: str
    attempt: int
    model: str
    provider: str | None
    http_status: int | None
    error_type: str | None
    action: str
    started_at: Timestamp
    duration_s: float | None
    wait_s: float | None
    retry_after_s: float | None
    generation_id: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float | None
    cost_source: str


class ScoreRow(TypedDict, total=False):
    """One (task, scorer) score (`SCORES_SCHEMA`); the `judge_*` keys only for LLM judges."""

    run_id: str
    task_key: str
    item_id: str
    model: str
    scorer: str
    score: float | None
    passed: bool | None
    expected: str | None
    detail: str | None
    judge_model: str | None
    judge_calls: int | None
    judge_prompt_tokens: int | None
    judge_completion_tokens: int | None
    judge_cost_usd: float | None
    judge_cost_source: str | None
