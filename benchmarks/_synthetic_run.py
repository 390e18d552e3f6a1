"""A synthetic run directory, as `orkit run` writes one, made in seconds without sending a
request: manifest (`orkit.results.Manifest`), `dataset.parquet`, and results, attempts and
scores part files in the real schemas. For measuring what reads a run (the report) at sizes
a real run takes hours to reach: 200,000 tasks are written in a few seconds (every column
drawn at once with numpy, each part built as Arrow arrays).

What makes it look like a real run: answers of varied length, `text_chars` on average
(one in fifty several times longer, so the report's cut at 2,000 characters is met), in
prose that compresses as English does, right or wrong by each model's skill and each
item's difficulty; errors of several types; a few
answers by a fallback model; a few from the response cache (free, no latency); one model
served by two providers; one model that reasons (reasoning text and tokens); some 429
answers among the attempts, each followed by a successful retry; a few rows whose cost is
unknown (null, never 0).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _harness  # noqa: F401  (puts the repository on sys.path)
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from orkit.results import (
    ATTEMPTS_SCHEMA,
    RESULTS_SCHEMA,
    SCHEMA_VERSION,
    SCORES_SCHEMA,
    Manifest,
    RunDir,
)

__all__ = ["MODELS", "write_synthetic_run"]

MODELS = (
    "openai/gpt-4o-mini",
    "anthropic/claude-haiku-4.5",
    "google/gemini-2.5-flash",
    "meta-llama/llama-3.3-70b-instruct",
    "mistralai/mistral-small-3.2",
    "qwen/qwen-2.5-72b-instruct",
    "deepseek/deepseek-chat-v3",
    "x-ai/grok-3-mini",
    "cohere/command-r-08-2024",
    "amazon/nova-lite-v1",
)
"""The first models' names (more are `synthetic/model-N`)."""

_ERRORS = (
    ("rate_limited", 429, "rate limited by the provider after 3 retries"),
    ("timeout", None, "no first byte within 60 s"),
    ("server_error", 502, "upstream provider returned 502 Bad Gateway"),
    ("content_filter", 400, "the provider refused the prompt (content policy)"),
)
_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
_PART_ROWS = 5000  # as `PartWriter` flushes


