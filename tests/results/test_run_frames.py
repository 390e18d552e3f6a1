"""`Run.to_pandas(with_scores=True, with_dataset=True)`, `to_polars` and `to_duckdb` on a
real emulator run with failures: one row per task, the scores as columns, the dataset's
columns joined (a clashing name prefixed), categoricals and nullable integers, unknown as
null — never 0 — and a clear message when an optional engine is missing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import orkit
from orkit.api import Run, Sweep

A, B = "openai/gpt-4o-mini", "deepseek/deepseek-v3.2"
ITEMS = 8


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Two models, A failing about half its requests (one attempt each), two scorers, and a
    dataset with columns named like results columns (`model`, `status`)."""
    tmp = tmp_path_factory.mktemp("frames")
    data = tmp / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {"id": f"q{i}", "q": f"{i} + 1?", "a": str(i + 1), "model": "m", "status": i}
            )
            + "\n"
            for i in range(ITEMS)
        )
    )
    sweep = Sweep(
        dataset=str(data),
        prompt="{{ q }}",
        models=[B, A],
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 5, "faults": {"status": {"502": 0.5}, "models": [A]}},
        routing={"max_attempts": 1, "breaker_threshold": 1000},
        scorers=[orkit.scorers.exact("a"), orkit.scorers.contains("a")],
        cache=False,
        out=tmp / "runs",
    )
    return sweep.run(progress=False)


def test_one_wide_pandas_frame(run: Run) -> None:
    df = run.to_pandas(with_scores=True, with_dataset=True)
    plain = run.to_pandas()
    assert len(df) == len(plain) == 2 * ITEMS and df["task_key"].is_unique
    assert list(df["task_key"]) == list(plain["task_key"])  # the run's order, kept
    assert list(df.columns[: len(plain.columns)]) == list(plain.columns)
    for scorer in ("exact", "contains"):
        assert df[f"score_{scorer}"].dtype == "float64"
        assert df[f"passed_{scorer}"].dtype == "boolean"
    # the dataset's columns by item id; names the results have are prefixed
    assert {"q", "a", "data_model", "data_status"} <= set(df.columns)
    assert (df["data_model"] == "m").all()
    assert list(df["data_status"]) == [int(i[1:]) for i in df["item_id"]]
    assert df["status"].isin(["ok", "error"]).all()  # the results' own, not the dataset's

    scores = run.scores()
    exact = scores[scores["scorer"] == "exact"].set_index("task_key")["score"]
    joined = df.set_index("task_key")["score_exact"]
    scored = joined.index.isin(exact.index)
    assert (joined[scored] == exact.reindex(joined.index[scored])).all()
    assert joined[~scored].isna().all()  # a task without a score row: NaN, not 0


def test_dtypes_and_unknown_stays_null(run: Run) -> None:
    df = run.to_pandas(with_scores=True)
    for name in ("model", "status", "served_provider", "error_type", "prompt_id"):
        assert isinstance(df[name].dtype, pd.CategoricalDtype), name
    assert list(df["model"].cat.categories) == sorted([A, B])  # sorts as the text does
    for name in ("prompt_tokens", "completion_tokens", "reasoning_tokens", "cached_tokens"):
        assert df[name].dtype == "Int64", name
    assert df["http_status"].dtype == "Int32" and df["is_fallback"].dtype == "boolean"

    errors, ok = df[df["status"] == "error"], df[df["status"] == "ok"]
    assert len(errors) > 0 and len(ok) > 0
    assert errors["completion_tokens"].isna().all()  # never answered: unknown, not 0
    assert (errors["http_status"] == 502).all()
    assert errors["output_text"].isna().all()
    assert ok["prompt_tokens"].notna().all() and (ok["prompt_tokens"] > 0).all()
    assert ok["error_type"].isna().all() and not (ok["error_type"] == "").any()
    assert errors["score_exact"].isna().all()  # a failed task is not scored: NaN, not 0
    assert errors["passed_exact"].isna().all()


def test_polars_has_the_same_table(run: Run) -> None:
    pdf = run.to_pandas(with_scores=True, with_dataset=True)
    plf = run.to_polars(with_scores=True, with_dataset=True)
    assert isinstance(plf, pl.DataFrame)
    assert plf.columns == list(pdf.columns) and plf.height == len(pdf)
    assert plf.schema["model"] == pl.Categorical and plf.schema["prompt_tokens"] == pl.Int64
    assert plf["prompt_tokens"].null_count() == int(pdf["prompt_tokens"].isna().sum()) > 0
    assert plf["task_key"].to_list() == list(pdf["task_key"])


def test_duckdb_views_over_the_run(run: Run) -> None:
    con = run.to_duckdb()
    (results,) = con.execute("select count(*) from results").fetchone()
    (scores,) = con.execute("select count(*) from scores").fetchone()
    (attempts,) = con.execute("select count(*) from attempts").fetchone()
    (items,) = con.execute("select count(*) from dataset").fetchone()
    assert results == 2 * ITEMS and items == ITEMS
    assert scores == len(run.scores()) and attempts >= results
    joined = con.execute(
        "select count(*) from results r join dataset d using (item_id) where d.a is not null"
    ).fetchone()
    assert joined == (2 * ITEMS,)
    unknown = "select count(*) from results where completion_tokens is null"
    (nulls,) = con.execute(unknown).fetchone()
    assert nulls == int(run.to_pandas()["completion_tokens"].isna().sum())


def test_an_empty_run_has_empty_views_and_frames(tmp_path: Path) -> None:
    from orkit.results import RunDir

    run_dir = RunDir.create(tmp_path)
    (run_dir.path / "manifest.json").write_text(json.dumps({"run_id": run_dir.run_id}))
    run = Run(run_dir.path)
    con = run.to_duckdb()
    assert con.execute("select count(*) from results").fetchone() == (0,)
    assert "item_id" in [c[0] for c in con.execute("select * from dataset").description]
    df = run.to_pandas(with_scores=True, with_dataset=True)
    assert len(df) == 0 and df["prompt_tokens"].dtype == "Int64"


@pytest.mark.parametrize(("package", "method"), [("polars", "to_polars"), ("duckdb", "to_duckdb")])
def test_a_missing_optional_engine_says_what_to_install(
    run: Run, monkeypatch: pytest.MonkeyPatch, package: str, method: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # `import package` then fails
    with pytest.raises(
        ImportError, match=rf"Run\.{method}\(\) needs {package}.*pip install {package}"
    ):
        getattr(run, method)()
