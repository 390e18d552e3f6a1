"""Tool loops (`max_turns` with mocked tools) run end to end against a small tool-using
server on 127.0.0.1 (`tool_server`): what each turn sends, what the row records, and that
the run's spend is what the server billed — also when a turn's cost is not said, and when
a loop is cut short and resumed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.api import resume_async
from orkit.errors import RunStoppedError, SpecError
from orkit.plan import load_spec
from orkit.results import Journal
from orkit.scorers import tool_args_valid, tool_call
from tests.batch.test_old_run_dir import _old_run as old_run
from tests.batch.tool_server import COST_USD, MODEL, WEATHER_TOOL, ToolServer, tool_server
from tests.report.page_data import page_data

pytestmark = pytest.mark.integration

CITIES = ["Paris", "Oslo", "Lima"]


def get_weather(city: str) -> dict[str, Any]:
    """The mocked tool (module level: a resume imports it back by name)."""
    return {"city": city, "sky": "sunny"}


def _sweep(tmp_path: Path, server: ToolServer, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": [
            {"id": c, "question": f"Weather in {c}", "tool": "get_weather", "args": {"city": c}}
            for c in CITIES
        ],
        "models": [MODEL],
        "prompt": "{{ question }}",
        "params": {"tools": [WEATHER_TOOL], "max_tokens": 50},
        "endpoint": server.url,
        "out": str(tmp_path / "runs"),
        "cache": False,
        "max_turns": 4,
        "tools_impl": {"get_weather": get_weather},
    }
    return Sweep(**{**base, **kw})


def _extra_billed(run_dir: Path) -> list[tuple[str, float | None]]:
    journal = Journal(run_dir / "journal.sqlite")
    try:
        return journal.extra_billed()
    finally:
        journal.close()


def _rows(run: Run) -> pd.DataFrame:
    return pd.read_parquet(run.path / "results").set_index("item_id").loc[CITIES]


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "unstreamed"])
def test_a_tool_loop_answers_with_the_mock_and_records_each_turn(
    tmp_path: Path, stream: bool
) -> None:
    with tool_server() as server:
        scorers = [tool_call("tool", arguments="args"), tool_args_valid()]
        run = _sweep(tmp_path, server, stream=stream, scorers=scorers).run(progress=False)
    rows = _rows(run)
    assert (rows["status"] == "ok").all() and (rows["turns"] == 2).all()
    assert (rows["finish_reason"] == "stop").all()
    paris = rows.loc["Paris"]
    assert paris["output_text"] == 'The weather: {"city": "Paris", "sky": "sunny"}'
    assert json.loads(str(paris["tool_calls_json"])) == [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "turn": 1}
    ]
    turns = json.loads(str(paris["turns_json"]))
    assert [t["finish_reason"] for t in turns] == ["tool_calls", "stop"]
    assert all(t["in_row"] for t in turns)
    assert turns[0]["tool_results"] == [
        {"name": "get_weather", "content": '{"city": "Paris", "sky": "sunny"}'}
    ]
    # the row's cost and tokens are its turns' sums; the run's spend is the bill
    assert paris["cost_usd"] == pytest.approx(2 * COST_USD)
    assert paris["prompt_tokens"] == turns[0]["prompt_tokens"] + turns[1]["prompt_tokens"]
    assert paris["attempts"] == 2
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(sum(server.billed))
    assert len(server.billed) == 6
    attempts = pd.read_parquet(run.path / "attempts")
    assert sorted(attempts.groupby("task_key")["attempt"].apply(list).tolist()) == [[1, 2]] * 3
    assert _extra_billed(run.path) == []  # every turn is its row's own
    scores = pd.read_parquet(run.path / "scores")
    assert (scores["score"] == 1.0).all() and len(scores) == 6


def test_the_second_turn_sends_the_calls_and_one_tool_message_per_call(tmp_path: Path) -> None:
    with tool_server() as server:
        _sweep(tmp_path, server, dataset=[{"question": "Weather in Paris"}]).run(progress=False)
    first, second = server.bodies
    assert [m["role"] for m in first["messages"]] == ["user"]
    user, assistant, tool = second["messages"]
    assert user == first["messages"][0]
    (call,) = assistant["tool_calls"]
    assert assistant["role"] == "assistant" and assistant["content"] is None
    assert call["type"] == "function" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert tool == {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": '{"city": "Paris", "sky": "sunny"}',
    }
    assert second["tools"] == first["tools"]


def test_max_turns_caps_a_model_that_keeps_calling_tools(tmp_path: Path) -> None:
    with tool_server(tool_turns=10) as server:
        run = _sweep(tmp_path, server, max_turns=3).run(progress=False)
    rows = _rows(run)
    assert (rows["turns"] == 3).all() and (rows["finish_reason"] == "tool_calls").all()
    calls = json.loads(str(rows.loc["Oslo", "tool_calls_json"]))
    assert [c["turn"] for c in calls] == [1, 2, 3]
    assert len(server.billed) == 9
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(sum(server.billed))


def test_canned_results_from_a_column_one_per_turn(tmp_path: Path) -> None:
    canned = [{"get_weather": "rain"}, {"get_weather": {"sky": "snow"}}]
    dataset = [
        {"question": "Weather in Oslo", "canned": json.dumps(canned)},
        {"question": "Weather in Lima", "canned": {"get_weather": "fog"}},
        {"question": "Weather in Rome", "canned": {"other_tool": "?"}},
    ]
    with tool_server(tool_turns=2) as server:
        run = _sweep(tmp_path, server, dataset=dataset, tools_impl={}, tool_results="canned").run(
            progress=False
        )
    outputs = pd.read_parquet(run.path / "results").set_index("item_index")["output_text"]
    assert outputs[0] == 'The weather: {"sky": "snow"}'  # the second turn's canned result
    assert outputs[1] == "The weather: fog"  # the same result every turn
    assert outputs[2] == "The weather: error: no result for tool 'get_weather'"


def test_a_failing_mock_or_broken_arguments_are_told_to_the_model(tmp_path: Path) -> None:
    def flaky(city: str) -> str:
        raise TimeoutError(f"{city} did not answer")

    dataset = [{"question": "Weather in Oslo"}]
    with tool_server() as server:
        run = _sweep(tmp_path, server, dataset=dataset, tools_impl={"get_weather": flaky}).run(
            progress=False
        )
    (text,) = pd.read_parquet(run.path / "results")["output_text"]
    assert text == "The weather: error: TimeoutError: Oslo did not answer"
    with tool_server(broken_arguments=True) as server:
        run = _sweep(tmp_path, server, dataset=dataset).run(progress=False)
    rows = pd.read_parquet(run.path / "results")
    assert rows["output_text"][0].startswith("The weather: error: arguments are not a JSON object")
    assert json.loads(str(rows["tool_calls_json"][0]))[0]["arguments"] == '{"city": "Oslo'


def test_a_forced_tool_choice_becomes_auto_after_the_first_turn(tmp_path: Path) -> None:
    params = {"tools": [WEATHER_TOOL], "tool_choice": "required", "max_tokens": 50}
    with tool_server() as server:
        _sweep(tmp_path, server, dataset=[{"question": "Weather in Oslo"}], params=params).run(
            progress=False
        )
    assert [b["tool_choice"] for b in server.bodies] == ["required", "auto"]


def test_a_turn_whose_cost_is_not_said_is_a_billed_attempt_of_its_own(tmp_path: Path) -> None:
    with tool_server(unpriced_tool_turns=True) as server:
        run = _sweep(tmp_path, server).run(progress=False)
    rows = _rows(run)
    turns = json.loads(str(rows.loc["Lima", "turns_json"]))
    assert [t["in_row"] for t in turns] == [False, True]
    # the row holds its last turn: tokens and cost of one request, never a partial sum
    assert rows.loc["Lima", "cost_usd"] == pytest.approx(COST_USD)
    assert rows.loc["Lima", "prompt_tokens"] == turns[1]["prompt_tokens"]
    totals = run.manifest["totals"]["all"]
    assert totals["billed_attempts_unknown"] == 3
    assert totals["cost_usd"] == pytest.approx(3 * COST_USD)  # known: the last turns'
    assert _extra_billed(run.path) == [(MODEL, None)] * 3


def test_a_loop_cut_short_is_redone_whole_by_the_resume_and_billed_once_each(
    tmp_path: Path,
) -> None:
    items = tmp_path / "items.jsonl"
    lines = [json.dumps({"id": c, "question": f"Weather in {c}"}) for c in CITIES]
    items.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with tool_server(refuse_turn=2) as server:
        with pytest.raises(RunStoppedError):
            _sweep(tmp_path, server, dataset=str(items), concurrency=1).run(progress=False)
        (run_dir,) = (tmp_path / "runs").iterdir()
        first_turns = len(server.billed)
        assert first_turns >= 1
        server.refuse_turn = None
        anyio.run(lambda: resume_async(run_dir))
    run = Run(run_dir)
    rows = _rows(run)
    assert run.status == "completed" and (rows["turns"] == 2).all()
    assert len(server.billed) == first_turns + 6  # each task's two turns, sent again whole
    # the cut loops' first turns are billed attempts of their own: the spend is the bill
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(sum(server.billed))
    assert len(_extra_billed(run_dir)) == first_turns


def test_the_spec_form_reads_mocks_relative_to_the_spec_and_round_trips(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(
        "def get_weather(city):\n    return city.upper()\n", encoding="utf-8"
    )
    (tmp_path / "items.jsonl").write_text(
        json.dumps({"question": "Weather in Oslo", "canned": {"get_weather": "x"}}) + "\n",
        encoding="utf-8",
    )
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'dataset = "items.jsonl"\nmodels = ["m/x"]\nendpoint = "sim"\nmax_turns = 3\n'
        'tool_results = "canned"\n[prompt]\ntemplate = "{{ question }}"\n'
        '[tools_impl]\nget_weather = "tools.py:get_weather"\n',
        encoding="utf-8",
    )
    sweep = load_spec(spec, into=Sweep)
    loop = sweep.tool_loop
    assert loop is not None and loop.max_turns == 3 and loop.tool_results == "canned"
    assert loop.tools_impl["get_weather"]("oslo") == "OSLO"
    written = tmp_path / "again.toml"
    written.write_text(sweep.to_toml(), encoding="utf-8")
    again = load_spec(written, into=Sweep)
    assert again.to_spec() == sweep.to_spec()
    assert again.to_spec()["tools_impl"] == {"get_weather": f"{tmp_path / 'tools.py'}:get_weather"}


@pytest.mark.parametrize(
    ("options", "field", "message"),
    [
        ({"max_turns": 0}, "max_turns", "must be an integer >= 1"),
        ({"max_turns": 3, "tools_impl": {}}, "max_turns", "needs mocked tools"),
        ({"max_turns": 1}, "tools_impl", "set max_turns >= 2"),
        ({"tools_impl": {"get_weather": 3}}, "tools_impl.get_weather", "must be a function"),
        (
            {"tools_impl": {"get_weather": "nowhere.py:f"}},
            "tools_impl.get_weather",
            "no such file",
        ),
    ],
)
def test_bad_tool_loop_settings_are_one_line_errors(
    tmp_path: Path, options: dict[str, Any], field: str, message: str
) -> None:
    server = ToolServer(url="http://127.0.0.1:9/v1")  # never sent to
    with pytest.raises(SpecError, match=message) as caught:
        _sweep(tmp_path, server, **options)
    assert caught.value.field == field


def test_a_missing_tool_results_column_stops_the_run_before_sending(tmp_path: Path) -> None:
    with tool_server() as server:
        sweep = _sweep(tmp_path, server, tools_impl={}, tool_results="canned_results")
        with pytest.raises(SpecError, match="no column 'canned_results'") as caught:
            sweep.run(progress=False)
    assert caught.value.field == "tool_results" and server.bodies == []


def test_a_rescore_scores_the_tool_calls_from_the_journal(tmp_path: Path) -> None:
    with tool_server(tool_turns=10) as server:
        run = _sweep(tmp_path, server, max_turns=2).run(progress=False)
    run.rescore([tool_call("tool", arguments="args"), tool_args_valid()])
    scores = pd.read_parquet(run.path / "scores")
    valid = scores[scores["scorer"] == "tool_args_valid"]
    assert valid["score"].tolist() == [1.0] * 3
    # the same call in both turns: one expected, two made (F1 2/3), and the detail says so
    calls = scores[scores["scorer"] == "tool_call"]
    assert calls["score"].tolist() == pytest.approx([2 / 3] * 3)
    assert set(calls["detail"]) == {"1 extra call(s): get_weather, get_weather"}


def test_the_report_shows_an_answer_that_only_called_tools(tmp_path: Path) -> None:
    with tool_server(tool_turns=10) as server:
        run = _sweep(tmp_path, server, max_turns=2).run(progress=False)
    data = json.dumps(page_data(run.report(tmp_path / "report.html").read_text("utf-8")))
    assert json.dumps('→ get_weather({"city": "Lima"})\n→ get_weather({"city": "Lima"})') in data


def test_an_old_run_directory_reads_its_tool_columns_as_null(tmp_path: Path) -> None:
    rows = Run(old_run(tmp_path)).to_pandas()
    assert len(rows) and rows["tool_calls_json"].isna().all() and rows["turns"].isna().all()


def test_a_turn_that_fails_makes_an_error_row_that_keeps_the_turns_before(
    tmp_path: Path,
) -> None:
    with tool_server(refuse_turn=2, refuse_status=400) as server:
        run = _sweep(tmp_path, server).run(progress=False)
    rows = _rows(run)
    assert (rows["status"] == "error").all() and (rows["turns"] == 2).all()
    oslo = rows.loc["Oslo"]
    assert json.loads(str(oslo["tool_calls_json"])) == [
        {"name": "get_weather", "arguments": {"city": "Oslo"}, "turn": 1}
    ]
    assert [t["in_row"] for t in json.loads(str(oslo["turns_json"]))] == [False]
    # the answered first turns were billed: attempts of their own, in the run's spend
    totals = run.manifest["totals"]["all"]
    assert totals["billed_attempts_usd"] == pytest.approx(3 * COST_USD)
    assert totals["cost_usd"] == pytest.approx(sum(server.billed))
    assert _extra_billed(run.path) == [(MODEL, COST_USD)] * 3
