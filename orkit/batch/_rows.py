"""Turn a task's outcome (a response or an error) into its results row and score rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from orkit.batch._cache_columns import NOTHING_CACHED, CacheCosts, CachePricing, one_hour
from orkit.batch._tasks import Task
from orkit.batch._tool_calls import call_records, calls_json
from orkit.cost import is_insured
from orkit.errors import APIError, http_status_of
from orkit.results import AttemptRow, ResultRow, ScoreRow
from orkit.router import Attempt
from orkit.scorers import Scorer, score_answer
from orkit.types import ChatResponse

__all__ = [
    "ROUTER_PREFIX",
    "Timing",
    "attempt_rows",
    "cached_row",
    "error_row",
    "ok_row",
    "pending_row",
    "score_rows",
]

_MAX_ERROR_MESSAGE = 2000


@dataclass(frozen=True, slots=True)
class Timing:
    queue_s: float
    backoff_s: float
    started_at: float
    """Unix seconds when the task left the queue."""
    finished_at: float


def _base(task: Task, run_id: str, timing: Timing, attempts: int) -> ResultRow:
    return {
        "run_id": run_id,
        "task_key": task.key,
        "item_id": task.item_id,
        "item_index": task.item_index,
        "prompt_id": task.prompt_id,
        "model": task.model,
        "params_json": task.params_json,
        "repeat": task.repeat,
        "attempts": attempts,
        "messages_json": task.messages_json,
        "queue_s": timing.queue_s,
        "backoff_s": timing.backoff_s,
        "started_at": int(timing.started_at * 1_000_000),
        "finished_at": int(timing.finished_at * 1_000_000),
    }


def ok_row(
    task: Task,
    run_id: str,
    response: ChatResponse,
    timing: Timing,
    *,
    attempts: int = 1,
    is_fallback: bool = False,
    pricing: CachePricing | None = None,
) -> ResultRow:
    """The row of an answer; `pricing`: the run's cache prices (None: unknown here, the
    cache columns stay null)."""
    row = _base(task, run_id, timing, attempts)
    usage = response.usage
    served = response.model
    row.update(
        {
            "status": "ok",
            "served_model": served,
            "served_provider": response.provider,
            "is_fallback": is_fallback
            or (served is not None and not _same_model(task.sent_model or task.model, served)),
            "output_text": response.content,
            "reasoning_text": response.reasoning,
            "finish_reason": response.finish_reason,
            "native_finish_reason": response.native_finish_reason,
            "service_s": response.latency_s,
            "ttft_s": response.ttft_s,
            "generation_id": response.generation_id,
            "tool_calls_json": calls_json(call_records(response.tool_calls))
            if response.tool_calls
            else None,
            "turns": 1,
        }
    )
    if usage is not None:
        row.update(
            {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "reasoning_tokens": usage.reasoning_tokens,
                "cached_tokens": usage.cached_tokens,
                "cache_write_tokens": usage.cache_write_tokens,
                "cost_usd": usage.cost_usd,
                "cost_source": "reported" if usage.cost_usd is not None else "unknown",
                "is_byok": usage.is_byok,
                "upstream_cost_usd": usage.upstream_inference_cost_usd,
            }
        )
    else:
        row["cost_source"] = "unknown"
    row["output_tokens_per_s"] = _tokens_per_s(response)
    if pricing is not None and usage is not None:
        _cache_costs(task, row, pricing).fill(row)
    return row


def _cache_costs(task: Task, row: ResultRow, pricing: CachePricing) -> CacheCosts:
    if is_insured(row.get("completion_tokens"), row.get("finish_reason")):
        return NOTHING_CACHED  # nothing billed: nothing paid for, nothing saved
    written = row.get("cache_write_tokens")
    costs = pricing.costs(
        row.get("served_model") or task.sent_model or task.model,
        (row.get("prompt_tokens"), row.get("cached_tokens"), written),
        one_hour=bool(written) and one_hour(task.request.messages),
    )
    return costs


def cached_row(task: Task, run_id: str, response: ChatResponse, timing: Timing) -> ResultRow:
    """A response served from the cache: no request, no cost (and it says so)."""
    row = ok_row(task, run_id, response, timing, attempts=0)
    row.update(
        {
            "cost_usd": 0.0,
            "cost_source": "cached",
            "service_s": None,
            "ttft_s": None,
            "output_tokens_per_s": None,
            "is_byok": None,
            "upstream_cost_usd": None,
        }
    )
    NOTHING_CACHED.fill(row)  # no request: nothing read, written, paid or saved
    return row


def pending_row(task: Task, run_id: str, status: str, message: str, timing: Timing) -> ResultRow:
    """A task left for a later resume (`skipped_budget`, `deferred`): nothing was spent."""
    row = _base(task, run_id, timing, 0)
    row.update(
        {"status": status, "error_message": message, "is_fallback": False, "cost_source": "unknown"}
    )
    return row


def error_row(
    task: Task, run_id: str, error: APIError, timing: Timing, *, attempts: int = 1
) -> ResultRow:
    row = _base(task, run_id, timing, attempts)
    row.update(
        {
            "status": "error",
            "error_type": error.error_type,
            "error_message": error.message[:_MAX_ERROR_MESSAGE],
            "served_provider": error.provider,
            "is_fallback": False,
            "cost_source": "unknown",
            # Set when the failed answer had begun: billed, and looked up after the run.
            "generation_id": error.generation_id,
        }
    )
    row["http_status"] = http_status_of(error)
    usage = error.usage  # what a mid-stream error event reported
    if usage is not None:
        row.update(
            {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "cost_usd": usage.cost_usd,
                "cost_source": "reported" if usage.cost_usd is not None else "unknown",
            }
        )
    return row


def score_rows(
    task: Task, run_id: str, answer: ResultRow, scorers: Sequence[Scorer]
) -> list[ScoreRow]:
    """The inline scorers' rows for the answer in results row `answer`."""
    rows: list[ScoreRow] = []
    for scorer in scorers:
        score = score_answer(scorer, answer, task.fields)
        if score is None:
            continue
        rows.append(
            {
                "run_id": run_id,
                "task_key": task.key,
                "item_id": task.item_id,
                "model": task.model,
                "scorer": scorer.name,
                "score": score.value,
                "passed": score.passed,
                "expected": score.expected,
                "detail": score.detail,
            }
        )
    return rows


