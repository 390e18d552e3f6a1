"""`Run.summary` reads a run as a few numbers per row (`read_summary_rows`) and summarizes
those (`summarize_run`): on a run in many part files it must give exactly, bit for bit,
what the pandas summary over frames of every row gave (`summary_oracle`, orkit's own until
issue 14), and what `summarize` gives over the run's frames (`rows_of_frames`), including
what is odd about a run (errors, fallbacks, unknown costs, cached rows, repeats, continuous
and NaN scores, scores of unknown tasks, a retried task's two rows, judges' costs, a
missing item id)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from orkit import Run
from orkit.estimate._judge_tables import with_judge_cost
from orkit.results import (
    RESULTS_SCHEMA,
    SCORES_SCHEMA,
    Manifest,
    PartWriter,
    RunDir,
    read_results,
    read_scores,
    read_summary_frames,
    read_summary_rows,
)
from orkit.results._task_keys import TaskKeys, _packed, _SortedKeys, _unpacked
from orkit.stats import (
    SummaryOptions,
    contestants,
    score_summary,
    summarize,
    summarize_run,
    summary_columns,
)
from tests.report.page_data import page_data

from .summary_oracle import oracle_summary

MODELS = ["a/x", "b/y", "c/z"]


def _task_key(i: int) -> str:
    return f"{i * 7919:032x}"  # 32 hex digits, as orkit's, some ending in zero bytes


def _rows(n_items: int = 23) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = np.random.default_rng(7)
    results, scores = [], []
    i = 0
    for item in range(n_items):
        for model in MODELS:
            for prompt in ("terse", "polite"):
                for repeat in range(2 if item % 5 == 0 else 1):
                    status = rng.choice(["ok"] * 8 + ["error", "skipped_budget", "deferred"])
                    cost = None if rng.random() < 0.1 else float(rng.random() / 1000)
                    row = dict.fromkeys(RESULTS_SCHEMA.names)
                    row.update(
                        run_id="r1",
                        task_key=_task_key(i),
                        item_id=None if item == 3 else f"q{item:03d}",
                        item_index=item,
                        prompt_id=prompt,
                        params_json=json.dumps({"temperature": [0, 0.7][item % 2]}),
                        repeat=repeat,
                        model=model,
                        served_model=None if status != "ok" else f"{model}-served",
                        status=str(status),
                        is_fallback=bool(rng.random() < 0.1),
                        cost_usd=cost,
                        cost_source="cached" if rng.random() < 0.2 else "reported",
                        service_s=None if rng.random() < 0.05 else float(rng.exponential()),
                        ttft_s=float(rng.exponential() / 5),
                        output_tokens_per_s=float(rng.normal(50, 10)),
                        output_text="x",
                        # some rows say nothing of reasoning (null), others 0 or more
                        reasoning_tokens=None if i % 7 == 0 else (i * 37) % 400,
                    )
                    results.append(row)
                    for scorer in ("exact", "graded"):
                        s = dict.fromkeys(SCORES_SCHEMA.names)
                        value = float(rng.integers(0, 2)) if scorer == "exact" else rng.random()
                        judged = scorer == "graded"
                        s.update(
                            run_id="r1",
                            task_key=_task_key(i),
                            scorer=scorer,
                            score=math.nan if rng.random() < 0.05 else float(value),
                            passed=None if scorer == "graded" else bool(value),
                            judge_model="j/m" if judged else None,
                            judge_cost_usd=(float(rng.random() / 1e4) if judged else None),
                        )
                        scores.append(s)
                    i += 1
    retried = dict(results[5], status="ok", cost_usd=0.5)  # a retry's row, written later
    results.append(retried)
    gone = dict(scores[0], task_key=_task_key(10**6))  # the score of a task with no row
    scores.append(gone)
    scores.reverse()  # scores need not follow the results' order
    return results, scores


def _run(tmp_path: Path, part_rows: int) -> RunDir:
    run = RunDir.create(tmp_path, f"r-{part_rows}")
    results_rows, scores_rows = _rows()
    for rows, directory, schema in (
        (results_rows, run.results_dir, RESULTS_SCHEMA),
        (scores_rows, run.scores_dir, SCORES_SCHEMA),
    ):
        writer = PartWriter(directory, schema, directory.name, flush_rows=part_rows)
        for row in rows:
            writer.append(row)
        writer.flush()
    Manifest.from_dict(
        {
            "run_id": "r",
            "status": "completed",
            "created_at": "now",
            "endpoint": {"kind": "sim"},
            "dataset": {"path": None},
            "catalog": None,
            "versions": {"orkit": "0"},
            "schema_version": "1",
            "totals": {"all": {"tasks": len(results_rows)}},
            "spec": {"models": MODELS, "prompts": {"terse": {}, "polite": {}}},
        }
    ).write(run.manifest_path)
    return run


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> RunDir:
    run = _run(tmp_path_factory.mktemp("rows"), part_rows=13)
    assert len(list(run.results_dir.glob("part-*.parquet"))) > 10
    return run


def _expected(run: RunDir, options: SummaryOptions) -> pd.DataFrame:
    results = read_results(run).to_pandas()
    scores = read_scores(run).to_pandas()
    return summarize(results, scores, options=options)


def _as_before(run: RunDir, by: Any = None) -> pd.DataFrame:
    """What `Run.summary` computed before it read `SummaryRows`: pandas frames of every
    row, the pandas summary, then the judges' cost by task key."""
    columns = ("task_key", "scorer", "score", "judge_model", "judge_cost_usd")
    results, scores = read_summary_frames(run, summary_columns(by), columns)
    prompts = ["terse", "polite"]
    summary = oracle_summary(results, scores, by=by, models=MODELS, prompts=prompts)
    labels = contestants(results, by, models=MODELS, prompts=prompts).of_rows().to_numpy()
    return with_judge_cost(summary, scores, pd.Series(labels, index=results["task_key"]))


