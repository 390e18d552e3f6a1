"""The scoring stage: LLM judges and async scorers after the candidates are answered, and
re-scoring a finished run (`rescore`). It never sends a candidate request: outputs come from
the journal, dataset items from the run's `dataset.parquet`.

Two modes:
- added (after a run or a resume): judges and async scorers score the tasks that have no
  row of theirs yet — or a "not judged" one (the judge failed, the budget or a quota
  stopped it); every other row stays. Written batch by batch, so finished verdicts survive
  a crash.
- fresh (a re-score): every scorer given runs on every answered task, and the new score
  lists replace the old ones in one transaction at the end (a re-score that dies half-way
  changes nothing; its judge replies are in the response cache for the next try).

Pairwise judges compare each task with the baseline model's task on the same item, prompt,
params and repeat; the baseline's own tasks get no pairwise row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import anyio
import pyarrow.parquet as pq

from orkit.batch._embed_calls import (
    EmbedCaller,
    add_rows_cost,
    embedding_cost_columns,
    score_by_embedding,
)
from orkit.batch._judge_calls import JudgeCaller, JudgeReply
from orkit.errors import ConfigError, ScorerError
from orkit.results import Journal, ResultRow, RunDir, ScoreRow
from orkit.scorers import (
    EmbeddingScorer,
    Judge,
    JudgeCase,
    Score,
    Scorer,
    question_text,
    score_answer,
)

__all__ = ["ScoringJob", "StageTotals", "baseline_of", "score_run"]

_BATCH = 200
"""Tasks per journal write (and per read)."""

PairKey = tuple[Any, Any, Any, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoringJob:
    inline: Sequence[Scorer] = ()
    """Sync scorers to recompute (a re-score; after a run the engine already ran them)."""
    deferred: Sequence[Any] = ()
    """Judges and async scorers."""
    models: Sequence[str] = ()
    """The run's models in order (a pairwise judge's default baseline is the first)."""
    fresh: bool = False
    """A re-score: recompute everything given, replace atomically at the end."""
    keep: bool = False
    """With `fresh`: keep the rows of scorers that are not recomputed."""
    concurrency: int = 16


@dataclass(slots=True)
class StageTotals:
    tasks: int = 0
    """Answered tasks looked at."""
    judge_requests: int = 0
    """Judge requests sent."""
    judge_cached: int = 0
    """Judge replies answered from the response cache (free, nothing sent)."""
    judge_cost_usd: float = 0.0
    """Known cost of the judge requests sent."""
    judge_cost_unknown: int = 0
    not_judged: int = 0
    """Rows left "not judged" (judge errors, budget, quota): an `orkit resume` retries them."""

    def add(self, replies: Sequence[JudgeReply]) -> None:
        for r in replies:
            self.judge_requests += r.sent
            self.judge_cached += r.cached
            if r.sent and r.cost_usd is None:
                self.judge_cost_unknown += 1
            elif r.sent:
                self.judge_cost_usd += r.cost_usd or 0.0


def baseline_of(judge: Judge, models: Sequence[str]) -> str:
    """The model a pairwise judge compares with: its `baseline`, else the first model."""
    baseline = judge.baseline or (models[0] if models else None)
    if baseline is None or baseline not in models:
        raise ConfigError(
            f"scorer {judge.name}: baseline {baseline!r} is not one of the run's models"
        )
    if len(models) < 2:
        raise ConfigError(f"scorer {judge.name}: a pairwise judge needs at least two models")
    return baseline


@dataclass(slots=True, kw_only=True)
class _Stage:
    job: ScoringJob
    journal: Journal
    caller: JudgeCaller | None
    embedder: EmbedCaller | None
    items: Mapping[str, Mapping[str, Any]]
    baselines: dict[str, str]
    """Pairwise judge name → baseline model."""
    baseline_outputs: dict[str, dict[PairKey, str | None]]
    names: frozenset[str]
    totals: StageTotals = field(default_factory=StageTotals)
    pending: list[tuple[str, list[ScoreRow]]] = field(default_factory=list)
    progress: Callable[[int], None] | None = None

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.journal.set_scores(batch, staged=self.job.fresh)


async def score_run(
    run: RunDir,
    journal: Journal,
    job: ScoringJob,
    *,
    caller: JudgeCaller | None = None,
    progress: Callable[[int], None] | None = None,
    embedder: EmbedCaller | None = None,
) -> StageTotals:
    """Run `job` over the run's answered tasks (see the module docstring)."""
    judges = [s for s in job.deferred if isinstance(s, Judge)]
    if judges and caller is None:
        raise ConfigError("LLM judges need an endpoint to send their requests to")
    if embedder is None and any(isinstance(s, EmbeddingScorer) for s in job.deferred):
        raise ConfigError("embedding scorers need an endpoint to send their requests to")
    baselines = {j.name: baseline_of(j, job.models) for j in judges if j.is_pairwise}
    stage = _Stage(
        job=job,
        journal=journal,
        caller=caller,
        embedder=embedder,
        items=_items(run),
        baselines=baselines,
        baseline_outputs=_baseline_outputs(journal, set(baselines.values())),
        names=frozenset(s.name for s in [*job.inline, *job.deferred]),
        progress=progress,
    )
    keys = sorted(journal.keys(status="ok"))
    source = _outcomes(journal, keys)
    if job.fresh:
        journal.finish_staged_scores(apply=False)  # nothing left over from a failed attempt
    try:
        async with anyio.create_task_group() as tg:
            for _ in range(max(1, min(job.concurrency, len(keys)))):
                tg.start_soon(_worker, source, stage)
    except BaseExceptionGroup as group:
        # Several workers may hit the same broken scorer: report it once, as itself.
        first = _first_error(group)
        if first is not None:
            raise first from None
        raise
    finally:
        stage.flush()  # what was scored so far (also on Ctrl-C)
    if job.fresh:
        journal.finish_staged_scores(apply=True)
    return stage.totals


