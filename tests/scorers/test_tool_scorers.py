"""`tool_call` and `tool_args_valid`: what they score from a row's `tool_calls_json`, what
their detail says, and their spec form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from orkit.errors import ConfigError, SpecError
from orkit.scorers import (
    score_answer,
    scorer_from_spec,
    scorer_spec,
    tool_args_valid,
    tool_call,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
CLOCK = {"type": "function", "function": {"name": "get_time"}}  # no parameters


def calls(*pairs: tuple[str, Any]) -> str:
    return json.dumps([{"name": n, "arguments": a} for n, a in pairs])


PARIS = calls(("get_weather", {"city": "Paris", "days": 2}))


# ---------------------------------------------------------------- tool_call, one call


def test_the_expected_tool_with_a_subset_of_its_arguments_passes() -> None:
    scorer = tool_call("tool", arguments="args")
    score = scorer(PARIS, {"tool": "get_weather", "args": {"city": "Paris"}})
    assert score is not None and score.value == 1.0 and score.passed
    assert json.loads(score.expected or "") == [
        {"name": "get_weather", "arguments": {"city": "Paris"}}
    ]


def test_exact_arguments_fail_on_a_key_not_expected_and_say_which() -> None:
    scorer = tool_call("tool", arguments="args", match="exact")
    score = scorer(PARIS, {"tool": "get_weather", "args": {"city": "Paris"}})
    assert score is not None and score.value == 0.0 and not score.passed
    assert score.detail == "get_weather arguments (exact): $.days: not expected"
    exact = scorer(PARIS, {"tool": "get_weather", "args": {"city": "Paris", "days": 2}})
    assert exact is not None and exact.passed


def test_a_wrong_argument_value_is_named_with_its_path() -> None:
    score = tool_call("tool", arguments="args")(
        PARIS, {"tool": "get_weather", "args": '{"city": "Rome"}'}
    )
    assert score is not None and score.value == 0.0
    assert score.detail == 'get_weather arguments (subset): $.city: expected "Rome", got "Paris"'


def test_true_is_not_1_and_1_is_1_0() -> None:
    scorer = tool_call("tool", arguments="args")
    answer = calls(("f", {"flag": 1, "n": 1.0}))
    assert scorer(answer, {"tool": "f", "args": {"flag": True}}).passed is False  # type: ignore[union-attr]
    assert scorer(answer, {"tool": "f", "args": {"n": 1}}).passed is True  # type: ignore[union-attr]


def test_the_tool_is_a_literal_name_when_the_dataset_has_no_such_column() -> None:
    scorer = tool_call("get_weather")
    assert scorer(PARIS, {"question": "?"}).passed is True  # type: ignore[union-attr]
    other = scorer(calls(("get_time", {})), {"question": "?"})
    assert other is not None and other.value == 0.0
    assert other.detail == "get_weather not called (called get_time)"


def test_no_tool_call_and_a_null_expectation() -> None:
    scorer = tool_call("tool", arguments="args")
    missing = scorer(None, {"tool": "get_weather", "args": {}})
    assert missing is not None and missing.value == 0.0
    assert missing.detail == "no tool call (expected get_weather)"
    assert scorer(PARIS, {"tool": None, "args": None}) is None  # the item expects nothing


def test_an_extra_call_halves_precision() -> None:
    answer = calls(("get_weather", {"city": "Paris"}), ("get_time", ""))
    score = tool_call("get_weather")(answer, {})
    assert score is not None and score.value == pytest.approx(2 / 3) and not score.passed
    assert score.detail == "1 extra call(s): get_weather, get_time"


def test_empty_string_arguments_are_an_empty_object() -> None:
    score = tool_call("tool", arguments="args", match="exact")(
        calls(("get_time", "")), {"tool": "get_time", "args": {}}
    )
    assert score is not None and score.passed


# ---------------------------------------------------------------- tool_call, several


def test_f1_over_several_expected_calls() -> None:
    expected = [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Oslo"}},
        {"name": "get_time", "arguments": {}},
    ]
    answer = calls(("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Lima"}))
    score = tool_call(calls="expected")(answer, {"expected": json.dumps(expected)})
    # 1 of 2 answer calls matched (precision 1/2), 1 of 3 expected (recall 1/3)
    assert score is not None and score.value == pytest.approx(
        2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3)
    )
    assert score.detail is not None and score.detail.startswith("get_weather arguments (subset)")


def test_each_answer_call_pairs_with_one_expectation_at_best() -> None:
    """A greedy pairing would give the loose expectation the only call the strict one fits."""
    expected = [
        {"name": "f", "arguments": {}},
        {"name": "f", "arguments": {"x": 1}},
    ]
    answer = calls(("f", {"x": 1}), ("f", {"y": 2}))
    score = tool_call(calls="expected")(answer, {"expected": expected})
    assert score is not None and score.value == 1.0 and score.passed


def test_an_empty_list_expects_no_call() -> None:
    scorer = tool_call(calls="expected")
    assert scorer(None, {"expected": []}).passed is True  # type: ignore[union-attr]
    called = scorer(PARIS, {"expected": []})
    assert called is not None and called.value == 0.0
    assert called.detail == "a tool was called, none expected"


def test_unreadable_expectations_and_answers() -> None:
    bad = tool_call(calls="expected")(PARIS, {"expected": "not json"})
    assert bad is not None and bad.value is None and bad.detail is not None
    unreadable = tool_call("get_weather")("[not json", {})
    assert unreadable is not None and unreadable.value == 0.0
    assert (unreadable.detail or "").startswith("tool calls unreadable")


def test_bad_options_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="give tool"):
        tool_call()
    with pytest.raises(ConfigError, match="give tool"):
        tool_call("t", calls="c")
    with pytest.raises(ConfigError, match="inside each of `calls`"):
        tool_call(calls="c", arguments="a")
    with pytest.raises(ConfigError, match="subset' or 'exact"):
        tool_call("t", match="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="unknown scorer kind 'tool_cal'; did you mean 'tool_call'"):
        scorer_from_spec({"kind": "tool_cal"})


def test_the_spec_form_builds_the_same_scorer() -> None:
    spec = {
        "kind": "tool_call",
        "tool": "tool",
        "arguments": "args",
        "match": "exact",
        "name": "tc",
    }
    built = scorer_from_spec(spec)
    assert built.name == "tc" and scorer_spec(built) == spec
    assert scorer_spec(scorer_from_spec(scorer_spec(built))) == spec


def test_in_a_run_it_reads_the_rows_tool_calls() -> None:
    row = {"output_text": "", "tool_calls_json": PARIS}
    score = score_answer(tool_call("get_weather"), row, {})
    assert score is not None and score.passed


# ---------------------------------------------------------------- tool_args_valid


def test_valid_arguments_against_the_offered_tools_schema() -> None:
    scorer = tool_args_valid(tools=[WEATHER, CLOCK])
    score = scorer(calls(("get_weather", {"city": "Paris"}), ("get_time", "")), {})
    assert score is not None and score.value == 1.0 and score.passed


def test_each_invalid_call_is_named_with_why() -> None:
    scorer = tool_args_valid(tools=[WEATHER])
    answer = calls(
        ("get_weather", {"city": "Paris"}),
        ("get_weather", {"city": 3}),
        ("get_weather", '{"city": "Par'),
        ("get_forecast", {}),
    )
    score = scorer(answer, {})
    assert score is not None and score.value == 0.25 and not score.passed
    parts = (score.detail or "").split("; ")
    assert parts[0] == "get_weather: $.city: 3 is not of type 'string'"
    assert parts[1].startswith("get_weather: arguments are not JSON")
    assert parts[2] == "get_forecast: not one of the offered tools (get_weather)"


def test_the_tools_offered_come_from_the_rows_params() -> None:
    row = {
        "tool_calls_json": calls(("get_weather", {"town": "Paris"})),
        "params_json": json.dumps({"tools": [WEATHER]}),
    }
    score = score_answer(tool_args_valid(), row, {})
    assert score is not None and score.value == 0.0
    assert "'city' is a required property" in (score.detail or "")
    no_tools = score_answer(tool_args_valid(), {**row, "params_json": "{}"}, {})
    assert no_tools is not None and no_tools.value is None


def test_rows_without_a_tool_call_are_not_scored() -> None:
    assert tool_args_valid(tools=[WEATHER])(None, {}) is None
    assert (
        score_answer(tool_args_valid(), {"tool_calls_json": None, "params_json": "{}"}, {}) is None
    )


def test_a_broken_schema_or_no_function_fails_where_the_scorer_is_made() -> None:
    broken = {"type": "function", "function": {"name": "f", "parameters": {"type": 12}}}
    with pytest.raises(ConfigError, match="scorer tool_args_valid: invalid schema"):
        tool_args_valid(tools=[broken])
    with pytest.raises(ConfigError, match="names no function"):
        tool_args_valid(tools=[{"type": "function"}])
    with pytest.raises(ConfigError, match="a list of tool definitions"):
        tool_args_valid(tools="get_weather")


def test_tool_args_valid_spec_round_trip() -> None:
    spec = {"kind": "tool_args_valid", "tools": [WEATHER]}
    built = scorer_from_spec(spec)
    assert scorer_spec(built) == spec
    assert scorer_spec(scorer_from_spec({"kind": "tool_args_valid"})) == {"kind": "tool_args_valid"}
