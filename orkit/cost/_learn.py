"""Learn from a run: per model, how long its answers were (per prompt, and per length cue of
the request: `orkit.cost.answer_length_cue`, so that a different template and dataset can be
priced from them), how its billed
prompt tokens compare with the tokenizer-family estimate, how its bill compares with the
listed price, and how fast it answered. Written to the calibration file that every later
estimate reads (`orkit.cost.Calibration`).

`Lessons` folds rows in one at a time as the sink records them (a few microseconds a row,
spread over the run, where the event loop mostly waits on the network), so a finished run
only turns its sums into observations. Reading the rows back from the part files at the end
cost 0.1-0.3 s on a 5,000-row run, after the last answer. A resume or retry, whose rows are
partly an earlier execution's, is folded from the journal in the pass that recounts its
totals. At most a sample of rows per model keeps its messages, so memory stays flat. Rows
answered by a fallback model, cache hits and insured rows (nothing billed) do not teach
prices or lengths.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow.parquet as pq

from orkit._concurrency import in_flight
from orkit._settings import load_settings
from orkit.catalog import Catalog, ModelInfo
from orkit.cost._calibration import (
    ANY_PROMPT,
    SERVICE_SUMS,
    Calibration,
    Observation,
    OutputSample,
    sample_of,
)
from orkit.cost._cues import answer_length_cue, cue_key
from orkit.cost._media import count_media, image_weight, media_tokens
from orkit.cost._tokens import family_of, measure_messages
from orkit.results import Manifest, ResultRow, RunDir
from orkit.types import output_cap

__all__ = ["Lessons", "learn_from_run"]

_PROMPT_SAMPLE = 256  # rows per model whose messages are measured for the prompt ratio
_BILLED = frozenset({"reported", "generation"})
_CAPACITY_ROWS = 8  # answers before the rate they came at says anything
_SERVER_BOUND = 0.75  # below this share of the run's concurrency, the server was the limit


@dataclass(slots=True)
class _Acc:
    """What one model's rows taught so far. Sums only, no prices: the listed cost of the
    billed rows is linear in their tokens, so it is priced once, at the end (the catalog
    is not needed, nor loaded, while answers arrive)."""

    lengths: dict[tuple[str, int | None, str], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    """Completion tokens per (prompt id, `max_tokens`, length cue)."""
    sample: list[tuple[float, str]] = field(default_factory=list)
    """(billed prompt tokens, messages_json) of the first rows whose prompts get measured."""
    ttft_sum: float = 0.0
    ttft_n: int = 0
    tps_sum: float = 0.0
    tps_n: int = 0
    billed_cost: float = 0.0
    """What the billed rows with tokens cost..."""
    billed_prompt: float = 0.0
    billed_completion: float = 0.0
    billed_rows: int = 0
    """...their tokens, and how many they were."""
    billed_cached: float = 0.0
    billed_written: float = 0.0
    """Of their prompt tokens, those read from the provider's cache and those written to it:
    the listed cost they are compared with prices them as the bill did (see
    `billed_and_listed`)."""
    cache_ttl: str = "5m"
    """The run's `cache_ttl`: which write price its writes were billed at."""
    tokenless_cost: float = 0.0
    tokenless_rows: int = 0
    """Billed rows without tokens (listed at the per-request price only)."""
    service_sum: float = 0.0
    service_n: int = 0
    service_fit: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SERVICE_SUMS, 0.0))
    """Sums of output tokens and seconds behind the time-per-request fit (`SERVICE_SUMS`)."""
    first_start: float = math.inf
    last_finish: float = -math.inf
    """The span of the answers (µs): their service seconds over it is how many were out at
    once on average."""
    reasoning: float = 0.0
    reasoning_completion: float = 0.0
    """Reasoning tokens, and the completion tokens of the rows that said how many."""
    rows: int = 0

    def _listed_prompt(self, info: ModelInfo) -> float:
        prompt = info.prompt_price or 0.0
        read = info.cache_read_price if info.cache_read_price is not None else prompt
        write = info.cache_write_price
        if self.cache_ttl == "1h":
            write = _number(info.pricing.get("input_cache_write_1h")) or write
        cached = min(self.billed_cached, self.billed_prompt)
        written = min(self.billed_written, self.billed_prompt - cached) if write is not None else 0
        plain = self.billed_prompt - cached - written
        return plain * prompt + cached * read + written * (write or 0.0)

    def capacity(self, concurrency: object) -> float | None:
        """Requests served at once on average, when fewer than the run allowed (the server
        was the limit); None when the run's concurrency was (a lower bound says little)."""
        span_s = (self.last_finish - self.first_start) / 1e6
        if self.service_n < _CAPACITY_ROWS or span_s <= 0:
            return None
        busy = self.service_sum / span_s
        if isinstance(concurrency, int | float) and busy >= _SERVER_BOUND * concurrency:
            return None
        return busy

    def billed_and_listed(self, info: ModelInfo) -> tuple[float, float]:
        """(billed cost, cost at listed prices) over the rows the listed price is not 0.

        Prompt caching is compared like with like: the listed cost prices the tokens the
        rows read from the cache and wrote to it at the listed cache prices, as the bill did
        (the write price of the run's `cache_ttl`). So the ratio learnt is the providers'
        price level alone, and an estimate that prices its own cache reads and writes does
        not count the discount twice (learning the uncached-equivalent would need each
        row's savings, which an older row or an unpriced endpoint does not have)."""
        if info.prompt_price is None or info.completion_price is None:
            return 0.0, 0.0
        per_request = info.request_price or 0.0
        actual, listed = 0.0, 0.0
        if self.billed_rows:
            actual += self.billed_cost
            listed += (
                self._listed_prompt(info)
                + self.billed_completion * info.completion_price
                + self.billed_rows * per_request
            )
        if per_request and self.tokenless_rows:
            actual += self.tokenless_cost
            listed += self.tokenless_rows * per_request
        return actual, listed


