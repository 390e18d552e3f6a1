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
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
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
    """What one model's rows taught so far (the run is read one part file at a time)."""

    lengths: dict[tuple[str, int | None], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    sample: dict[int, float] = field(default_factory=dict)
    """Row position -> billed prompt tokens, for rows whose prompts get measured."""
    ttft_sum: float = 0.0
    ttft_n: int = 0
    tps_sum: float = 0.0
    tps_n: int = 0
    cost_actual: float = 0.0
    cost_listed: float = 0.0
    rows: int = 0


def _parts(run: RunDir) -> Iterator[pd.DataFrame]:
    """Each results part's learning columns (all but the messages), indexed by the row's
    position across the parts. One part at a time keeps memory flat on big runs; within a
    part the work is column-wise (a row-by-row pass cost ~40 µs a row)."""
    offset = 0
    for part in sorted(run.results_dir.glob("part-*.parquet")):
        names = set(pq.ParquetFile(part).schema_arrow.names)
        df = pq.read_table(part, columns=[c for c in _COLUMNS if c in names]).to_pandas()
        df.index = pd.RangeIndex(offset, offset + len(df))
        offset += len(df)
        for column in _COLUMNS:
            if column not in df.columns:
                df[column] = None
        yield df


def _cap(params_json: str | None) -> int | None:
    try:
        params = json.loads(params_json or "{}")
    except ValueError:
        return None
    value = params.get("max_completion_tokens") or params.get("max_tokens")
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _messages(run: RunDir, positions: set[int]) -> Iterator[tuple[int, str]]:
    """(row position, messages_json) of the rows at `positions` (counted across the part
    files in order), reading the messages column one part at a time and stopping once all
    are found (the column holds every prompt: the biggest one by far)."""
    left = len(positions)
    offset = 0
    for part in sorted(run.results_dir.glob("part-*.parquet")):
        if not left:
            return
        column = pq.read_table(part, columns=["messages_json"]).column(0).to_pylist()
        for i, text in enumerate(column):
            if offset + i in positions:
                left -= 1
                if text:
                    yield offset + i, text
        offset += len(column)


def _learn_rows(
    acc: _Acc, rows: pd.DataFrame, info: ModelInfo | None, caps: dict[str | None, int | None]
) -> None:
    """Fold one part's answered rows of one model into its accumulator."""
    acc.rows += len(rows)
    completion = rows["completion_tokens"]
    insured = rows["finish_reason"].eq("error") | (completion.eq(0) & rows["finish_reason"].isna())
    counted = rows[completion.notna() & ~insured.fillna(False).astype(bool)]
    for pj in counted["params_json"].unique():
        if pj not in caps:
            caps[pj] = _cap(pj)
    keys = zip(counted["prompt_id"].fillna(""), counted["params_json"].map(caps), strict=True)
    for key, tokens in zip(keys, counted["completion_tokens"].astype("int64"), strict=True):
        acc.lengths[key].append(int(tokens))
    fresh = counted[counted["cost_source"].ne("cached")]
    ttft = fresh["ttft_s"].dropna()
    tps = fresh["output_tokens_per_s"].dropna()
    tps = tps[tps != 0]
    acc.ttft_sum += float(ttft.sum())
    acc.ttft_n += len(ttft)
    acc.tps_sum += float(tps.sum())
    acc.tps_n += len(tps)
    if info is None:
        return
    room = _PROMPT_SAMPLE - len(acc.sample)
    if room > 0:
        billed_prompt = fresh["prompt_tokens"].fillna(0)
        picked = billed_prompt[billed_prompt != 0].iloc[:room]
        acc.sample.update(zip(picked.index.tolist(), picked.astype(float).tolist(), strict=True))
    if info.prompt_price is not None and info.completion_price is not None:
        listed = (
            fresh["prompt_tokens"].fillna(0) * info.prompt_price
            + fresh["completion_tokens"].fillna(0) * info.completion_price
            + (info.request_price or 0.0)
        )
        billed = fresh["cost_source"].isin(["reported", "generation"])
        use = (listed != 0) & billed & fresh["cost_usd"].notna()
        acc.cost_actual += float(fresh.loc[use, "cost_usd"].sum())
        acc.cost_listed += float(listed[use].sum())


def _observation(
    model: str, acc: _Acc, fingerprints: Mapping[str, str], run_id: str, source: str
) -> Observation:
    outputs: dict[str, OutputSample] = {}
    pooled: list[int] = []
    for (pid, cap), values in sorted(acc.lengths.items(), key=lambda kv: len(kv[1])):
        seed = f"{run_id}|{model}|{pid}"
        outputs[fingerprints.get(pid, pid)] = OutputSample(
            sample_of(values, seed), cap, source, run_id
        )
        pooled.extend(values)
    all_caps = {cap for _, cap in acc.lengths}
    pooled_cap = (
        None if None in all_caps or not all_caps else max(c for c in all_caps if c is not None)
    )
    outputs[ANY_PROMPT] = OutputSample(
        sample_of(pooled, f"{run_id}|{model}"), pooled_cap, source, run_id
    )
    return Observation(
        model=model,
        outputs=outputs,
        cost_actual=acc.cost_actual,
        cost_listed=acc.cost_listed,
        ttft_s=acc.ttft_sum / acc.ttft_n if acc.ttft_n else None,
        tokens_per_s=acc.tps_sum / acc.tps_n if acc.tps_n else None,
        rows=acc.rows,
    )


def _prompt_ratios(
    run: RunDir, accs: Mapping[str, _Acc], catalog: Catalog
) -> dict[str, tuple[float, float]]:
    """Per model: billed prompt tokens and the tokenizer-family estimate, over its sample."""
    owner = {pos: model for model, acc in accs.items() for pos in acc.sample}
    out: dict[str, tuple[float, float]] = {}
    for position, text in _messages(run, set(owner)):
        model = owner[position]
        info = catalog.get(model)
        if info is None:
            continue
        actual, estimated = out.get(model, (0.0, 0.0))
        size = measure_messages(json.loads(text))
        out[model] = (
            actual + accs[model].sample[position],
            estimated + family_of(info.tokenizer).prompt_tokens(size),
        )
    return out


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
    accs: dict[str, _Acc] = {}
    caps: dict[str | None, int | None] = {}
    for df in _parts(run):
        fallback = df["is_fallback"].astype("boolean").fillna(False).astype(bool)
        answered = df[df["status"].eq("ok") & ~fallback]
        for model, rows in answered.groupby("model", sort=False):
            name = str(model)
            acc = accs.setdefault(name, _Acc())
            _learn_rows(acc, rows, catalog.get(name), caps)
    ratios = _prompt_ratios(run, accs, catalog)
    observations = []
    for model, acc in accs.items():
        obs = _observation(model, acc, fingerprints, run.run_id, source)
        if model in ratios:
            actual, estimated = ratios[model]
            obs = replace(obs, prompt_actual=actual, prompt_estimated=estimated)
        observations.append(obs)
    return observations + _judge_observations(run, source)


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