def write_synthetic_run(
    root: Path,
    *,
    items: int,
    models: int,
    seed: int = 0,
    text_chars: int = 200,
    scorers: Sequence[str] = ("exact",),
    error_rate: float = 0.02,
    fallback_rate: float = 0.01,
    cache_rate: float = 0.02,
    rate_limit_rate: float = 0.03,
) -> Path:
    """Write a completed run of `items` × `models` tasks (one prompt, one parameter set,
    one repeat) under `root`; return its directory. Each of `scorers` (kinds `exact` or
    `contains`) scores every ok row."""
    rng = np.random.default_rng(seed)
    names = [MODELS[m] if m < len(MODELS) else f"synthetic/model-{m}" for m in range(models)]
    run = RunDir.create(Path(root), f"synthetic-{items}x{models}-s{seed}")
    questions, answers = _dataset(run, items, rng)
    n = items * models
    order = rng.permutation(n)  # rows are written as tasks finish: interleaved
    item = (order // models).astype(np.int64)
    model = (order % models).astype(np.int64)
    rows = _draw(rng, item, model, n, (error_rate, fallback_rate, cache_rate))
    texts = _answers(rng, rows, np.array(answers)[item], text_chars)
    times = _times(rng, rows, n)
    run_id = run.run_id
    rows["key"] = np.array(
        [f"t{i}-{m}" for i, m in zip(item.tolist(), model.tolist(), strict=True)]
    )
    for start in range(0, n, _PART_ROWS):  # bounded: n / _PART_ROWS parts
        part = slice(start, min(start + _PART_ROWS, n))
        table = _results_table(run_id, part, item, model, names, questions, rows, texts, times)
        _write(table, run.results_dir, start // _PART_ROWS, RESULTS_SCHEMA, "results")
        attempts = _attempts_table(run_id, part, rng, rows, times, names, model, rate_limit_rate)
        _write(attempts, run.attempts_dir, start // _PART_ROWS, ATTEMPTS_SCHEMA, "attempts")
        scored = _scores_table(run_id, part, item, model, names, rows, answers, scorers)
        _write(scored, run.scores_dir, start // _PART_ROWS, SCORES_SCHEMA, "scores")
    _manifest(run, items, names, rows, scorers, times)
    return run.path


def _dataset(run: RunDir, items: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    a = rng.integers(2, 999, items)
    b = rng.integers(2, 999, items)
    questions = [f"What is {x} + {y}? Answer with the number." for x, y in zip(a, b, strict=True)]
    answers = [str(x + y) for x, y in zip(a.tolist(), b.tolist(), strict=True)]
    ids = [f"item-{i:06d}" for i in range(items)]
    table = pa.table(
        {
            "id": ids,
            "question": questions,
            "answer": answers,
            "item_id": ids,
            "item_index": pa.array(np.arange(items), pa.int64()),
        }
    )
    pq.write_table(table, run.dataset_path)
    return questions, answers


def _draw(
    rng: np.random.Generator,
    item: npt.NDArray[np.int64],
    model: npt.NDArray[np.int64],
    n: int,
    rates: tuple[float, float, float],
) -> dict[str, npt.NDArray[np.generic]]:
    """Every row's outcome: status, error, fallback, cache, correctness, cost, latency."""
    error_rate, fallback_rate, cache_rate = rates
    skill = np.linspace(0.9, 0.45, max(int(model.max()) + 1, 1))
    difficulty = np.random.default_rng(7).normal(0.0, 0.15, int(item.max()) + 1)
    error = rng.random(n) < error_rate
    ok = ~error
    cached = ok & (rng.random(n) < cache_rate)
    fallback = ok & ~cached & (rng.random(n) < fallback_rate)
    right = ok & (rng.random(n) < np.clip(skill[model] - difficulty[item], 0.02, 0.98))
    service = np.where(ok & ~cached, rng.lognormal(-0.3 + 0.1 * model, 0.5, n), np.nan)
    ttft = np.where(ok & ~cached, service * rng.uniform(0.1, 0.4, n), np.nan)
    cost = np.where(ok, rng.gamma(2.0, 4e-5 * (1 + model), n), np.nan)
    cost = np.where(cached, 0.0, cost)
    unknown_cost = ok & ~cached & (rng.random(n) < 0.005)
    cost = np.where(unknown_cost, np.nan, cost)
    return {
        "ok": ok,
        "error_kind": np.where(error, rng.integers(0, len(_ERRORS), n), -1),
        "cached": cached,
        "fallback": fallback,
        "right": right,
        "service": service,
        "ttft": ttft,
        "cost": cost,
        "unknown_cost": unknown_cost,
        "model": model,
    }


def _answers(
    rng: np.random.Generator,
    rows: dict[str, npt.NDArray[np.generic]],
    expected: Sequence[str] | npt.NDArray[np.str_],
    text_chars: int,
) -> list[str | None]:
    """Each ok row's answer: `The answer is N.` then prose, `text_chars` long on average:
    most near it, one in fifty 5 to 15 times longer (some past the report's cut)."""
    n = len(rows["ok"])
    pool = _prose(rng, max(40 * text_chars, 200_000))
    # lognormal(σ=0.5) has mean 1.13 × its median; the long ones add 0.18 × the mean
    median = text_chars / (1.13 * 1.18)
    lengths = np.clip(rng.lognormal(np.log(median), 0.5, n), 1, None).astype(np.int64)
    long = rng.random(n) < 0.02
    lengths = np.where(long, lengths * rng.integers(5, 16, n), lengths)
    lengths = np.minimum(lengths, len(pool) - 1)
    offsets = rng.integers(0, len(pool) - lengths)
    wrong = rng.integers(1, 50, n)
    out: list[str | None] = []
    ok, right = rows["ok"].tolist(), rows["right"].tolist()
    for i in range(n):  # bounded: one answer per row
        if not ok[i]:
            out.append(None)
            continue
        said = expected[i] if right[i] else str(int(expected[i]) + int(wrong[i]))
        start = int(offsets[i])
        out.append(f"The answer is {said}. " + pool[start : start + int(lengths[i])])
    return out


def _prose(rng: np.random.Generator, chars: int) -> str:
    """`chars` of word salad that compresses about as English does (gzip to some 35-40%):
    3,000 made-up words of 2 to 10 letters drawn by Zipf's law, not a handful repeated
    (which gzip squeezes ten times over and would flatter a report's size)."""
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    weights = 1.0 / np.arange(1, 27)
    sizes = rng.integers(2, 11, 3000)
    vocabulary = [
        "".join(rng.choice(letters, size=int(k), p=weights / weights.sum())) for k in sizes
    ]
    rank = 1.0 / np.arange(1, len(vocabulary) + 1)
    words = rng.choice(len(vocabulary), size=chars // 5, p=rank / rank.sum())
    return " ".join(vocabulary[w] for w in words.tolist())[:chars]


def _times(
    rng: np.random.Generator, rows: dict[str, npt.NDArray[np.generic]], n: int
) -> dict[str, npt.NDArray[np.int64]]:
    """Start and finish of each row, microseconds since the run began (some 40 a second)."""
    started = np.sort(rng.uniform(0, n / 40.0, n)) * 1e6
    took = np.nan_to_num(np.asarray(rows["service"], dtype=np.float64), nan=0.001) * 1e6
    return {"started": started.astype(np.int64), "finished": (started + took).astype(np.int64)}


def _stamp(micros: npt.NDArray[np.int64]) -> pa.Array:
    base = int(_START.timestamp() * 1e6)
    return pa.array(micros + base, pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def _results_table(
    run_id: str,
    part: slice,
    item: npt.NDArray[np.int64],
    model: npt.NDArray[np.int64],
    names: list[str],
    questions: list[str],
    rows: dict[str, npt.NDArray[np.generic]],
    texts: list[str | None],
    times: dict[str, npt.NDArray[np.int64]],
) -> pa.Table:
    items, models = item[part], model[part]
    ok = np.asarray(rows["ok"][part], dtype=bool)
    kind = np.asarray(rows["error_kind"][part], dtype=np.int64)
    cached = np.asarray(rows["cached"][part], dtype=bool)
    fallback = np.asarray(rows["fallback"][part], dtype=bool)
    output = texts[part]
    reasons = models == 2  # one model reasons
    served_model = [
        (names[(m + 1) % len(names)] if f else names[m]) if o else None
        for m, f, o in zip(models.tolist(), fallback.tolist(), ok.tolist(), strict=True)
    ]
    provider = [
        None if not o else ("Azure" if m == 0 and i % 3 == 0 else _provider(names[m]))
        for m, i, o in zip(models.tolist(), items.tolist(), ok.tolist(), strict=True)
    ]
    length = np.array([len(t) if t else 0 for t in output])
    cost = np.asarray(rows["cost"][part], dtype=np.float64)
    source = np.where(cached, "cached", np.where(np.isnan(cost), "unknown", "reported"))
    columns = {
        "run_id": [run_id] * len(items),
        "task_key": rows["key"][part].tolist(),
        "item_id": [f"item-{i:06d}" for i in items.tolist()],
        "item_index": items,
        "prompt_id": ["default"] * len(items),
        "model": [names[m] for m in models.tolist()],
        "served_model": served_model,
        "served_provider": provider,
        "params_json": ['{"temperature":0.0}'] * len(items),
        "repeat": np.zeros(len(items), dtype=np.int32),
        "status": np.where(ok, "ok", "error").tolist(),
        "error_type": [_ERRORS[k][0] if k >= 0 else None for k in kind.tolist()],
        "http_status": [_ERRORS[k][1] if k >= 0 else None for k in kind.tolist()],
        "error_message": [_ERRORS[k][2] if k >= 0 else None for k in kind.tolist()],
        "attempts": np.where(cached, 0, 1).astype(np.int32),
        "is_fallback": fallback,
        "messages_json": [
            json.dumps([{"role": "user", "content": questions[i]}]) for i in items.tolist()
        ],
        "output_text": output,
        "reasoning_text": [
            "Let me add the two numbers step by step." if r and o else None
            for r, o in zip(reasons.tolist(), ok.tolist(), strict=True)
        ],
        "finish_reason": _or_null(ok, np.full(len(ok), "stop")),
        "prompt_tokens": _or_null(ok, np.full(len(ok), 18)),
        "completion_tokens": _or_null(ok, length // 4 + 1),
        "reasoning_tokens": _or_null(ok, np.where(reasons, 40, 0)),
        "cost_usd": cost,
        "cost_source": _or_null(ok, source),
        "service_s": np.asarray(rows["service"][part], dtype=np.float64),
        "ttft_s": np.asarray(rows["ttft"][part], dtype=np.float64),
        "started_at": _stamp(times["started"][part]),
        "finished_at": _stamp(times["finished"][part]),
    }
    return _table(columns, RESULTS_SCHEMA, len(items))


def _or_null(mask: npt.NDArray[np.bool_], values: npt.NDArray[np.generic]) -> list[object]:
    """`values` where `mask`, null elsewhere."""
    return [v if m else None for v, m in zip(values.tolist(), mask.tolist(), strict=True)]


def _provider(model: str) -> str:
    return model.split("/", 1)[0].replace("-", " ").title().replace(" ", "")


def _attempts_table(
    run_id: str,
    part: slice,
    rng: np.random.Generator,
    rows: dict[str, npt.NDArray[np.generic]],
    times: dict[str, npt.NDArray[np.int64]],
    names: list[str],
    model: npt.NDArray[np.int64],
    rate_limit_rate: float,
) -> pa.Table:
    """One attempt per sent row; some rows first got a 429 and were retried."""
    sent = np.flatnonzero(~np.asarray(rows["cached"][part], dtype=bool)) + part.start
    limited = sent[rng.random(len(sent)) < rate_limit_rate]
    task = np.concatenate([limited, sent])
    first = np.concatenate([np.ones(len(limited), bool), np.zeros(len(sent), bool)])
    ok = np.asarray(rows["ok"], dtype=bool)[task]
    columns = {
        "run_id": [run_id] * len(task),
        "task_key": rows["key"][task].tolist(),
        "attempt": np.where(first, 1, 1 + np.isin(task, limited)).astype(np.int32),
        "model": [names[m] for m in model[task].tolist()],
        "http_status": np.where(first, 429, np.where(ok, 200, 502)).astype(np.int32),
        "error_type": _or_null(first | ~ok, np.where(first, "rate_limited", "server_error")),
        "action": np.where(first, "retry", np.where(ok, "ok", "fail")).tolist(),
        "started_at": _stamp(times["started"][task] - np.where(first, 500_000, 0)),
        "duration_s": np.where(first, 0.05, 0.5),
    }
    return _table(columns, ATTEMPTS_SCHEMA, len(task))


def _scores_table(
    run_id: str,
    part: slice,
    item: npt.NDArray[np.int64],
    model: npt.NDArray[np.int64],
    names: list[str],
    rows: dict[str, npt.NDArray[np.generic]],
    answers: list[str],
    scorers: Sequence[str],
) -> pa.Table:
    """One row per (ok row, scorer): exact is right or wrong; contains also passes some
    wrong answers (the right number appears in the prose)."""
    at = np.flatnonzero(np.asarray(rows["ok"][part], dtype=bool)) + part.start
    right = np.asarray(rows["right"], dtype=bool)[at]
    lenient = right | (np.random.default_rng(at.size).random(len(at)) < 0.1)
    keys = rows["key"][at].tolist()
    columns: dict[str, list[object]] = {name: [] for name in SCORES_SCHEMA.names}
    for name in scorers:  # bounded: the scorers given
        passed = right if name == "exact" else lenient
        columns["run_id"] += [run_id] * len(at)
        columns["task_key"] += keys
        columns["item_id"] += [f"item-{i:06d}" for i in item[at].tolist()]
        columns["model"] += [names[m] for m in model[at].tolist()]
        columns["scorer"] += [name] * len(at)
        columns["score"] += passed.astype(np.float64).tolist()
        columns["passed"] += passed.tolist()
        columns["expected"] += [answers[i] for i in item[at].tolist()]
    size = len(columns["task_key"])
    return _table({k: v for k, v in columns.items() if v}, SCORES_SCHEMA, size)


def _table(columns: dict[str, object], schema: pa.Schema, size: int) -> pa.Table:
    """A table of `schema`: the given columns, the rest null."""
    arrays = []
    for field in schema:
        given = columns.get(field.name)
        if given is None:
            arrays.append(pa.nulls(size, type=field.type))
        elif isinstance(given, pa.Array):
            arrays.append(given)
        elif isinstance(given, np.ndarray) and given.dtype.kind == "f":
            arrays.append(pa.array(given, type=field.type, from_pandas=True))  # NaN: null
        else:
            arrays.append(pa.array(given, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _write(table: pa.Table, directory: Path, index: int, schema: pa.Schema, kind: str) -> None:
    metadata = {b"orkit.schema_version": SCHEMA_VERSION.encode(), b"orkit.table": kind.encode()}
    pq.write_table(table.replace_schema_metadata(metadata), directory / f"part-{index:05d}.parquet")
    del schema


def _manifest(
    run: RunDir,
    items: int,
    names: list[str],
    rows: dict[str, npt.NDArray[np.generic]],
    scorers: Sequence[str],
    times: dict[str, npt.NDArray[np.int64]],
) -> None:
    ok = np.asarray(rows["ok"], dtype=bool)
    cost = np.asarray(rows["cost"], dtype=np.float64)
    wall = float(times["finished"].max()) / 1e6
    totals = {
        "tasks": len(ok),
        "ok": int(ok.sum()),
        "errors": int((~ok).sum()),
        "deferred": 0,
        "skipped_budget": 0,
        "cached": int(np.asarray(rows["cached"]).sum()),
        "cost_usd": float(np.nansum(cost)),
        "cost_unknown_rows": int(np.asarray(rows["unknown_cost"]).sum()),
        "fallback_rows": int(np.asarray(rows["fallback"]).sum()),
    }
    finished = _START + timedelta(seconds=wall)
    Manifest.from_dict(
        {
            "run_id": run.run_id,
            "schema_version": SCHEMA_VERSION,
            "name": f"synthetic {items:,} items × {len(names)} models",
            "status": "completed",
            "created_at": _START.isoformat(),
            "finished_at": finished.isoformat(),
            "spec": {
                "name": "synthetic",
                "dataset": "items.jsonl",
                "models": names,
                "prompts": {"default": {"template": "{{ question }}"}},
                "params": {"temperature": 0.0},
                "scorers": [{"kind": s, "expected": "answer"} for s in scorers],
            },
            "spec_resolved": True,
            "endpoint": {"kind": "sim", "base_url": "http://sim.local/api/v1"},
            "dataset": {
                "path": "items.jsonl",
                "format": "jsonl",
                "fingerprint": "0" * 64,
                "rows": items,
            },
            "catalog": {"source": "snapshot", "date": "2026-08-19"},
            "tasks": len(ok),
            "versions": {"orkit": "synthetic"},
            "wall_s": wall,
            "totals": {"all": totals},
            "warnings": [f"{names[0]} was served by 2 providers (Azure, OpenAI)"],
        }
    ).write(run.manifest_path)