def _number(value: Any) -> float | None:
    """A row's numeric cell, None for missing or NaN."""
    if value is None or value != value:
        return None
    return float(value)


def _cap(params_json: str | None) -> int | None:
    try:
        params = json.loads(params_json or "{}")
    except ValueError:
        return None
    return output_cap(params) if isinstance(params, dict) else None


class Lessons:
    """What a run's rows teach about each requested model, folded in one row at a time."""

    def __init__(self) -> None:
        self._accs: dict[str, _Acc] = {}
        self._caps: dict[str | None, int | None] = {}

    def add(self, row: ResultRow) -> None:
        """Fold one result row in (anything but an answer of the requested model is
        ignored)."""
        if row.get("status") != "ok" or row.get("is_fallback"):
            return
        model = str(row["model"])
        acc = self._accs.get(model)
        if acc is None:
            acc = self._accs[model] = _Acc()
        acc.rows += 1
        completion = _number(row.get("completion_tokens"))
        finish = row.get("finish_reason")
        if completion is None or finish == "error" or (completion == 0 and finish is None):
            return  # insured or unmetered: nothing was billed, nothing to learn
        params_json = row.get("params_json")
        cap = self._caps.get(params_json, -1)
        if cap == -1:
            cap = self._caps[params_json] = _cap(params_json)
        cue = answer_length_cue(str(row.get("messages_json") or ""))
        acc.lengths[(row.get("prompt_id") or "", cap, cue)].append(int(completion))
        reasoning = _number(row.get("reasoning_tokens"))
        if reasoning is not None:  # its share of the answers (`reasoning_share`)
            acc.reasoning += reasoning
            acc.reasoning_completion += completion
        source = row.get("cost_source")
        if source == "cached":
            return  # a cache hit says nothing about this answer's speed or bill
        ttft = _number(row.get("ttft_s"))
        if ttft is not None:
            acc.ttft_sum += ttft
            acc.ttft_n += 1
        tps = _number(row.get("output_tokens_per_s"))
        if tps:
            acc.tps_sum += tps
            acc.tps_n += 1
        _add_timing(acc, row, completion)
        prompt = _number(row.get("prompt_tokens")) or 0.0
        messages = row.get("messages_json")
        if prompt and messages and len(acc.sample) < _PROMPT_SAMPLE:
            acc.sample.append((prompt, messages))
        cost = _number(row.get("cost_usd"))
        if row.get("is_byok"):
            # BYOK: cost_usd is OpenRouter's fee only; the price the catalog lists (what
            # calibration compares against) is what the provider billed
            cost = _number(row.get("upstream_cost_usd"))
        if source not in _BILLED or cost is None:
            return
        if prompt or completion:
            acc.billed_cost += cost
            acc.billed_prompt += prompt
            acc.billed_completion += completion
            acc.billed_rows += 1
            acc.billed_cached += _number(row.get("cached_tokens")) or 0.0
            acc.billed_written += _number(row.get("cache_write_tokens")) or 0.0
        else:
            acc.tokenless_cost += cost
            acc.tokenless_rows += 1

    def observations(self, manifest: Manifest, run: RunDir) -> list[Observation]:
        """The observations so far: one per requested model, then one per judge model (read
        from the scores table, when the run had LLM judges)."""
        catalog = Catalog.bundled()
        fingerprints: Mapping[str, str] = manifest.prompt_fingerprints or {}
        source = "pilot" if str(manifest.name or "").endswith("-pilot") else "calibration"
        out = []
        concurrency = _model_cap(manifest.spec)  # the run's, the same for every model
        ttl = manifest.spec.get("cache_ttl")
        for model, acc in self._accs.items():
            info = catalog.get(model)
            acc.cache_ttl = ttl if isinstance(ttl, str) else "5m"  # the price of its writes
            obs = _observation(model, acc, info, fingerprints, run.run_id, source, concurrency)
            ratio = _prompt_ratio(acc, info)
            if ratio is not None:
                obs = replace(obs, prompt_actual=ratio[0], prompt_estimated=ratio[1])
            out.append(obs)
        if manifest.judges:
            out.extend(_judge_observations(run, source))
        return out