def _first_error(group: BaseExceptionGroup) -> Exception | None:
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            found = _first_error(exc)
            if found is not None:
                return found
        elif isinstance(exc, Exception):
            return exc
    return None


def _outcomes(journal: Journal, keys: list[str]) -> Iterator[tuple[ResultRow, list[ScoreRow]]]:
    for i in range(0, len(keys), _BATCH):
        yield from journal.outcomes(keys[i : i + _BATCH])


def _items(run: RunDir) -> dict[str, dict[str, Any]]:
    """Dataset items by item_id, from the run's own copy (the original may have moved)."""
    if not run.dataset_path.is_file():
        return {}
    items = {}
    for row in pq.read_table(run.dataset_path).to_pylist():
        item_id = str(row.pop("item_id"))
        row.pop("item_index", None)
        items[item_id] = row
    return items


def _pair_key(result: Mapping[str, Any]) -> PairKey:
    return (result["item_id"], result["prompt_id"], result["params_json"], result["repeat"])


def _baseline_outputs(journal: Journal, models: set[str]) -> dict[str, dict[PairKey, str | None]]:
    """Outputs of the baseline models' own answers (not a fallback's), by pair key."""
    out: dict[str, dict[PairKey, str | None]] = {m: {} for m in models}
    if not models:
        return out
    for result in journal.results():
        model = result["model"]
        if model in out and result["status"] == "ok" and not result.get("is_fallback"):
            out[model][_pair_key(result)] = result.get("output_text")
    return out


async def _worker(source: Iterator[tuple[ResultRow, list[ScoreRow]]], stage: _Stage) -> None:
    # Workers share one generator; `next()` never awaits, so they cannot collide.
    for result, existing in source:
        rows = await _score_task(result, existing, stage)
        stage.pending.append((result["task_key"], rows))
        stage.totals.tasks += 1
        if stage.progress is not None:
            stage.progress(1)
        if len(stage.pending) >= _BATCH:
            stage.flush()


def _redo(row: ScoreRow) -> bool:
    """A row a later pass should try again: nothing was judged."""
    return row.get("score") is None and str(row.get("detail") or "").startswith("not judged")


async def _score_task(result: ResultRow, existing: list[ScoreRow], stage: _Stage) -> list[ScoreRow]:
    job = stage.job
    fields = stage.items.get(str(result["item_id"]), {})
    output = result.get("output_text")
    if job.fresh:
        rows = [r for r in existing if r.get("scorer") not in stage.names] if job.keep else []
        for scorer in job.inline:
            rows.extend(_row(result, scorer.name, _call(scorer, result, fields)))
        todo = list(job.deferred)
    else:
        deferred_names = {s.name for s in job.deferred}
        rows = [r for r in existing if not (r.get("scorer") in deferred_names and _redo(r))]
        done = {r.get("scorer") for r in rows}
        todo = [s for s in job.deferred if s.name not in done]
    for scorer in todo:
        if isinstance(scorer, EmbeddingScorer):
            rows.extend(await _embedding(scorer, result, fields, stage))
        elif isinstance(scorer, Judge):
            rows.extend(await _judge(scorer, result, fields, stage))
        else:
            try:
                score = await scorer.score(output, fields)
            except Exception as exc:
                raise _failed(scorer.name, exc) from exc
            rows.extend(_row(result, scorer.name, score))
    return rows


