"""Tool calls end to end against the emulator (issue 17's parts together): the emulator
calls the offered tool, the client reads the call (streamed or not), the row records it,
the scorers score it, and a `max_turns` loop with a mocked tool ends in an answer that
relays the tool's result, each turn recorded and the run's spend equal to the emulator's
bill."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit import Run, Sweep
from orkit.data import PromptTemplate
from orkit.scorers import tool_args_valid, tool_call
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

pytestmark = pytest.mark.integration

MODEL = "openai/gpt-4o-mini"
CITIES = ["Paris", "Oslo", "Lima", "Rome", "Kyiv", "Quito", "Accra", "Dakar", "Hanoi", "Seoul"]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
FORCED = {"type": "function", "function": {"name": "get_weather"}}


def get_weather(city: str) -> dict[str, Any]:
    """The mocked tool (module level: a resume imports it back by name)."""
    return {"city": city, "sky": "sunny", "temp_c": 21}


def _items(cities: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": c,
            "question": f"What is the weather in {c}?",
            "tool": "get_weather",
            "args": {"city": c},
            "canned": {"get_weather": {"city": c, "sky": "rain"}},
        }
        for c in cities
    ]


@pytest.fixture
def sim_url() -> Iterator[str]:
    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        yield url


def _sweep(tmp_path: Path, url: str, params: dict[str, Any], **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": _items(CITIES[:3]),
        "models": [MODEL],
        "prompt": "{{ question }}",
        "params": {"tools": [WEATHER_TOOL], "max_tokens": 100, **params},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "cache": False,
        "scorers": [tool_call("tool", arguments="args"), tool_args_valid()],
    }
    return Sweep(**{**base, **kw})


def _billed(url: str) -> float:
    root = url.rsplit("/api/v1", 1)[0]
    return float(httpx.get(f"{root}/_sim/stats").json()["billed_total_usd"])


def _go(sweep: Sweep) -> tuple[Run, pd.DataFrame, pd.DataFrame]:
    run = sweep.run(api_key=SIM_API_KEY, progress=False)
    results = pd.read_parquet(run.path / "results").set_index("item_id")
    return run, results, pd.read_parquet(run.path / "scores")


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "unstreamed"])
@pytest.mark.parametrize("choice", [FORCED, "required"], ids=["forced", "required"])
def test_a_forced_or_required_tool_choice_gives_rows_with_valid_calls(
    tmp_path: Path, sim_url: str, stream: bool, choice: object
) -> None:
    run, rows, scores = _go(_sweep(tmp_path, sim_url, {"tool_choice": choice}, stream=stream))
    assert (rows["status"] == "ok").all() and (rows["finish_reason"] == "tool_calls").all()
    for city in CITIES[:3]:
        calls = json.loads(str(rows.loc[city, "tool_calls_json"]))
        assert calls == [{"name": "get_weather", "arguments": {"city": city}}]
    # both scorers score every row, and every call is right
    assert len(scores) == 6 and (scores["score"] == 1.0).all()
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(_billed(sim_url))


def test_invalid_arguments_from_the_emulator_fail_the_scorers(tmp_path: Path) -> None:
    config = SimConfig(time_scale=0.0, tool_args_invalid_rate=0.5, seed=3)
    with serve_in_thread(config) as url:
        sweep = _sweep(tmp_path, url, {"tool_choice": "required"}, dataset=_items(CITIES))
        _, rows, scores = _go(sweep)
    assert (rows["finish_reason"] == "tool_calls").all()
    valid = scores[scores["scorer"] == "tool_args_valid"].set_index("item_id")["score"]
    right = scores[scores["scorer"] == "tool_call"].set_index("item_id")["score"]
    assert len(valid) == len(CITIES) and 0.0 < valid.mean() < 1.0
    # a call whose arguments break the schema (the required city dropped) is also wrong
    assert (right[valid < 1] == 0.0).all() and (right[valid == 1] == 1.0).all()
    broken = scores[(scores["scorer"] == "tool_args_valid") & (scores["score"] < 1)]
    assert broken["detail"].str.startswith("get_weather: ").all()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "unstreamed"])
def test_a_tool_loop_with_a_python_mock_answers_with_its_result(
    tmp_path: Path, sim_url: str, stream: bool
) -> None:
    sweep = _sweep(
        tmp_path, sim_url, {}, stream=stream, max_turns=3, tools_impl={"get_weather": get_weather}
    )
    run, rows, scores = _go(sweep)
    assert (rows["status"] == "ok").all() and (rows["turns"] == 2).all()
    assert (rows["finish_reason"] == "stop").all()
    paris = rows.loc["Paris"]
    # the emulator relays the tool's result: the answer uses what the mock returned
    assert json.loads(str(paris["output_text"])) == get_weather("Paris")
    assert json.loads(str(paris["tool_calls_json"])) == [
        {"name": "get_weather", "arguments": {"city": "Paris"}, "turn": 1}
    ]
    turns = json.loads(str(paris["turns_json"]))
    assert [t["finish_reason"] for t in turns] == ["tool_calls", "stop"]
    assert turns[0]["tool_results"] == [
        {"name": "get_weather", "content": json.dumps(get_weather("Paris"))}
    ]
    assert paris["cost_usd"] == pytest.approx(sum(t["cost_usd"] for t in turns))
    assert paris["prompt_tokens"] == sum(t["prompt_tokens"] for t in turns)
    assert (scores["score"] == 1.0).all() and len(scores) == 6
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(_billed(sim_url))


def test_a_tool_loop_with_canned_results_from_a_column(tmp_path: Path, sim_url: str) -> None:
    run, rows, _ = _go(_sweep(tmp_path, sim_url, {}, max_turns=3, tool_results="canned"))
    assert (rows["turns"] == 2).all() and (rows["finish_reason"] == "stop").all()
    for city in CITIES[:3]:
        assert json.loads(str(rows.loc[city, "output_text"])) == {"city": city, "sky": "rain"}
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(_billed(sim_url))


def test_tool_choice_none_answers_text_and_nothing_is_scored(tmp_path: Path, sim_url: str) -> None:
    _, rows, scores = _go(_sweep(tmp_path, sim_url, {"tool_choice": "none"}))
    assert rows["tool_calls_json"].isna().all() and (rows["finish_reason"] != "tool_calls").all()
    # tool_call expects a call the model did not make; tool_args_valid has nothing to check
    assert scores["scorer"].tolist() == ["tool_call"] * 3 and (scores["score"] == 0.0).all()
    assert scores["detail"].eq("no tool call (expected get_weather)").all()


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "unstreamed"])
def test_a_chat_row_holding_a_call_and_its_result_gets_the_answer(
    tmp_path: Path, sim_url: str, stream: bool
) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    }
    conversation = [
        {"role": "user", "content": "What is the weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "snow"}'},
    ]
    sweep = _sweep(
        tmp_path,
        sim_url,
        {},
        dataset=[{"id": "a", "conv": conversation}],
        prompt=PromptTemplate(messages="conv"),
        stream=stream,
        scorers=[],
    )
    _, rows, _ = _go(sweep)
    row = rows.loc["a"]
    # the dataset's call and result went as they are: the model answers from the result
    assert row["status"] == "ok" and row["finish_reason"] == "stop"
    assert json.loads(str(row["output_text"])) == {"sky": "snow"}
    assert rows["tool_calls_json"].isna().all() and (rows["turns"] == 1).all()
    sent = json.loads(str(row["messages_json"]))
    assert sent[1]["tool_calls"][0]["id"] == "call_1" and sent[2]["role"] == "tool"
