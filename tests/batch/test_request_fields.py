"""Request fields are checked before anything is sent: unknown names (with a did-you-mean),
wrong types and ranges (each grid value on its own), the `[params.extra]` passthrough, and
llama.cpp/vLLM samplers on URL endpoints (issue 12, Deliver 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep, load_spec
from orkit.errors import SpecError

ROWS = [{"id": "a", "question": "What is 1 + 1?", "answer": "2"}]


def sweep(**kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": ROWS,
        "models": ["openai/gpt-4o-mini"],
        "prompt": "{{ question }}",
        "endpoint": "sim",
    }
    return Sweep(**{**base, **kw})


def refused(**kw: Any) -> str:
    with pytest.raises(SpecError) as caught:
        sweep(**kw)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_misspelt_field_is_refused_with_a_did_you_mean() -> None:
    message = refused(params={"temprature": 0})
    assert "'params.temprature'" in message
    assert "did you mean 'temperature'?" in message
    assert "[params.extra]" in message


def test_a_wrong_type_for_temperature_is_refused_naming_the_value() -> None:
    message = refused(params={"temperature": "hot"})
    assert "'params.temperature'" in message and "'hot'" in message


GOOD: list[tuple[str, Any]] = [
    ("temperature", 0),
    ("temperature", 2.0),
    ("top_p", 1),
    ("top_k", 40),
    ("min_p", 0.05),
    ("frequency_penalty", -2),
    ("presence_penalty", 1.5),
    ("repetition_penalty", 1.1),
    ("max_tokens", 64),
    ("max_completion_tokens", 1),
    ("seed", -7),
    ("stop", "\n"),
    ("stop", ["a", "b"]),
    ("response_format", {"type": "json_object"}),
    ("response_format", {"type": "json_schema", "json_schema": {"name": "a", "schema": {}}}),
    ("tools", [{"type": "function", "function": {"name": "f", "parameters": {}}}]),
    ("tool_choice", "auto"),
    ("tool_choice", {"type": "function", "function": {"name": "f"}}),
    ("reasoning", {"effort": "low", "exclude": True}),
    ("logprobs", True),
    ("top_logprobs", 20),
    ("logit_bias", {"50256": -100}),
    ("provider", {"only": ["openai"], "data_collection": "deny", "max_price": {"prompt": "1"}}),
    ("provider", {"sort": {"by": "price", "partition": "none"}, "zdr": True}),
    ("models", ["openai/gpt-4o"]),
    ("user", "run-42"),
]

BAD: list[tuple[str, Any, str]] = [
    ("temperature", "hot", "a number from 0 to 2"),
    ("temperature", 2.5, "a number from 0 to 2"),
    ("temperature", True, "a number"),
    ("top_p", 0, "above 0"),
    ("top_k", 1.5, "an integer"),
    ("min_p", 2, "from 0 to 1"),
    ("frequency_penalty", 3, "from -2 to 2"),
    ("presence_penalty", "x", "from -2 to 2"),
    ("repetition_penalty", 0, "above 0"),
    ("max_tokens", 0, "an integer >= 1"),
    ("max_completion_tokens", "64", "an integer >= 1"),
    ("seed", 1.5, "an integer"),
    ("stop", ["a", "b", "c", "d", "e"], "up to 4 strings"),
    ("stop", 5, "a string or a list"),
    ("response_format", {"type": "json"}, "'json_object'"),
    ("response_format", {"type": "json_schema"}, "json_schema"),
    ("tools", [{"type": "function", "function": {}}], "name"),
    ("tools", {"type": "function"}, "a list of tool tables"),
    ("tool_choice", "always", "'none', 'auto', 'required'"),
    ("reasoning", {"effort": "huge"}, "effort"),
    ("reasoning", {"efort": "low"}, "did you mean 'effort'?"),
    ("logprobs", "yes", "true or false"),
    ("top_logprobs", 21, "from 0 to 20"),
    ("logit_bias", {"abc": 1}, "token ids"),
    ("logit_bias", {"1": 101}, "-100 to 100"),
    ("provider", {"Require_Parameters": True}, "did you mean 'require_parameters'?"),
    ("provider", {"data_collection": "no"}, "'allow', 'deny'"),
    ("provider", {"quantizations": ["fp9"]}, "did you mean 'fp8'?"),
    ("provider", {"zdr": 1}, "true or false"),
    ("provider", {"max_price": {"prompt": "cheap"}}, "USD per million tokens"),
    ("provider", "openai", "must be a table"),
    ("models", "openai/gpt-4o", "list of model ids"),
    ("models", [], "list of model ids"),
]


@pytest.mark.parametrize(("name", "value"), GOOD, ids=[f"{n}={v!r:.30}" for n, v in GOOD])
def test_a_well_formed_value_is_accepted(name: str, value: Any) -> None:
    assert sweep(params={name: value}).params[name] == value


@pytest.mark.parametrize(("name", "value", "said"), BAD, ids=[f"{n}={v!r:.30}" for n, v, _ in BAD])
def test_a_malformed_value_is_refused_naming_the_field(name: str, value: Any, said: str) -> None:
    message = refused(params={name: value})
    assert f"field 'params.{name}" in message  # nested rules name the key inside too
    assert said in message


def test_a_nested_problem_names_the_key_inside_the_value() -> None:
    assert "field 'params.provider.zdr': must be true or false" in refused(
        params={"provider": {"zdr": 1}}
    )
    assert "field 'params.tools[0].function'" in refused(params={"tools": [{"type": "function"}]})


def test_grid_values_are_checked_one_by_one() -> None:
    message = refused(grid={"temperature": [0, 0.7, 3]})
    assert "'grid.temperature'" in message and "got 3" in message
    assert "grid.temprature" in refused(grid={"temprature": [0, 1]})
    assert len(sweep(grid={"temperature": [0, 0.7, 2]}).param_sets()) == 3


def test_extra_fields_are_sent_on_the_body_top_level_unchecked() -> None:
    s = sweep(params={"temperature": 0, "extra": {"my_field": {"anything": [1]}}})
    assert s.param_sets() == [{"temperature": 0, "my_field": {"anything": [1]}}]


@pytest.mark.parametrize("name", ["temperature", "model", "stream"])
def test_extra_may_not_hold_a_known_or_reserved_field(name: str) -> None:
    message = refused(params={"extra": {name: 1}})
    assert f"'params.extra.{name}'" in message


def test_extra_must_be_a_table_and_cannot_be_swept() -> None:
    assert "must be a table" in refused(params={"extra": 5})
    assert "cannot be swept" in refused(grid={"extra": [{"a": 1}]})


def test_local_server_samplers_are_known_on_a_url_endpoint_only() -> None:
    local = {"top_k": 40, "min_p": 0.05, "repetition_penalty": 1.1, "repeat_penalty": 1.1}
    s = sweep(endpoint="http://127.0.0.1:9/v1", models=["local-model"], params=local)
    assert s.param_sets() == [local]
    message = refused(params={"repeat_penalty": 1.1})
    assert "llama.cpp/vLLM" in message and "[params.extra]" in message
    # known there, and so checked there
    with pytest.raises(SpecError, match=r"'params\.typical_p'"):
        sweep(endpoint="http://127.0.0.1:9/v1", models=["local-model"], params={"typical_p": 2})


def test_the_same_model_twice_is_refused() -> None:
    message = refused(models=["openai/gpt-4o-mini", "openai/gpt-4o-mini"])
    assert "'models'" in message and "'openai/gpt-4o-mini' is given twice" in message


def test_a_spec_file_names_itself_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text('{"id": "a", "question": "q", "answer": "a"}\n')
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'dataset = "q.jsonl"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\ntemperature = "hot"\n'
    )
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}, field 'params.temperature': must be")


def test_params_extra_round_trips_through_toml(tmp_path: Path) -> None:
    s = sweep(params={"max_tokens": 8, "extra": {"cache_prompt": True}})
    (tmp_path / "spec.toml").write_text(s.to_toml())
    again = load_spec(tmp_path / "spec.toml")
    assert again.param_sets() == s.param_sets() == [{"max_tokens": 8, "cache_prompt": True}]