@pytest.mark.parametrize("by", [None, "served_model", ["model", "prompt"], "params"])
def test_the_summary_is_as_before_bit_for_bit(many: RunDir, by: Any) -> None:
    got = Run(many).summary(by=by)
    assert {"score_exact", "n_graded", "ci_low_graded", "judge_cost_usd"} <= set(got.columns)
    assert got["judge_cost_usd"].notna().any()
    pd.testing.assert_frame_equal(got, _as_before(many, by), check_exact=True)
    # and as `summarize` over every column of every row
    options = SummaryOptions(models=MODELS, prompts=["terse", "polite"], by=by)
    expected = _expected(many, options)
    pd.testing.assert_frame_equal(got.drop(columns="judge_cost_usd"), expected, check_exact=True)


def test_fallbacks_counted_when_asked_as_the_pandas_summary_counts_them(many: RunDir) -> None:
    rows = read_summary_rows(many, ("model", "prompt_id", "params_json"))
    options = SummaryOptions(score_fallbacks=True, models=tuple(MODELS), seed=3, n_boot=500)
    got = summarize_run(rows, options).table
    results, scores = read_results(many).to_pandas(), read_scores(many).to_pandas()
    expected = oracle_summary(results, scores, include_fallbacks=True, seed=3, n_boot=500)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    pd.testing.assert_frame_equal(got, _expected(many, options), check_exact=True)
    # and score_summary agrees on the means the summary shows
    quality = score_summary(results, scores, options=options)
    graded = quality[quality["scorer"] == "graded"].set_index("contestant")["mean"]
    assert got["score_graded"].to_dict() == graded.to_dict()


def test_a_left_out_model_is_left_out(many: RunDir) -> None:
    """`SummaryOptions.models` only orders: a model is left out by leaving out its rows."""
    results, scores = read_results(many).to_pandas(), read_scores(many).to_pandas()
    got = summarize(results[results["model"] == "b/y"], scores)
    assert set(got["model"]) == {"b/y"}
    expected = oracle_summary(results, scores, models=["b/y"])
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_score_rows_find_the_last_row_of_their_task(many: RunDir) -> None:
    rows = read_summary_rows(many, ("model",))
    keys = read_results(many, ["task_key"])["task_key"].to_pylist()
    last = {key: i for i, key in enumerate(keys)}
    wanted = read_scores(many, ["task_key"])["task_key"].to_pylist()
    assert rows.score_row.tolist() == [last.get(k, -1) for k in wanted]
    assert -1 in rows.score_row.tolist() and len(keys) != len(set(keys))


@pytest.mark.parametrize(
    "keys",
    [
        ["ab", "00", "ab", "a0", "0a"],  # hex: packed, a duplicate
        ["k1", "k22", "k1", "", "é"],  # several lengths, not hex: looked up as text
        ["0000", "00zz", "0000"],  # one length, not all hex
    ],
)
def test_task_keys_of_any_shape_are_found(keys: list[str]) -> None:
    task_keys = TaskKeys(len(keys))
    for start in range(0, len(keys), 2):  # parts of two rows
        task_keys.add(pa.chunked_array([keys[start : start + 2]], type=pa.string()))
    lookup = task_keys.finish()
    wanted = [*keys, "zz", "ab0", "000", "0a"]
    last = {key: i for i, key in enumerate(keys)}
    found = lookup.rows(pa.chunked_array([wanted], type=pa.string()))
    assert found.tolist() == [last.get(k, -1) for k in wanted]


def test_packed_hex_keys_keep_their_order_and_come_back() -> None:
    keys = np.array([b"00ff", b"0000", b"ff00", b"0001", b"0100"], dtype="S4")
    packed, hex_ok = _packed(keys)
    assert hex_ok.all() and packed.dtype.itemsize == 2
    assert np.argsort(packed, kind="stable").tolist() == np.argsort(keys, kind="stable").tolist()
    assert len(set(packed.tolist())) == 5  # trailing zero bytes do not make keys equal
    assert _unpacked(packed, 4) == keys.tolist()
    sorted_keys = _SortedKeys(packed, 4)
    assert sorted_keys.rows(pa.chunked_array([["0000", "0100", "01"]])).tolist() == [1, 4, -1]


def test_the_report_of_many_parts_is_that_of_one(many: RunDir, tmp_path: Path) -> None:
    from orkit.report import ReportOptions, render_report

    one = _run(tmp_path, part_rows=10**6)
    assert len(list(one.results_dir.glob("part-*.parquet"))) == 1
    for shown in (100, 4):
        page = _payload(render_report(one, ReportOptions(max_items=shown, title="t")))
        assert _payload(render_report(many, ReportOptions(max_items=shown, title="t"))) == page
        # every item (23, the one without an id among them) or `shown` of them
        assert page["items"]["total"] == 23
        assert page["items"]["shown"] == len(page["items"]["id"]) == min(shown, 23)


def _payload(page: str) -> dict[str, Any]:
    """What the page embeds, but its timestamp and the run's id (the two copies' only
    differences: their directories' names)."""
    data = page_data(page)
    assert data.pop("generated_at")
    for run in data["runs"]:
        run["run_id"] = "r"
    return data
