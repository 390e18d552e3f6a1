"""The report and the summary read a run's tables part by part, only the columns they need,
and fetch the examples' text for the shown rows alone: on a run split into many part files
they must say exactly what they say computed in one go (the rows in one part), and the
summary exactly what `summarize` says over every column of every row."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orkit import Run, Sweep
from orkit.report import ReportOptions, render_report
from orkit.results import RunDir
from orkit.stats import SummaryOptions, summarize
from tests.report.page_data import page_data


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of 40 items × 3 models × 2 prompts with errors and an exact scorer."""
    tmp = tmp_path_factory.mktemp("batches")
    sweep = Sweep(
        dataset=[{"id": f"q{i:02d}", "q": f"What is {i} + 2?", "a": str(i + 2)} for i in range(40)],
        models=["openai/gpt-4o-mini", "deepseek/deepseek-v3.2", "anthropic/claude-haiku-4.5"],
        prompts={"terse": {"template": "{{ q }}"}, "polite": {"template": "Please: {{ q }}"}},
        params={"max_tokens": 8, "temperature": 0},
        scorers=[{"kind": "exact", "expected": "a"}],
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 5, "faults": {"status": {"400": 0.15}}},
        out=str(tmp / "runs"),
    )
    return sweep.run(progress=False).path


def _repacked(run: Path, into: Path, rows_per_part: int | None) -> RunDir:
    """A copy of `run` (same directory name) whose results and scores hold the same rows in
    the same order, in parts of `rows_per_part` rows (None: one part)."""
    copy = into / run.name
    shutil.copytree(run, copy)
    for table in ("results", "scores"):
        parts = sorted((copy / table).glob("part-*.parquet"))
        whole = pa.concat_tables([pq.read_table(p) for p in parts])
        for p in parts:
            p.unlink()
        size = rows_per_part or max(whole.num_rows, 1)
        for i, start in enumerate(range(0, whole.num_rows, size)):
            chunk = whole.slice(start, size)
            pq.write_table(chunk, copy / table / f"part-{i:05d}.parquet")
    return RunDir.open(copy)


def test_a_run_in_many_parts_reports_as_it_does_in_one(finished: Path, tmp_path: Path) -> None:
    one = _repacked(finished, tmp_path / "one", None)
    many = _repacked(finished, tmp_path / "many", 7)
    assert len(list(many.results_dir.glob("part-*.parquet"))) > 30
    results = Run(one).to_pandas()
    assert (results["status"] == "error").sum() > 0 and (results["status"] == "ok").sum() > 0
    for shown in (100, 5):  # every item; a few, whose rows lie in a few of the parts
        whole = _payload(render_report(one, ReportOptions(max_items=shown)))
        assert _payload(render_report(many, ReportOptions(max_items=shown))) == whole
        items = whole["items"]
        assert items["total"] == 40 and items["shown"] == len(items["id"]) == min(shown, 40)
        # every shown item has its terse messages and each contestant's cell
        assert sum(m is not None for m in items["messages"]["terse"]) == min(shown, 40)
        assert len(items["cells"]) == 6
        assert all(len(cell["text"]) == min(shown, 40) for cell in items["cells"])


def _payload(page: str) -> dict[str, Any]:
    """What the page embeds, but its timestamp (two renders differ only there)."""
    data = page_data(page)
    assert data.pop("generated_at")
    return data


def test_the_summary_equals_summarize_over_every_column(finished: Path, tmp_path: Path) -> None:
    many = Run(_repacked(finished, tmp_path / "many", 11))
    results = many.to_pandas()
    spec = many.manifest["spec"]
    expected = summarize(
        results,
        many.scores(),
        options=SummaryOptions(models=spec["models"], prompts=["terse", "polite"]),
    )
    pd.testing.assert_frame_equal(many.summary(), expected)
    by_model = summarize(
        results,
        many.scores(),
        options=SummaryOptions(by="served_model", models=spec["models"]),
    )
    pd.testing.assert_frame_equal(many.summary(by="served_model"), by_model)
