"""Learn from a finished run: per model, how long its answers were (per prompt), how its
billed prompt tokens compare with the tokenizer-family estimate, how its bill compares with
the listed price, and how fast it answered. Written to the calibration file that every
later estimate reads (`orkit.cost.Calibration`).

Only the columns needed are read, in batches, and at most a sample of rows per model keeps
its messages, so learning from a million-row run stays cheap. Rows answered by a fallback
model, cache hits and insured rows (nothing billed) do not teach prices or lengths.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow.parquet as pq

from orkit._settings import load_settings
from orkit.batch._endpoint import Endpoint
from orkit.catalog import Catalog, ModelInfo
from orkit.cost import (
    ANY_PROMPT,
    Calibration,
    Observation,
    OutputSample,
    family_of,
    is_insured,
    measure_messages,
    sample_of,
)
from orkit.results import RunDir

__all__ = ["calibration_endpoint", "learn_from_run", "observe_run"]

_COLUMNS = [
    "model",
    "prompt_id",
    "params_json",
    "status",
    "is_fallback",
    "prompt_tokens",
    "completion_tokens",
    "finish_reason",
    "cost_usd",
    "cost_source",
    "ttft_s",
    "output_tokens_per_s",
    "messages_json",
]
_PROMPT_SAMPLE = 256  # rows per model whose messages are measured for the prompt ratio


@dataclass(slots=True)
class _Acc:
    lengths: dict[tuple[str, int | None], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    prompt_actual: float = 0.0
    prompt_estimated: float = 0.0
    measured: int = 0
    cost_actual: float = 0.0
    cost_listed: float = 0.0
    ttft: list[float] = field(default_factory=list)
    tps: list[float] = field(default_factory=list)
    rows: int = 0


def _rows(run: RunDir) -> Iterator[dict[str, Any]]:
    parts = sorted(run.results_dir.glob("part-*.parquet"))
    for part in parts:
        file = pq.ParquetFile(part)
        names = [c for c in _COLUMNS if c in file.schema_arrow.names]
        for batch in file.iter_batches(columns=names, batch_size=8192):
            yield from batch.to_pylist()


def _cap(params_json: str | None) -> int | None:
    try:
        params = json.loads(params_json or "{}")
    except ValueError:
        return None
    value = params.get("max_completion_tokens") or params.get("max_tokens")
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _listed(info: ModelInfo, row: Mapping[str, Any]) -> float | None:
    if info.prompt_price is None or info.completion_price is None:
        return None
    return (
        (row["prompt_tokens"] or 0) * info.prompt_price
        + (row["completion_tokens"] or 0) * info.completion_price
        + (info.request_price or 0.0)
    )


def _learn_row(acc: _Acc, info: ModelInfo | None, row: Mapping[str, Any]) -> None:
    acc.rows += 1
    completion = row.get("completion_tokens")
    if completion is None or is_insured(completion, row.get("finish_reason")):
        return
    acc.lengths[(row.get("prompt_id") or "", _cap(row.get("params_json")))].append(completion)
    if row.get("cost_source") == "cached":
        return
    if row.get("ttft_s") is not None:
        acc.ttft.append(row["ttft_s"])
    if row.get("output_tokens_per_s"):
        acc.tps.append(row["output_tokens_per_s"])
    if info is None:
        return
    if row.get("prompt_tokens") and acc.measured < _PROMPT_SAMPLE and row.get("messages_json"):
        acc.measured += 1
        size = measure_messages(json.loads(row["messages_json"]))
        acc.prompt_estimated += family_of(info.tokenizer).prompt_tokens(size)
        acc.prompt_actual += row["prompt_tokens"]
    listed = _listed(info, row)
    billed = row.get("cost_source") in ("reported", "generation")
    if listed and billed and row.get("cost_usd") is not None:
        acc.cost_actual += row["cost_usd"]
        acc.cost_listed += listed


def _judge_lengths(run: RunDir) -> dict[tuple[str, str], list[int]]:
    """Verdict lengths per (judge model, scorer), from the scores table's judge columns
    (a row's tokens over its calls; rows answered from the cache teach nothing new)."""
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    wanted = ["scorer", "judge_model", "judge_calls", "judge_completion_tokens"]
    for part in sorted(run.scores_dir.glob("part-*.parquet")):
        file = pq.ParquetFile(part)
        if not set(wanted) <= set(file.schema_arrow.names):
            continue
        for batch in file.iter_batches(columns=wanted, batch_size=8192):
            for row in batch.to_pylist():
                calls, tokens = row["judge_calls"], row["judge_completion_tokens"]
                if row["judge_model"] and calls and tokens is not None:
                    out[(row["judge_model"], row["scorer"])].append(round(tokens / calls))
    return out


def _judge_observations(run: RunDir, source: str) -> list[Observation]:
    by_model: dict[str, dict[str, OutputSample]] = defaultdict(dict)
    rows: dict[str, int] = defaultdict(int)
    for (model, scorer), lengths in _judge_lengths(run).items():
        sample = sample_of(lengths, f"{run.run_id}|{model}|{scorer}")
        by_model[model]["judge:" + scorer] = OutputSample(sample, None, source, run.run_id)
        rows[model] += len(lengths)
    return [Observation(model=m, outputs=o, rows=rows[m]) for m, o in by_model.items()]


def observe_run(run: RunDir, manifest: Mapping[str, Any]) -> list[Observation]:
    """What the run's rows say about each requested model."""
    catalog = Catalog.bundled()
    fingerprints: Mapping[str, str] = manifest.get("prompt_fingerprints") or {}
    source = "pilot" if str(manifest.get("name") or "").endswith("-pilot") else "calibration"
    accs: dict[str, _Acc] = defaultdict(_Acc)
    for row in _rows(run):
        if row.get("status") != "ok" or row.get("is_fallback"):
            continue
        model = row["model"]
        _learn_row(accs[model], catalog.get(model), row)
    out = []
    for model, acc in accs.items():
        outputs: dict[str, OutputSample] = {}
        pooled: list[int] = []
        for (pid, cap), lengths in sorted(acc.lengths.items(), key=lambda kv: len(kv[1])):
            key = fingerprints.get(pid, pid)
            seed = f"{manifest.get('run_id')}|{model}|{pid}"
            outputs[key] = OutputSample(sample_of(lengths, seed), cap, source, run.run_id)
            pooled.extend(lengths)
        caps = {cap for _, cap in acc.lengths}
        pooled_cap = None if None in caps or not caps else max(c for c in caps if c is not None)
        outputs[ANY_PROMPT] = OutputSample(
            sample_of(pooled, f"{run.run_id}|{model}"), pooled_cap, source, run.run_id
        )
        out.append(
            Observation(
                model=model,
                outputs=outputs,
                prompt_actual=acc.prompt_actual,
                prompt_estimated=acc.prompt_estimated,
                cost_actual=acc.cost_actual,
                cost_listed=acc.cost_listed,
                ttft_s=sum(acc.ttft) / len(acc.ttft) if acc.ttft else None,
                tokens_per_s=sum(acc.tps) / len(acc.tps) if acc.tps else None,
                rows=acc.rows,
            )
        )
    return out + _judge_observations(run, source)


def calibration_endpoint(endpoint: Endpoint | None) -> str:
    """The calibration key of an endpoint: what one server taught applies to it only."""
    if endpoint is None or endpoint.kind == "openrouter":
        return "openrouter"
    return "sim" if endpoint.kind == "sim" else endpoint.base_url


def learn_from_run(run: RunDir, manifest: Mapping[str, Any], endpoint_key: str) -> int:
    """Blend the run into the calibration file; returns how many models were learnt."""
    observations = observe_run(run, manifest)
    if not observations:
        return 0
    calibration = Calibration.load(load_settings().cache_dir)
    for obs in observations:
        calibration.update(endpoint_key, obs)
    calibration.save()
    return len(observations)
