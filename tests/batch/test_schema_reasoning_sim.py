"""Structured outputs, reasoning and endpoint per contestant together against the emulator
(issue 17): each was built against replayed fixtures; here whole runs send them to
`endpoint="sim"` (in-process, its apps recorded to read their stats and bills) and to a
second emulator on 127.0.0.1 playing a local server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

import orkit.sim
from orkit import Sweep, load_spec
from orkit._settings import load_settings
from orkit.api import json_schema
from orkit.cost import Calibration
from orkit.errors import SpecError
from orkit.plan import Model, param_warnings, resolve_endpoint
from orkit.report import render_report
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread
from tests.report.page_data import page_data

STRUCTURED = "openai/gpt-4o-mini"  # catalog: structured_outputs
NO_STRUCTURED = "qwen/qwen3.7-flash"  # catalog: response_format, no structured_outputs
REASONER = "anthropic/claude-haiku-4.5"  # catalog: reasoning, not on by default
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
    "additionalProperties": False,
}


@pytest.fixture
def sim_apps(monkeypatch: pytest.MonkeyPatch) -> list[Starlette]:
    """Every in-process emulator the run opens (preflight, estimate, run), kept to read."""
    apps: list[Starlette] = []

    def recording(*args: Any, **kw: Any) -> Starlette:
        app = create_app(*args, **kw)
        apps.append(app)
        return app

    monkeypatch.setattr(orkit.sim, "create_app", recording)
    return apps


def chat_requests(apps: list[Starlette]) -> int:
    return sum(int(app.state.sim.stats_json()["requests"]) for app in apps)


def billed(apps: list[Starlette]) -> Decimal:
    return sum(
        (Decimal(str(a.state.sim.stats_json()["billed_total_usd"])) for a in apps), Decimal()
    )


def sweep(tmp_path: Path, n: int = 12, **kw: Any) -> Sweep:
    rows = [{"id": f"q{i}", "question": f"Which city is number {i}?"} for i in range(n)]
    base: dict[str, Any] = {
        "dataset": rows,
        "models": [STRUCTURED],
        "prompt": "{{ question }}",
        "endpoint": "sim",
        "sim": {"time_scale": 0},
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


# ---------------------------------------------------------------- structured outputs


@pytest.mark.parametrize("stream", [False, True])
def test_a_strict_schema_run_scores_every_row(tmp_path: Path, stream: bool) -> None:
    run = sweep(
        tmp_path,
        response_format=json_schema(SCHEMA),
        scorers=[{"kind": "json_schema"}],
        stream=stream,
    ).run(progress=False)
    rows = run.to_pandas()
    assert (rows["status"] == "ok").all() and len(rows) == 12
    assert all(set(json.loads(text)) == {"city", "population"} for text in rows["output_text"])
    assert run.summary()["score_json_schema"].tolist() == [1.0]
    assert run.scores()["passed"].all()


def test_invalid_answers_from_the_emulator_lower_the_score_and_say_why(tmp_path: Path) -> None:
    sim = {"time_scale": 0, "structured_invalid_rate": 0.5, "seed": 3}
    s = sweep(
        tmp_path,
        n=20,
        sim=sim,
        response_format=json_schema(SCHEMA),
        scorers=[{"kind": "json_schema"}],
    )
    run = s.run(progress=False)
    scores = run.scores()
    failed = scores[~scores["passed"].astype(bool)]
    assert 0 < len(failed) < 20  # seeded: the same rows on every run
    assert run.summary()["score_json_schema"].iloc[0] == pytest.approx(1 - len(failed) / 20)
    # the emulator drops a required property; the detail names the one missing
    answers = run.to_pandas().set_index("task_key")["output_text"]
    for key, detail in zip(failed["task_key"], failed["detail"], strict=True):
        (missing,) = set(SCHEMA["required"]) - set(json.loads(answers[key]))
        assert detail == f"$: {missing!r} is a required property"
    again = sweep(tmp_path, n=20, sim=sim, response_format=json_schema(SCHEMA)).run(progress=False)
    assert again.to_pandas().set_index("task_key")["output_text"].to_dict() == answers.to_dict()


def test_require_parameters_refuses_a_model_without_structured_outputs_before_sending(
    tmp_path: Path, sim_apps: list[Starlette]
) -> None:
    s = sweep(
        tmp_path,
        models=[STRUCTURED, NO_STRUCTURED],
        response_format=json_schema(SCHEMA),
        params={"provider": {"require_parameters": True}},
    )
    with pytest.raises(SpecError) as caught:
        s.run(progress=False)
    message = str(caught.value)
    assert f"model {NO_STRUCTURED!r} does not support structured_outputs" in message
    assert "\n" not in message
    assert chat_requests(sim_apps) == 0
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    # without it: a warning suggesting it, in the checks and in the estimate's notes
    loose = sweep(tmp_path, models=[NO_STRUCTURED], response_format=json_schema(SCHEMA))
    (warning,) = param_warnings(loose, resolve_endpoint("sim"))
    assert NO_STRUCTURED in warning and "provider.require_parameters = true" in warning
    assert any("provider.require_parameters = true" in n for n in loose.estimate().notes)


# ---------------------------------------------------------------- reasoning


@pytest.mark.parametrize("stream", [False, True])
def test_a_reasoning_run_records_shows_and_bills_the_reasoning(
    tmp_path: Path, sim_apps: list[Starlette], stream: bool
) -> None:
    s = sweep(
        tmp_path, n=6, models=[REASONER], params={"reasoning": {"effort": "high"}}, stream=stream
    )
    run = s.run(progress=False)
    rows = run.to_pandas()
    assert (rows["status"] == "ok").all()
    assert (rows["reasoning_tokens"] > 0).all()
    assert rows["reasoning_text"].str.startswith("The user asks: Which city").all()
    assert (rows["completion_tokens"] > rows["reasoning_tokens"]).all()  # inside the output
    summary = run.summary()
    assert summary.loc[REASONER, "reasoning_tokens"] == rows["reasoning_tokens"].sum()
    # the report's leaderboard has the figure its reasoning column shows
    page = page_data(render_report(run.dir))
    (board,) = page["contestants"]
    assert board["reasoning_tokens"] == rows["reasoning_tokens"].sum()
    # priced as output: each row's cost is its tokens at the listed prices times its
    # provider's multiplier, and the run's spend is the emulator's bill
    served = sim_apps[-1].state.sim.book.get(REASONER)
    multiplier = {e.provider.name: e.multiplier for e in served.endpoints}
    for row in rows.to_dict("records"):
        tokens = (
            row["prompt_tokens"] * served.prices.prompt
            + row["completion_tokens"] * served.prices.completion
        )
        expected = tokens * multiplier[row["served_provider"]]
        assert row["cost_usd"] == pytest.approx(float(expected), rel=1e-6)
    assert float(billed(sim_apps)) == pytest.approx(rows["cost_usd"].sum(), rel=1e-9)
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(float(billed(sim_apps)))
    assert page["runs"][0]["actual"]["cost_usd"] == pytest.approx(float(billed(sim_apps)))
    assert not run.manifest.warnings or not any("empty" in w for w in run.manifest.warnings)


@pytest.mark.parametrize("stream", [False, True])
def test_excluded_reasoning_is_counted_but_not_sent(tmp_path: Path, stream: bool) -> None:
    params = {"reasoning": {"effort": "low", "exclude": True}}
    rows = sweep(tmp_path, n=4, models=[REASONER], params=params, stream=stream)
    frame = rows.run(progress=False).to_pandas()
    assert (frame["reasoning_tokens"] > 0).all()
    assert frame["reasoning_text"].isna().all()
    assert (frame["output_text"] != "").all()


@pytest.mark.parametrize("stream", [False, True])
def test_answers_starved_by_reasoning_are_the_runs_warning(tmp_path: Path, stream: bool) -> None:
    params = {"reasoning": {"max_tokens": 400}, "max_tokens": 50}
    run = sweep(tmp_path, n=5, models=[REASONER], params=params, stream=stream).run(progress=False)
    rows = run.to_pandas()
    assert (rows["status"] == "ok").all() and (rows["finish_reason"] == "length").all()
    assert (rows["output_text"] == "").all() and (rows["reasoning_tokens"] == 50).all()
    (warning,) = [w for w in run.manifest.warnings or [] if "came back empty" in w]
    assert warning.startswith("5 rows came back empty with finish_reason 'length'")
    assert f"({REASONER}: 5)" in warning
    (header,) = page_data(render_report(run.dir))["runs"]
    assert warning in header["warnings"]


def test_a_pilot_teaches_the_reasoning_share_and_the_estimate_meets_the_run(
    tmp_path: Path,
) -> None:
    params = {"reasoning": {"effort": "high"}, "max_tokens": 2000}
    s = sweep(tmp_path, n=30, models=[REASONER], params=params)
    prior = s.estimate().line(REASONER)
    estimate = s.estimate(pilot=10)
    learnt = Calibration.load(load_settings().cache_dir).get("sim", REASONER)
    assert learnt is not None and learnt.reasoning_share is not None
    # high effort: 40-80% of max_tokens reasoned, and a short answer after it
    assert 0.5 < learnt.reasoning_share < 0.95
    line = estimate.line(REASONER)
    assert line.reasoning_tokens is not None and line.reasoning_tokens != prior.reasoning_tokens
    rows = s.run(progress=False).to_pandas()
    assert line.reasoning_tokens == pytest.approx(rows["reasoning_tokens"].sum(), rel=0.15)
    assert line.completion_tokens == pytest.approx(rows["completion_tokens"].sum(), rel=0.15)
    assert line.cost_expected_usd == pytest.approx(rows["cost_usd"].sum(), rel=0.15)


# ---------------------------------------------------------------- endpoint per contestant


@pytest.fixture
def local_url() -> Iterator[str]:
    """A second emulator on 127.0.0.1 playing a local server (`/v1`, no prices)."""
    config = SimConfig(
        time_scale=0.0,
        local_server=True,
        stream_usage=False,
        max_concurrent=1,
        models={STRUCTURED: ModelProfile(), REASONER: ModelProfile()},
    )
    with serve_in_thread(app=create_app(config)) as url:
        yield url.replace("/api/v1", "/v1")


def local_requests(local: str) -> int:
    stats = httpx.get(local.rsplit("/v1", 1)[0] + "/_sim/stats").json()
    return int(stats["requests"])


def test_a_schema_run_pairs_openrouter_with_a_local_server(tmp_path: Path, local_url: str) -> None:
    s = sweep(
        tmp_path,
        n=6,
        models=[STRUCTURED, Model(STRUCTURED, endpoint=local_url)],
        response_format=json_schema(SCHEMA),
        scorers=[{"kind": "json_schema"}],
    )
    on_sim, on_local = s.model_names
    run = s.run(progress=False)
    rows = run.to_pandas()
    assert rows.groupby("model")["status"].apply(lambda x: (x == "ok").sum()).to_dict() == {
        on_sim: 6,
        on_local: 6,
    }
    assert local_requests(local_url) == 6
    local, hosted = rows[rows["model"] == on_local], rows[rows["model"] == on_sim]
    assert local["cost_usd"].isna().all() and (local["cost_source"] == "unknown").all()
    assert hosted["cost_usd"].notna().all() and (hosted["cost_usd"] > 0).all()
    assert run.summary()["score_json_schema"].to_dict() == {on_sim: 1.0, on_local: 1.0}
    (pair,) = run.compare().to_dict("records")
    assert {pair["contestant_a"], pair["contestant_b"]} == {on_sim, on_local}
    assert pair["n_shared"] == 6


def test_one_contestant_reasons_on_its_own_endpoint(tmp_path: Path, local_url: str) -> None:
    s = sweep(
        tmp_path,
        n=4,
        models=[STRUCTURED, Model(REASONER, endpoint=local_url)],
        params={"reasoning": {"effort": "low"}},
        stream=False,
    )
    run = s.run(progress=False)
    rows = run.to_pandas()
    local, hosted = rows[rows["model"] == REASONER], rows[rows["model"] == STRUCTURED]
    assert (local["reasoning_tokens"] > 0).all() and local["reasoning_text"].notna().all()
    assert local["cost_usd"].isna().all()  # a local server's price is unknown, not 0
    assert (hosted["reasoning_tokens"] == 0).all() and hosted["reasoning_text"].isna().all()
    summary = run.summary()
    assert summary.loc[REASONER, "reasoning_tokens"] == local["reasoning_tokens"].sum()
    assert local_requests(local_url) == 4


def test_a_spec_with_a_schema_file_and_reasoning_runs_both_on_one_model(tmp_path: Path) -> None:
    (tmp_path / "answer.json").write_text(json.dumps(SCHEMA))
    items = [{"id": f"q{i}", "question": f"Which city is number {i}?"} for i in range(4)]
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{REASONER}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\ncache = false\n'
        '[sim]\ntime_scale = 0\n[prompt]\ntemplate = "{{ question }}"\n'
        '[response_format]\nschema = "answer.json"\n'
        '[params.reasoning]\neffort = "low"\n[params.provider]\nrequire_parameters = true\n'
        '[[scorers]]\nkind = "json_schema"\n'
    )
    run = load_spec(spec).run(progress=False)
    rows = run.to_pandas()
    assert (rows["reasoning_tokens"] > 0).all() and rows["reasoning_text"].notna().all()
    assert run.summary()["score_json_schema"].tolist() == [1.0]
    assert not run.manifest.warnings
