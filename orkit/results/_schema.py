"""The Parquet schemas of a run directory: defined here and nowhere else.

Column names carry their units. Unknown values are null, never 0: a null `cost_usd` means the
cost is unknown, a 0 means it was free (or a cache hit, with `cost_source = "cached"`).
Changing a column's name, type or order requires bumping `SCHEMA_VERSION`, and the same
change to the row's `TypedDict` (`ResultRow`, `AttemptRow`, `ScoreRow` in `_row_types.py`).
"""

from __future__ import annotations

import pyarrow as pa

from orkit.results._row_types import AttemptRow, ResultRow, ScoreRow

__all__ = [
    "ATTEMPTS_SCHEMA",
    "RESULTS_SCHEMA",
    "SCHEMA_VERSION",
    "SCORES_SCHEMA",
    "AttemptRow",
    "ResultRow",
    "ScoreRow",
    "schema_metadata",
]

SCHEMA_VERSION = "6"
"""1: first release. 2: the scores table gains the nullable `judge_*` columns at its end
(parts of version 1 read back with them null). 3: the results table gains the nullable
`is_byok` and `upstream_cost_usd` at its end (older parts read back with them null).
4: the attempts table gains the nullable `generation_id`, `prompt_tokens`,
`completion_tokens`, `cost_usd` and `cost_source` at its end (older parts read back with
them null). 5: the results table gains the nullable `tool_calls_json`, `turns` and
`turns_json` at its end (older parts read back with them null). 6: the results table gains
the nullable `cache_write_tokens`, `cache_read_usd`, `cache_write_usd` and
`cache_savings_usd` at its end (older parts read back with them null)."""

_TS = pa.timestamp("us", tz="UTC")

RESULTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("task_key", pa.string()),
        ("item_id", pa.string()),
        ("item_index", pa.int64()),
        ("prompt_id", pa.string()),
        ("model", pa.string()),
        ("served_model", pa.string()),
        ("served_provider", pa.string()),
        ("params_json", pa.string()),
        ("repeat", pa.int32()),
        ("status", pa.string()),
        ("error_type", pa.string()),
        ("http_status", pa.int32()),
        ("error_message", pa.string()),
        ("attempts", pa.int32()),
        ("is_fallback", pa.bool_()),
        ("messages_json", pa.string()),
        ("output_text", pa.string()),
        ("reasoning_text", pa.string()),
        ("finish_reason", pa.string()),
        ("native_finish_reason", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("reasoning_tokens", pa.int64()),
        ("cached_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("cost_source", pa.string()),
        ("queue_s", pa.float64()),
        ("backoff_s", pa.float64()),
        ("service_s", pa.float64()),
        ("ttft_s", pa.float64()),
        ("output_tokens_per_s", pa.float64()),
        ("started_at", _TS),
        ("finished_at", _TS),
        ("generation_id", pa.string()),
        ("is_byok", pa.bool_()),
        ("upstream_cost_usd", pa.float64()),
        ("tool_calls_json", pa.string()),
        ("turns", pa.int32()),
        ("turns_json", pa.string()),
        ("cache_write_tokens", pa.int64()),
        ("cache_read_usd", pa.float64()),
        ("cache_write_usd", pa.float64()),
        ("cache_savings_usd", pa.float64()),
    ]
)
"""One row per task. `cost_source` says where `cost_usd` came from: `reported` (the
response's `usage.cost`), `generation` (`GET /generation`, when the response had none),
`estimated` (token counts at the listed prices, when neither said), `cached` (a response
cache hit: free) or `unknown` (null cost). `is_byok` rows were billed to your own provider
key: `cost_usd` is OpenRouter's fee, `upstream_cost_usd` what the provider charged you.
`output_tokens_per_s` is the decode speed, `(completion_tokens - 1)` over the time from the
first token-carrying stream event to the last; null for unstreamed and cached answers and
for answers that came in fewer than two such events or within a millisecond (one network
read: no interval was measured).

`tool_calls_json` is the answer's tool calls, in order: a JSON list of `{"name",
"arguments"}` (plus `"turn"`, from 1, in a tool loop), `arguments` parsed when the model sent
a JSON object and kept as the raw string it sent otherwise; null when no tool was called.
`turns` is how many requests the answer took (1, or more in a tool loop: `max_turns`);
`turns_json` lists a tool loop's turns (`turn`, `generation_id`, `finish_reason`, tokens,
`cost_usd`, `in_row`: whether the turn's cost is counted in this row's `cost_usd`); null for
one-request tasks. The row's tokens and cost are its turns' sums when every turn's cost is
known; otherwise they are its last turn's, and the earlier turns' attempts count as billed
attempts of their own (`in_row` false) that the cost fill looks up.

Prompt caching: `cached_tokens` were read from the provider's prompt cache and
`cache_write_tokens` written to it (`usage.prompt_tokens_details`); `cache_read_usd` and
`cache_write_usd` price them at the model's listed cache-read and cache-write prices
(`input_cache_write_1h` for a one-hour breakpoint), and `cache_savings_usd` is what they
would have cost at the plain prompt price less both (negative when writes cost more than
reads saved). 0.0 for a row that read and wrote nothing at known prices (and for an insured
or response-cache answer: nothing billed); null when a count or a price is unknown.
`cost_usd` already holds them: these columns only split its cache part out."""

ATTEMPTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("task_key", pa.string()),
        ("attempt", pa.int32()),
        ("model", pa.string()),
        ("provider", pa.string()),
        ("http_status", pa.int32()),
        ("error_type", pa.string()),
        ("action", pa.string()),
        ("started_at", _TS),
        ("duration_s", pa.float64()),
        ("wait_s", pa.float64()),
        ("retry_after_s", pa.float64()),
        ("generation_id", pa.string()),
        ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()),
        ("cost_usd", pa.float64()),
        ("cost_source", pa.string()),
    ]
)
"""One row per HTTP attempt. `action` is what followed it: ok, retry, wait, fallback, fail,
defer or stop. `wait_s` is the waiting before the attempt (limiters, then backoff).

`generation_id` is set when the server began a generation, even if the attempt then broke
(a stream cut short, a mid-stream error): OpenRouter bills those. Tokens and `cost_usd` are
what the answer (or the error event) reported, or, for a broken attempt, what
`GET /generation` said after the run; `cost_source` is `reported`, `generation` or `unknown`
(null cost: nothing said; an attempt without a generation id was not billed, and says
`unknown` too, with a null cost, never 0). An attempt's cost that is its task's own (same
`generation_id` as the results row, or a tool loop's turn its row carries: `in_row` in
`turns_json`) is in the row's `cost_usd`, not an extra charge."""

SCORES_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("task_key", pa.string()),
        ("item_id", pa.string()),
        ("model", pa.string()),
        ("scorer", pa.string()),
        ("score", pa.float64()),
        ("passed", pa.bool_()),
        ("expected", pa.string()),
        ("detail", pa.string()),
        ("judge_model", pa.string()),
        ("judge_calls", pa.int32()),
        ("judge_prompt_tokens", pa.int64()),
        ("judge_completion_tokens", pa.int64()),
        ("judge_cost_usd", pa.float64()),
        ("judge_cost_source", pa.string()),
    ]
)
"""One row per (task, scorer). `score` is null when a scorer applied but could not score
(`detail` says why: an unreadable judge reply, a custom scorer that raised). Rows of LLM
judges carry their own cost line: `judge_model`, `judge_calls` (requests sent; 0 when every
reply came from the cache), tokens, `judge_cost_usd` (null = unknown, never 0) and
`judge_cost_source` (`reported`, `cached` or `unknown`); other scorers leave them null."""


def schema_metadata(kind: str) -> dict[bytes, bytes]:
    """Key-value metadata stored in every part file, so readers can check what they read."""
    return {b"orkit.schema_version": SCHEMA_VERSION.encode(), b"orkit.table": kind.encode()}