def _micros(value: Any) -> float | None:
    """A row's timestamp in µs: journal rows hold µs, rows read from Parquet timestamps."""
    if hasattr(value, "timestamp"):
        return float(value.timestamp()) * 1e6
    return _number(value)


def _add_timing(acc: _Acc, row: ResultRow, completion: float) -> None:
    service = _number(row.get("service_s"))
    started, finished = _micros(row.get("started_at")), _micros(row.get("finished_at"))
    if service is None or started is None or finished is None:
        return
    acc.service_sum += service
    acc.service_n += 1
    fit = acc.service_fit
    fit["service_n"] += 1
    fit["service_x"] += completion
    fit["service_y"] += service
    fit["service_xx"] += completion * completion
    fit["service_xy"] += completion * service
    acc.first_start = min(acc.first_start, started)
    acc.last_finish = max(acc.last_finish, finished)


def _model_cap(spec: Mapping[str, Any]) -> object:
    """The most requests the run let one model have in flight (`orkit._concurrency`'s rule
    over the spec's `concurrency` and `per_model_concurrency`)."""
    total, per_model = spec.get("concurrency"), spec.get("per_model_concurrency")
    if not isinstance(total, int):
        return total
    return in_flight(total, per_model if isinstance(per_model, int) else None).per_model


