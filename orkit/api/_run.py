"""`Run`: a finished (or interrupted) run directory, read back as tables and reports."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from orkit._portal import run_sync
from orkit.api._cards import run_card
from orkit.api._rescore import rescore_async
from orkit.estimate import judge_cost_table, with_judge_cost_rows
from orkit.report import Redaction, ReportFrame, ReportOptions, render_report, write_report
from orkit.results import (
    Manifest,
    RunDir,
    duckdb_views,
    polars_frame,
    read_results,
    read_scores,
    read_summary_rows,
    shown_status,
    typed_pandas,
    wide_table,
)
from orkit.stats import (
    PairOptions,
    RunSummary,
    SummaryOptions,
    compare,
    grouping_columns,
    summarize_run,
)
from orkit.types import Secret

__all__ = ["Run", "open_run"]


class Run:
    """A run directory. Every method reads from disk, so it also works on runs made elsewhere."""

    def __init__(self, path: str | os.PathLike[str] | RunDir) -> None:
        self.dir = path if isinstance(path, RunDir) else RunDir.open(path)

    @property
    def path(self) -> Path:
        return self.dir.path

    @property
    def run_id(self) -> str:
        return self.dir.run_id

    @property
    def manifest(self) -> Manifest:
        """The run's manifest, typed (`manifest["totals"]` reads its JSON form too)."""
        return self.dir.read_manifest()

    @property
    def status(self) -> str:
        """The manifest's status; `interrupted` for a run that says `running` while no
        process works on it (killed: `orkit resume` finishes it)."""
        return shown_status(self.path, self.manifest.status)

    def top_errors(self, n: int = 3) -> list[dict[str, Any]]:
        """The `n` most common errors of the run, most frequent first: `error_type`,
        `message` and `count` (from the manifest's totals; counted from the rows for more
        than three, or for a run that never finished)."""
        stored = self.manifest.top_errors
        if stored is not None and n <= 3:  # the manifest keeps the first three
            return list(stored)[:n]
        errors = self.to_arrow().to_pandas()
        errors = errors[errors["status"] == "error"]
        counts = errors.groupby(["error_type", "error_message"], dropna=False).size()
        top = counts.sort_values(ascending=False, kind="stable").head(n)
        return [
            {"error_type": kind, "message": message, "count": int(count)}
            for (kind, message), count in zip(top.index.tolist(), top.tolist(), strict=True)
        ]

    def to_arrow(self) -> pa.Table:
        """One row per task (the results table)."""
        return read_results(self.dir)

    def to_pandas(self, *, with_scores: bool = False, with_dataset: bool = False) -> pd.DataFrame:
        """The results, one row per task, as a DataFrame: `with_scores=True` adds each
        scorer's `score_<scorer>` and `passed_<scorer>`, `with_dataset=True` the dataset's
        columns by item id (prefixed `data_` when a name is taken). Model, prompt, status,
        provider, error type... are categoricals; token counts and other integers are
        nullable (`Int64`): unknown is `<NA>` (NaN for floats), never 0."""
        return typed_pandas(self._wide(with_scores, with_dataset))

    def to_polars(self, *, with_scores: bool = False, with_dataset: bool = False) -> Any:
        """`to_pandas`'s table as a Polars DataFrame (needs `pip install polars`)."""
        return polars_frame(self._wide(with_scores, with_dataset))

    def to_duckdb(self) -> Any:
        """A DuckDB connection (in memory; needs `pip install duckdb`) with the views
        `results`, `scores`, `attempts` and `dataset` over the run's Parquet files, e.g.
        `run.to_duckdb().sql("select model, avg(cost_usd) from results group by 1")`."""
        return duckdb_views(self.dir)

    def _wide(self, with_scores: bool, with_dataset: bool) -> pa.Table:
        return wide_table(
            self.to_arrow(), self.dir, with_scores=with_scores, with_dataset=with_dataset
        )

    def scores(self) -> pd.DataFrame:
        """One row per (task, scorer)."""
        scores: pd.DataFrame = read_scores(self.dir).to_pandas()
        return scores

    def summary(self, by: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Per contestant (model × prompt × params variant, labelled like
        `openai/gpt-4o-mini · terse · temperature=0.7`; a bare model id when the sweep had
        one prompt and one parameter set), in the sweep's order: rows, errors, tasks
        skipped by the budget or deferred by a quota, scores with 95% intervals, latency
        percentiles, cost and rates (see `orkit.stats.summarize`). `by` groups another way:
        any of "model", "prompt", "params", "served_provider", "served_model" (one name or
        a list), e.g. `by="served_model"` for what `openrouter/auto` picked."""
        # A few numbers per row, read part by part: never a pandas frame of every row (at
        # 200,000 tasks those frames and their groupbys were most of a run's memory).
        return self._summarized(by)[0]

    def _summarized(self, by: str | Sequence[str] | None) -> tuple[pd.DataFrame, RunSummary]:
        """`summary(by)`, and the summary it is made from (its scores' long table)."""
        rows = read_summary_rows(self.dir, grouping_columns(by))
        options = SummaryOptions.of_sweeps([self.manifest.spec])
        summary = summarize_run(rows, replace(options, by=by))
        return with_judge_cost_rows(summary.table, rows, summary.contestants.codes), summary

    def judge_costs(self) -> pd.DataFrame:
        """The LLM judges' own cost lines, one per judge scorer: judge model, rows, requests
        sent, rows answered from the cache, tokens and cost (apart from the answers' cost)."""
        return judge_cost_table(self.scores())

    def rescore(
        self,
        scorers: Sequence[Any] | None = None,
        *,
        keep: bool = False,
        budget_usd: float | None = None,
        api_key: str | Secret | None = None,
    ) -> Run:
        """Re-score this run from its journal without re-sending a single candidate request:
        with `scorers` (objects, functions or spec tables; default: the run's own), replacing
        its scores (with `keep`, only those of the scorers given). LLM judges go through the
        router and the response cache — an unchanged judge costs nothing and sends nothing;
        `budget_usd` caps what new judge requests may spend. Works in scripts and Jupyter."""
        return run_sync(
            self.rescore_async, scorers, keep=keep, budget_usd=budget_usd, api_key=api_key
        )

    async def rescore_async(
        self,
        scorers: Sequence[Any] | None = None,
        *,
        keep: bool = False,
        budget_usd: float | None = None,
        api_key: str | Secret | None = None,
    ) -> Run:
        """`rescore` on the current event loop (`await run.rescore_async(...)`)."""
        await rescore_async(
            self.path, scorers=scorers, keep=keep, budget_usd=budget_usd, api_key=api_key
        )
        return self

    def compare(
        self,
        scorer: str | None = None,
        *,
        alpha: float = 0.05,
        by: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Every pair of contestants (or of the groups `by` names, as in `summary`) on the
        dataset items both answered, in the sweep's order: paired difference with its
        interval, exact McNemar or paired bootstrap p-value, Holm-corrected (see
        `orkit.stats.compare`)."""
        options = replace(SummaryOptions.of_sweeps([self.manifest.spec]), by=by)
        pairing = PairOptions(alpha=alpha)
        return compare(
            self.to_arrow().to_pandas(),
            self.scores(),
            scorer=scorer,
            options=options,
            pairing=pairing,
        )

    def report(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        title: str | None = None,
        max_items: int = 10_000,
        redact: Redaction | None = None,
        max_text: int = 2_000,
    ) -> Path:
        """Write the one-file HTML report (default `reports/<run_id>.html`) and return its
        path: statistics, charts and every answer (up to `max_items` items, texts cut at
        `max_text` characters; see `orkit.report.ReportOptions`), offline and
        self-contained. A path not ending in .html is refused (`ConfigError`)."""
        out = Path(path) if path is not None else Path("reports") / f"{self.run_id}.html"
        options = ReportOptions(
            title=title, max_items=max_items, redact=redact, max_text_chars=max_text
        )
        return write_report(self.dir, out, options)

    def show(self, *, max_items: int = 1_000, height: int = 760) -> ReportFrame | None:
        """The report, inline in a notebook (in a sandboxed frame: its scripts reach neither
        the notebook nor the network). Fewer items by default than `report` (1,000): the
        page is stored in the notebook. In a notebook it is displayed and None returned (a
        cell ending in `run.show()` would otherwise show, and store, the page twice);
        elsewhere the frame is returned, to display or to call `report` instead."""
        frame = ReportFrame(
            render_report(self.dir, ReportOptions(max_items=max_items)), height=height
        )
        return None if _display(frame) else frame

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, status={self.status!r})"

    def _repr_html_(self) -> str:
        """A card (status, tasks, errors, spend, the top contestants' scores with 95%
        intervals); `summary()` is the whole table."""
        table, summary = self._summarized(None)
        scores = summary.scores
        pass_fail = {  # every score 0 or 1: shown as a percentage, as `orkit compare` does
            str(name)
            for name, rows in scores.groupby("scorer", sort=False)
            if (rows["ci_method"] == "agresti_coull").all()
        }
        return run_card(
            self.run_id, self.status, self.manifest.totals_all, table, pass_fail=pass_fail
        )


def _display(frame: ReportFrame) -> bool:
    """Show `frame` in the running IPython/Jupyter shell, if any (IPython is loaded only
    when a shell runs it, so looking it up costs nothing elsewhere); whether it did."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    if shell is not None and ipython is not None:
        ipython.display.display(frame)
        return True
    return False


def open_run(path: str | os.PathLike[str]) -> Run:
    """Reopen a run directory, e.g. `orkit.open_run("runs/2026-11-28T10-00-00-ab12")`."""
    return Run(path)