def _call(scorer: Scorer, result: ResultRow, fields: Mapping[str, Any]) -> Score | None:
    try:
        return score_answer(scorer, result, fields)
    except Exception as exc:
        raise _failed(scorer.name, exc) from exc


def _failed(name: str, exc: Exception) -> ScorerError:
    """A scorer object that raises stops the stage (scores stay as they were); functions
    wrapped by `orkit.scorers.python` turn their exceptions into null scores instead."""
    return ScorerError(f"scorer {name!r} raised {type(exc).__name__}: {exc}", scorer=name)


def _row(result: ResultRow, name: str, score: Score | None) -> list[ScoreRow]:
    if score is None:
        return []
    return [
        {
            "run_id": result["run_id"],
            "task_key": result["task_key"],
            "item_id": result["item_id"],
            "model": result["model"],
            "scorer": name,
            "score": score.value,
            "passed": score.passed,
            "expected": score.expected,
            "detail": score.detail,
        }
    ]


async def _judge(
    judge: Judge, result: ResultRow, fields: Mapping[str, Any], stage: _Stage
) -> list[ScoreRow]:
    case = JudgeCase(question_text(result.get("messages_json")), result.get("output_text"), fields)
    if judge.is_pairwise:
        baseline = stage.baselines[judge.name]
        outputs = stage.baseline_outputs[baseline]
        key = _pair_key(result)
        if result["model"] == baseline or key not in outputs:
            return []  # the baseline itself, or an item the baseline did not answer
        case = replace(case, baseline_output=outputs[key] or "", baseline_model=baseline)
    try:
        requests = judge.requests(case)
    except ScorerError as exc:
        return _with_cost(_row(result, judge.name, Score(None, detail=exc.message)), judge, [])
    if requests is None:
        return []
    assert stage.caller is not None
    replies = [await stage.caller.call(request) for request in requests]
    stage.totals.add(replies)
    score = judge.verdict(case, [r.text for r in replies])
    failed = [r.error for r in replies if r.text is None]
    if score.value is None and failed:
        score = replace(score, detail=f"not judged: {failed[0]}")
        stage.totals.not_judged += 1
    return _with_cost(_row(result, judge.name, score), judge, replies)


async def _embedding(
    scorer: EmbeddingScorer, result: ResultRow, fields: Mapping[str, Any], stage: _Stage
) -> list[ScoreRow]:
    assert stage.embedder is not None
    score, reply = await score_by_embedding(
        scorer, result.get("output_text"), fields, stage.embedder
    )
    if reply is not None:
        totals = stage.totals
        totals.judge_requests += reply.requests
        totals.judge_cached += reply.cached
        if reply.requests and reply.cost_usd is None:
            totals.judge_cost_unknown += 1
        else:
            totals.judge_cost_usd += reply.cost_usd or 0.0
        totals.not_judged += reply.vectors is None
    columns = embedding_cost_columns(scorer.embedding_model, reply)
    return add_rows_cost(_row(result, scorer.name, score), columns)


def _with_cost(rows: list[ScoreRow], judge: Judge, replies: Sequence[JudgeReply]) -> list[ScoreRow]:
    """The judge's own cost line on its score row."""
    answered = [r for r in replies if r.sent or r.cached]
    unknown = any(r.sent and r.cost_usd is None for r in replies)
    source: str | None
    if unknown:
        source = "unknown"
    elif answered and all(r.cached for r in answered):
        source = "cached"
    else:
        source = "reported" if answered else None
    for row in rows:
        row.update(
            {
                "judge_model": judge.judge_model,
                "judge_calls": sum(r.sent for r in replies),
                "judge_prompt_tokens": _sum(r.prompt_tokens for r in answered),
                "judge_completion_tokens": _sum(r.completion_tokens for r in answered),
                "judge_cost_usd": None if unknown else sum(r.cost_usd or 0.0 for r in replies),
                "judge_cost_source": source,
            }
        )
    return rows


def _sum(values: Any) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None