class _AttemptCost(TypedDict):
    cost_usd: float | None
    cost_source: str


ROUTER_PREFIX = "openrouter/"
"""`openrouter/auto`, `openrouter/free`, ...: ids of OpenRouter's routers, which pick the
model that answers; the answer is the router's own, never a fallback."""


def _same_model(requested: str, served: str) -> bool:
    """OpenRouter reports the served model without routing suffixes (`:nitro`, `:floor`...)
    and sometimes by its dated canonical slug; neither is a fallback. A router id is
    answered by whatever model it picks (recorded as `served_model`): that is the router
    doing its job, and its rows are scored under the router id that was asked for."""
    if requested.startswith(ROUTER_PREFIX):
        return True
    base = requested.split(":", 1)[0]
    return served in (requested, base) or served.startswith(base + "-20")


MIN_DECODE_S = 0.001
"""The shortest first-to-last-token interval a decode speed is measured over. Events closer
than this came in one network read (a local server, an answer already written out): their
arrival times say nothing about generation, and 2 tokens over 20 µs read as 100,000 tok/s."""


def _tokens_per_s(response: ChatResponse) -> float | None:
    """Decode speed: the tokens after the first over the time from the first token-carrying
    event to the last, `(completion_tokens - 1) / (last - first)` (time per output token,
    inverted). Null unless the answer streamed at least two token-carrying events over a
    measurable interval: an unstreamed answer, or one that came in one piece, has no
    decode time to divide by."""
    usage = response.usage
    first, last = response.ttft_s, response.last_token_s
    if usage is None or usage.completion_tokens is None or usage.completion_tokens < 2:
        return None
    if response.token_chunks < 2 or first is None or last is None:
        return None
    if last - first < MIN_DECODE_S:
        return None
    return (usage.completion_tokens - 1) / (last - first)


def attempt_rows(
    task: Task, run_id: str, attempts: Sequence[Attempt], *, offset: int = 0
) -> list[AttemptRow]:
    return [
        {
            "run_id": run_id,
            "task_key": task.key,
            "attempt": a.attempt + offset,
            "model": a.model,
            "provider": a.provider,
            "http_status": a.http_status,
            "error_type": a.error_type,
            "action": a.action,
            "started_at": int(a.started_at * 1_000_000),
            "duration_s": a.duration_s,
            "wait_s": a.wait_s,
            "retry_after_s": a.retry_after_s,
            "generation_id": a.generation_id,
            "prompt_tokens": a.prompt_tokens,
            "completion_tokens": a.completion_tokens,
            **_attempt_cost(a),
        }
        for a in attempts
    ]


def _attempt_cost(a: Attempt) -> _AttemptCost:
    """An attempt's cost and where it came from. One that began no generation (a 429, a
    500, a refused connection, a stall before the first event: no generation id and not
    answered) is known to cost nothing, `not_billed`; one that did, and did not say what it
    cost, is unknown (null) until `GET /generation` says."""
    if a.cost_usd is not None:
        return {"cost_usd": a.cost_usd, "cost_source": "reported"}
    if a.generation_id is None and a.action != "ok":
        return {"cost_usd": 0.0, "cost_source": "not_billed"}
    return {"cost_usd": None, "cost_source": "unknown"}
