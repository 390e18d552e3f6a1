"""The report's payload on runs made with the emulator: its leaderboard is the run's one
summary, a grid's contestants are labelled, repeats are counted, redaction leaves no text,
and every number is JSON (no NaN: unknown is null)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from orkit import Sweep
from orkit.report._options import ReportOptions
from orkit.report._payload import build_payload
from orkit.results import RunDir, read_summary_rows
from orkit.stats import CONTESTANT_KEYS, SummaryOptions, summarize_run

QUESTIONS = [
    {"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(8)
]
MODELS = ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"]


def _sweep(out: Path, **extra: Any) -> RunDir:
    settings: dict[str, Any] = {
        "name": "payload",
        "dataset": QUESTIONS,
        "models": MODELS,
        "prompts": {
            "terse": {"template": "{{ question }}", "system": "Answer only."},
            "chatty": {"template": "Please think: {{ question }}"},
        },
        "grid": {"temperature": [0.0, 0.7]},
        "scorers": [
            {"kind": "exact", "expected": "answer"},
            {"kind": "contains", "expected": "answer", "name": "has"},
        ],
        "endpoint": "sim",
        "sim": {"time_scale": 0.0},
        "out": str(out),
    }
    settings.update(extra)
    run = Sweep(**settings).run(progress=False)
    return RunDir.open(run.path)


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory: pytest.TempPathFactory) -> RunDir:
    return _sweep(tmp_path_factory.mktemp("grid"))


@pytest.fixture(scope="module")
def grid_payload(grid_run: RunDir) -> dict[str, Any]:
    return build_payload([grid_run], ReportOptions())


def _json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, allow_nan=False)  # a NaN anywhere fails here


def _close(shown: float | None, exact: float) -> bool:
    if shown is None:
        return math.isnan(exact)
    return math.isclose(shown, exact, rel_tol=1e-3, abs_tol=6e-4)


def test_the_leaderboard_is_the_runs_one_summary(
    grid_run: RunDir, grid_payload: dict[str, Any]
) -> None:
    manifest = grid_run.read_manifest()
    rows = read_summary_rows(grid_run, CONTESTANT_KEYS)
    summary = summarize_run(rows, SummaryOptions.of_sweeps([manifest.spec])).table
    board = grid_payload["contestants"]
    assert [c["label"] for c in board] == list(summary.index)
    assert [c["id"] for c in board] == list(summary["contestant_id"])
    for c, (_, s) in zip(board, summary.iterrows(), strict=True):
        assert (c["rows"], c["ok"], c["errors"]) == (s["rows"], s["ok"], s["errors"])
        for at, name in enumerate(["exact", "has"]):
            score = c["scores"][at]
            assert score["n"] == s[f"n_{name}"]
            assert _close(score["mean"], s[f"score_{name}"])
            assert _close(score["lo"], s[f"ci_low_{name}"])
            assert _close(score["hi"], s[f"ci_high_{name}"])
        assert _close(c["latency_p50_s"], s["p50_service_s"])
        assert _close(c["latency_p95_s"], s["p95_service_s"])
        assert _close(c["ttft_p50_s"], s["p50_ttft_s"])
        assert _close(c["cost_usd"], s["cost_usd"])
        assert sum(c["providers"].values()) == c["rows"]
    _json(grid_payload)


def test_a_grid_gives_each_model_four_labelled_contestants(grid_payload: dict[str, Any]) -> None:
    board = grid_payload["contestants"]
    assert grid_payload["noun"] == "contestant"
    for model in MODELS:
        labels = [c["label"] for c in board if c["model"] == model]
        assert len(labels) == 4 and len(set(labels)) == 4
        assert all(label.startswith(model + " · ") for label in labels)
        assert {"terse", "chatty"} == {c["prompt_id"] for c in board if c["model"] == model}
        assert any("temperature=0.7" in label for label in labels)
    cells = grid_payload["items"]["cells"]
    assert len(cells) == len(board) == 8
    assert [s["name"] for s in grid_payload["scorers"]] == ["exact", "has"]


def test_items_are_in_dataset_order_with_each_prompts_messages(
    grid_payload: dict[str, Any],
) -> None:
    items = grid_payload["items"]
    assert items["id"] == [q["id"] for q in QUESTIONS] and items["index"] == list(range(8))
    assert items["expected"] == [q["answer"] for q in QUESTIONS]
    assert items["expected_by_scorer"] == {}  # both scorers expect the same field
    terse, chatty = items["messages"]["terse"], items["messages"]["chatty"]
    assert terse[3] == [
        {"role": "system", "content": "Answer only."},
        {"role": "user", "content": "What is 3 + 1?"},
    ]
    assert chatty[0] == [{"role": "user", "content": "Please think: What is 0 + 1?"}]


def test_each_cell_is_its_rows_answer_and_verdicts(
    grid_run: RunDir, grid_payload: dict[str, Any]
) -> None:
    results = pq.read_table(grid_run.results_dir).to_pandas()
    scores = pq.read_table(grid_run.scores_dir).to_pandas()
    board, items = grid_payload["contestants"], grid_payload["items"]
    for c, cell in zip(board, items["cells"], strict=True):
        for slot, item_id in enumerate(items["id"]):
            row = results[
                (results["model"] == c["model"])
                & (results["prompt_id"] == c["prompt_id"])
                & (results["params_json"] == c["params"])
                & (results["item_id"] == item_id)
            ].iloc[0]
            assert cell["text"][slot] == row["output_text"]
            assert cell["status"][slot] == "ok" and cell["repeats"][slot] == 1
            assert cell["completion_tokens"][slot] == row["completion_tokens"]
            verdict = scores[(scores["task_key"] == row["task_key"]) & (scores["scorer"] == "has")]
            assert cell["scores"][1]["passed"][slot] == bool(verdict["passed"].iloc[0])


def test_disagreement_is_a_split_verdict_on_the_primary_scorer(
    grid_payload: dict[str, Any],
) -> None:
    items = grid_payload["items"]
    for slot, disagree in enumerate(items["disagree"]):
        verdicts = {cell["scores"][0]["passed"][slot] for cell in items["cells"]}
        failed = any(cell["status"][slot] == "error" for cell in items["cells"])
        assert disagree == (failed or {True, False} <= verdicts)


def test_repeats_are_counted_and_the_cell_shows_repeat_zero(tmp_path: Path) -> None:
    run = _sweep(tmp_path, prompts={"p": {"template": "{{ question }}"}}, grid={}, repeats=2)
    payload = build_payload([run], ReportOptions())
    results = pq.read_table(run.results_dir).to_pandas()
    first = results[results["repeat"] == 0]
    for c, cell in zip(payload["contestants"], payload["items"]["cells"], strict=True):
        assert c["rows"] == 16 and cell["repeats"] == [2] * 8
        for slot, item_id in enumerate(payload["items"]["id"]):
            row = first[(first["model"] == c["model"]) & (first["item_id"] == item_id)]
            assert cell["latency_s"][slot] == round(float(row["service_s"].iloc[0]), 3)


@pytest.mark.parametrize("redact", ["prompts", "outputs", "all"])
def test_redaction_leaves_no_text_of_what_it_redacts(grid_run: RunDir, redact: str) -> None:
    payload = build_payload([grid_run], ReportOptions(redact=redact))  # type: ignore[arg-type]
    text = _json(payload)
    results = pq.read_table(grid_run.results_dir).to_pandas()
    answers = [t for t in results["output_text"] if t and len(t) > 12]
    assert answers  # the emulator's chatty answers are long enough to look for
    hides_prompts, hides_outputs = redact in ("prompts", "all"), redact in ("outputs", "all")
    assert ("What is 3 + 1?" in text) is not hides_prompts
    assert ("Answer only." in text) is not hides_prompts
    assert any(a in text for a in answers) is not hides_outputs
    items = payload["items"]
    if hides_prompts:
        assert set(items["messages"].values()) == {None}
        assert set(items["expected"]) == {None}
        assert "[redacted]" in payload["runs"][0]["spec_toml"]
    if hides_outputs:
        assert all(cell["text"] is None and cell["reasoning"] is None for cell in items["cells"])
    assert payload["redacted"] == redact and len(payload["notes"]) == (2 if redact == "all" else 1)
    # the statistics stay
    assert payload["contestants"][0]["scores"][0] is not None


def test_the_header_says_what_was_run(grid_run: RunDir, grid_payload: dict[str, Any]) -> None:
    header = grid_payload["runs"][0]
    assert header["run_id"] == grid_run.run_id and header["status"] == "completed"
    assert header["endpoint"] == "emulator (in-process)"
    assert header["dataset"]["rows"] == 8 and len(header["dataset"]["fingerprint"]) == 64
    assert 'template = "{{ question }}"' in header["spec_toml"]
    assert header["actual"]["tasks"] == 64 and header["actual"]["ok"] == 64
    assert header["estimate"]["cost_usd"] is not None
    assert grid_payload["version"] == 1 and grid_payload["title"] == "payload"
    assert grid_payload["timeline"]["series"] and grid_payload["timeline"]["bin_s"] > 0
    assert sum(p["count"] for p in grid_payload["timeline"]["series"]) == 64


def test_a_run_without_scorers_has_no_statistics_and_no_nan(tmp_path: Path) -> None:
    run = _sweep(tmp_path, scorers=[], grid={}, prompts={"p": {"template": "{{ question }}"}})
    payload = build_payload([run], ReportOptions())
    _json(payload)
    assert payload["scorers"] == [] and payload["pairs"] == []
    assert payload["pareto"] == {"cost": [], "latency": []}
    assert all(
        c["scores"] == [] and c["cost_per_correct_usd"] is None for c in payload["contestants"]
    )
    items = payload["items"]
    assert items["expected"] == [None] * 8 and items["disagree"] == [False] * 8
    assert all(cell["scores"] == [] for cell in items["cells"])
    assert [c["rows"] for c in payload["contestants"]] == [8, 8]
