"""`orkit run` on the demo spec writes a run directory that pandas, pyarrow, DuckDB and Polars
read without orkit: one row per task, the documented columns."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as pads
import pytest

from orkit.cli import main
from orkit.results import RESULTS_SCHEMA
from tests.report.page_data import page_data


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> tuple[Path, Path, str]:
    tmp = tmp_path_factory.mktemp("e2e")
    report = tmp / "report.html"
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "run",
                str(repo_root / "datasets/demo/sweep.toml"),
                "--out",
                str(tmp / "runs"),
                "--report",
                str(report),
                "-q",
            ]
        )
    assert code == 0, out.getvalue()
    (run_dir,) = (tmp / "runs").iterdir()
    return run_dir, report, out.getvalue()


@pytest.fixture(scope="module")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def demo_items(repo_root: Path) -> list[dict[str, Any]]:
    return [
        json.loads(x)
        for x in (repo_root / "datasets/demo/items.jsonl").read_text().splitlines()
        if x.strip()
    ]


@pytest.mark.integration
def test_prints_where_the_run_and_report_are(demo_run) -> None:
    run_dir, report, stdout = demo_run
    assert f"run directory: {run_dir}" in stdout
    assert f"report:        {report}" in stdout


def test_pandas_reads_one_row_per_task_with_the_documented_columns(demo_run, repo_root) -> None:
    run_dir, _, _ = demo_run
    df = pd.read_parquet(run_dir / "results")
    manifest = json.loads((run_dir / "manifest.json").read_text())
    n_items = len(demo_items(repo_root))
    assert len(df) == n_items * len(manifest["spec"]["models"]) == manifest["tasks"]
    assert list(df.columns) == RESULTS_SCHEMA.names
    assert df["task_key"].is_unique
    assert set(df["status"]) <= {"ok", "error"}
    ok = df[df["status"] == "ok"]
    assert ok["output_text"].notna().all()
    assert ok["served_provider"].notna().all()
    # the demo repeats two questions: each is sent once per model, then answered by the cache
    cached = ok[ok["cost_source"] == "cached"]
    assert (cached["cost_usd"] == 0).all()
    sent = ok[ok["cost_source"] != "cached"]
    assert not sent.duplicated(["model", "messages_json"]).any()
    assert len(cached) == ok.duplicated(["model", "messages_json"]).sum() > 0
    paid = sent[~sent["model"].str.endswith(":free")]
    assert (paid["cost_usd"] > 0).all()
    assert (sent["cost_source"] == "reported").all()
    errors = df[df["status"] == "error"]
    assert errors["cost_usd"].isna().all()  # unknown, never 0
    assert manifest["status"] == "completed"
    assert manifest["totals"]["all"]["tasks"] == len(df)


def test_pyarrow_duckdb_and_polars_read_it_too(demo_run) -> None:
    run_dir, _, _ = demo_run
    t = pads.dataset(run_dir / "results", format="parquet").to_table()
    duckdb = pytest.importorskip("duckdb")
    polars = pytest.importorskip("polars")
    glob = str(run_dir / "results" / "*.parquet")
    ((count,),) = duckdb.sql(f"select count(*) from read_parquet('{glob}')").fetchall()
    assert count == t.num_rows
    data = run_dir / "dataset.parquet"
    joined = duckdb.sql(
        f"select count(*) from read_parquet('{glob}') r "
        f"join read_parquet('{data}') d using (item_id)"
    ).fetchall()[0][0]
    assert joined == t.num_rows
    assert polars.read_parquet(glob).height == t.num_rows
    scores = pd.read_parquet(run_dir / "scores")
    assert {"exact", "numeric"} <= set(scores["scorer"])


def test_quality_differs_by_model_and_report_shows_it(demo_run) -> None:
    run_dir, report, _ = demo_run
    scores = pd.read_parquet(run_dir / "scores")
    by_model = scores[scores["scorer"] == "exact"].groupby("model")["score"].mean()
    assert by_model.max() > by_model.min()
    html = report.read_text()
    assert not re.search(r"<script\b[^>]*\bsrc=", html)  # its scripts are inline, none fetched
    board = {c["model"]: c["scores"][0] for c in page_data(html)["contestants"]}
    assert page_data(html)["scorers"][0]["name"] == "exact"
    assert set(board) == set(by_model.index)
    for model, mean in by_model.items():
        assert board[model]["mean"] == pytest.approx(mean, abs=1e-4), model


def test_no_api_key_in_any_file(demo_run) -> None:
    from orkit.sim import SIM_API_KEY

    run_dir, report, _ = demo_run
    for path in [*run_dir.rglob("*"), report]:
        if path.is_file():
            assert SIM_API_KEY.encode() not in path.read_bytes(), path