def _observation(
    model: str,
    acc: _Acc,
    info: ModelInfo | None,
    fingerprints: Mapping[str, str],
    run_id: str,
    source: str,
    concurrency: object = None,
) -> Observation:
    # The same answers pooled four ways: per prompt (under the cap most of its answers had,
    # as before cues), per prompt and length cue, per cue over every prompt, and all.
    per_prompt: dict[str, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    pooled: dict[str, dict[int | None, list[int]]] = defaultdict(lambda: defaultdict(list))
    for (pid, cap, cue), values in acc.lengths.items():
        fingerprint = fingerprints.get(pid, pid)
        per_prompt[fingerprint][cap].extend(values)
        for key in (cue_key(cue, fingerprint), cue_key(cue), ANY_PROMPT):
            pooled[key][cap].extend(values)
    outputs: dict[str, OutputSample] = {}
    for fingerprint, by_cap in per_prompt.items():
        cap, values = max(by_cap.items(), key=lambda kv: len(kv[1]))
        seed = f"{run_id}|{model}|{fingerprint}"
        outputs[fingerprint] = OutputSample(sample_of(values, seed), cap, source, run_id)
    for key, by_cap in pooled.items():
        values = [v for vs in by_cap.values() for v in vs]
        seed = f"{run_id}|{model}" if key == ANY_PROMPT else f"{run_id}|{model}|{key}"
        outputs[key] = OutputSample(
            sample_of(values, seed), _pooled_cap(set(by_cap)), source, run_id
        )
    cost_actual, cost_listed = (0.0, 0.0) if info is None else acc.billed_and_listed(info)
    return Observation(
        model=model,
        outputs=outputs,
        cost_actual=cost_actual,
        cost_listed=cost_listed,
        ttft_s=acc.ttft_sum / acc.ttft_n if acc.ttft_n else None,
        tokens_per_s=acc.tps_sum / acc.tps_n if acc.tps_n else None,
        service_s=acc.service_sum / acc.service_n if acc.service_n else None,
        service_sums=dict(acc.service_fit) if acc.service_n else {},
        capacity=acc.capacity(concurrency),
        reasoning_tokens=acc.reasoning,
        reasoning_completion=acc.reasoning_completion,
        rows=acc.rows,
    )


def _pooled_cap(caps: set[int | None]) -> int | None:
    """The cap of answers seen under several: None if any was uncapped, else the largest
    (a length at a smaller cap was cut there, which the band allows for as a floor)."""
    if None in caps or not caps:
        return None
    return max(c for c in caps if c is not None)


def _prompt_ratio(acc: _Acc, info: ModelInfo | None) -> tuple[float, float] | None:
    """Billed prompt tokens and the tokenizer-family estimate, over the model's sample."""
    if info is None or not acc.sample:
        return None
    family = family_of(info.tokenizer)
    weight = image_weight(info.pricing, info.prompt_price)
    actual = estimated = 0.0
    for billed, text in acc.sample:
        actual += billed
        messages = json.loads(text)
        # images and pages are in the billed count: in the estimate too, so the ratio
        # corrects their priors along with the text's
        estimated += family.prompt_tokens(measure_messages(messages))
        estimated += media_tokens(*count_media(messages), weight)
    return actual, estimated


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


def learn_from_run(
    lessons: Lessons,
    run: RunDir,
    manifest: Manifest,
    endpoint_key: str,
    per_model: Mapping[str, tuple[str, str]] | None = None,
) -> int:
    """Blend the run's lessons into the calibration file; returns how many models were
    learnt. `per_model`: {name: (endpoint key, model id)} of the models a run named
    otherwise or sent elsewhere (model entries with their own endpoints): what one server
    taught is kept for it, under the id it serves."""
    observations = lessons.observations(manifest, run)
    if not observations:
        return 0
    calibration = Calibration.load(load_settings().cache_dir)
    for obs in observations:
        key, model = (per_model or {}).get(obs.model, (endpoint_key, obs.model))
        calibration.update(key, obs if model == obs.model else replace(obs, model=model))
    calibration.save()
    return len(observations)
