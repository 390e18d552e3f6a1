"""Structured outputs as a sweep setting (issue 17, Deliver 4): `[response_format]` in a spec
and `response_format=` in Python, checked at load (JSON Schema, strict mode's rules), sent in
OpenAI's shape as part of every task's params, the `json_schema` scorer reading the same
schema by default, and the catalog's `structured_outputs` with `require_parameters`."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from orkit import Sweep, load_spec
from orkit.api import json_object, json_schema
from orkit.errors import SpecError
from orkit.plan import param_warnings, prepare, resolve_endpoint
from orkit.scorers import Score, Scorer

from .replay_server import fixture_json, replay_server

ROWS = [{"id": "q1", "question": "Capital of France?", "city": "Paris"}]
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}
STRUCTURED = "openai/gpt-4o-mini"  # catalog: response_format and structured_outputs
JSON_MODE_ONLY = "aion-labs/aion-3.0-mini"  # response_format, no structured_outputs
NEITHER = "poolside/laguna-s-2.1"


def sweep(tmp_path: Path, **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": ROWS,
        "models": [STRUCTURED],
        "prompt": "{{ question }}",
        "endpoint": "sim",
        "out": str(tmp_path / "runs"),
    }
    return Sweep(**{**base, **kw})


def write_spec(tmp_path: Path, body: str) -> Path:
    (tmp_path / "items.jsonl").write_text(json.dumps(ROWS[0]) + "\n")
    spec = tmp_path / "spec.toml"
    head = 'dataset = "items.jsonl"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n'
    spec.write_text(head + '[prompt]\ntemplate = "{{ question }}"\n' + textwrap.dedent(body))
    return spec


def sent(s: Sweep) -> Any:
    (params,) = s.param_sets()
    return params["response_format"]


# ---------------------------------------------------------------- the spec


def test_a_schema_file_next_to_the_spec_is_sent_in_openais_shape(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "answer.json").write_text(json.dumps(SCHEMA))
    spec = write_spec(tmp_path, '[response_format]\nschema = "schemas/answer.json"\n')
    s = load_spec(spec)
    assert sent(s) == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "strict": True, "schema": SCHEMA},
    }
    # written back inline: the run directory keeps the schema, not a path to it
    again = load_spec_text(tmp_path, s.to_toml())
    assert again.param_sets() == s.param_sets()


def load_spec_text(tmp_path: Path, text: str) -> Sweep:
    path = tmp_path / "again.toml"
    path.write_text(text)
    return load_spec(path)


def test_an_inline_table_with_name_and_json_object(tmp_path: Path) -> None:
    spec = write_spec(
        tmp_path,
        """
        [response_format]
        type = "json_schema"
        name = "city_answer"
        strict = false
        [response_format.schema]
        type = "object"
        properties = {city = {type = "string"}}
        """,
    )
    body = sent(load_spec(spec))
    assert body["json_schema"]["name"] == "city_answer" and body["json_schema"]["strict"] is False
    mode = write_spec(tmp_path, '[response_format]\ntype = "json_object"\n')
    assert sent(load_spec(mode)) == {"type": "json_object"}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ('[response_format]\nshema = "a.json"\n', "response_format.shema", "did you mean 'schema'"),
        ('[response_format]\ntype = "json_schema"\n', "response_format.schema", "needs a schema"),
        ('[response_format]\ntype = "xml"\n', "response_format.type", "'json_schema' or"),
        ('[response_format]\nschema = "missing.json"\n', "response_format.schema", "cannot read"),
        (
            '[response_format]\ntype = "json_object"\nschema = "a.json"\n',
            "response_format",
            "takes no schema",
        ),
        (
            '[response_format]\n[response_format.schema]\ntype = "no-such-type"\n',
            "response_format.schema",
            "not a valid JSON Schema",
        ),
        (
            '[response_format]\nname = "has space"\n[response_format.schema]\ntype = "object"\n',
            "response_format.name",
            "letters, digits",
        ),
    ],
)
def test_a_bad_table_is_one_line_naming_file_and_field(
    tmp_path: Path, body: str, field: str, words: str
) -> None:
    spec = write_spec(tmp_path, body)
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    message = str(caught.value)
    assert str(spec) in message and f"field {field!r}" in message and words in message
    assert "\n" not in message


def test_a_schema_file_that_is_not_json_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"type": "object",\n  nope}')
    spec = write_spec(tmp_path, '[response_format]\nschema = "broken.json"\n')
    with pytest.raises(SpecError, match=r"broken.json is not JSON: .*line 2"):
        load_spec(spec)


# ---------------------------------------------------------------- strict mode


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"type": "array", "items": {"type": "string"}}, "an object at the root"),
        (
            {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            "additionalProperties = false on every object (at $)",
        ),
        (
            {**SCHEMA, "properties": {"city": {"type": "string"}, "n": {"type": "integer"}}},
            "every property in required (at $: n missing)",
        ),
        (
            {
                **SCHEMA,
                "properties": {"where": {"$ref": "#/$defs/Place"}},
                "required": ["where"],
                "$defs": {"Place": {"type": "object", "properties": {"x": {"type": "string"}}}},
            },
            "(at $.$defs.Place)",
        ),
        (
            {
                **SCHEMA,
                "properties": {"all": {"type": "array", "items": {"type": "object"}}},
                "required": ["all"],
            },
            "(at $.properties.all.items)",
        ),
    ],
)
def test_strict_mode_rules_are_checked_and_named(
    tmp_path: Path, schema: dict[str, Any], words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        sweep(tmp_path, response_format={"type": "json_schema", "schema": schema})
    assert "'response_format.schema'" in str(caught.value) and words in str(caught.value)
    assert "strict = false" in str(caught.value)  # the way out is named
    loose = sweep(tmp_path, response_format={"schema": schema, "strict": False})
    assert sent(loose)["json_schema"]["strict"] is False


def test_a_raw_params_response_format_gets_the_same_checks(tmp_path: Path) -> None:
    inner: dict[str, Any] = {"name": "a", "strict": True}
    inner["schema"] = {"type": "object", "properties": {"a": {"type": "string"}}}
    wire = {"type": "json_schema", "json_schema": inner}
    with pytest.raises(SpecError, match=r"'params.response_format'.*additionalProperties"):
        sweep(tmp_path, params={"response_format": wire})
    inner["schema"] = SCHEMA
    assert sent(sweep(tmp_path, params={"response_format": wire})) == wire


def test_given_twice_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"'params.response_format'.*one place"):
        sweep(tmp_path, response_format=json_object(), params={"response_format": {"type": "text"}})


# ---------------------------------------------------------------- Python


class Answer(BaseModel):
    city: str
    population: int | None = None


def test_a_pydantic_model_is_made_strict_as_openais_sdk_makes_it(tmp_path: Path) -> None:
    s = sweep(tmp_path, response_format=json_schema(Answer))
    inner = sent(s)["json_schema"]
    assert inner["name"] == "Answer" and inner["strict"] is True
    assert inner["schema"]["additionalProperties"] is False
    assert inner["schema"]["required"] == ["city", "population"]
    # a class alone means the same; the spec form keeps the schema (JSON text: it has a null)
    assert sent(sweep(tmp_path, response_format=Answer)) == sent(s)
    assert load_spec_text(tmp_path, s.to_toml()).param_sets() == s.param_sets()


def test_a_dict_a_path_and_json_text_are_the_same_format(tmp_path: Path) -> None:
    path = tmp_path / "answer.json"
    path.write_text(json.dumps(SCHEMA))
    forms = [json_schema(SCHEMA, name="answer"), json_schema(path), json_schema(json.dumps(SCHEMA))]
    bodies = [f.to_body() for f in forms]
    assert bodies[0] == bodies[1]
    assert bodies[2]["json_schema"]["name"] == "response"  # no name to take: the default
    with pytest.raises(SpecError, match="additionalProperties"):
        json_schema({"type": "object", "properties": {}})


# ---------------------------------------------------------------- task keys


def first_key(s: Sweep) -> str:
    return next(iter(itertools.islice(s.tasks(), 1))).key


def test_the_schema_is_part_of_each_task_key(tmp_path: Path) -> None:
    one = sweep(tmp_path, response_format=json_schema(SCHEMA))
    same = sweep(tmp_path, response_format={"schema": dict(SCHEMA)})
    other = {**SCHEMA, "properties": {"city": {"type": "string", "maxLength": 40}}}
    changed = sweep(tmp_path, response_format=json_schema(other))
    assert first_key(one) == first_key(same)
    assert first_key(one) != first_key(changed) != first_key(sweep(tmp_path))


# ---------------------------------------------------------------- the scorer


def score_with(s: Sweep, output: str) -> Score:
    scorer = s.scorer_objects[0]
    assert isinstance(scorer, Scorer)
    score = scorer(output, {})
    assert score is not None
    return score


def test_the_json_schema_scorer_reads_the_sweeps_schema_by_default(tmp_path: Path) -> None:
    s = sweep(tmp_path, response_format=json_schema(SCHEMA), scorers=[{"kind": "json_schema"}])
    assert score_with(s, '{"city": "Paris"}').passed
    wrong = score_with(s, '{"city": 3}')
    assert wrong.passed is False and "$.city" in (wrong.detail or "")
    assert s.to_spec()["scorers"] == [{"kind": "json_schema"}]  # a resume binds it again
    # an explicit schema still wins
    own = {"type": "object", "required": ["n"]}
    explicit = sweep(
        tmp_path,
        response_format=json_schema(SCHEMA),
        scorers=[{"kind": "json_schema", "schema": own}],
    )
    assert score_with(explicit, '{"city": "Paris"}').passed is False


def test_without_a_schema_to_read_the_scorer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"scorers\[0\].*sends no response_format schema"):
        sweep(tmp_path, scorers=[{"kind": "json_schema"}])
    with pytest.raises(SpecError, match="sends no response_format schema"):
        sweep(tmp_path, response_format=json_object(), scorers=[{"kind": "json_schema"}])
    other = {**SCHEMA, "properties": {"city": {"type": "integer"}}}
    wires = [json_schema(x).to_body() for x in (SCHEMA, other)]
    with pytest.raises(SpecError, match="2 response_format schemas"):
        sweep(tmp_path, grid={"response_format": wires}, scorers=[{"kind": "json_schema"}])


# ---------------------------------------------------------------- the catalog


def test_a_model_without_structured_outputs_is_a_warning_naming_require_parameters(
    tmp_path: Path,
) -> None:
    s = sweep(tmp_path, models=[JSON_MODE_ONLY], response_format=json_schema(SCHEMA))
    (warning,) = param_warnings(s, resolve_endpoint("sim"))
    assert f"{JSON_MODE_ONLY} does not support structured_outputs" in warning
    assert "provider.require_parameters = true" in warning
    # JSON mode needs only response_format, which it has
    assert (
        param_warnings(
            sweep(tmp_path, models=[JSON_MODE_ONLY], response_format=json_object()),
            resolve_endpoint("sim"),
        )
        == []
    )
    none = sweep(tmp_path, models=[NEITHER], response_format=json_object())
    assert "does not support response_format" in param_warnings(none, resolve_endpoint("sim"))[0]


def test_with_require_parameters_a_model_without_it_is_refused_before_sending(
    tmp_path: Path,
) -> None:
    s = sweep(
        tmp_path,
        models=[STRUCTURED, JSON_MODE_ONLY],
        response_format=json_schema(SCHEMA),
        params={"provider": {"require_parameters": True}},
    )
    with pytest.raises(SpecError) as caught:
        prepare(s)
    assert f"model {JSON_MODE_ONLY!r} does not support structured_outputs" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_model_with_it_gets_the_advice_until_require_parameters_is_set(tmp_path: Path) -> None:
    loose = sweep(tmp_path, response_format=json_schema(SCHEMA))
    (advice,) = param_warnings(loose, resolve_endpoint("sim"))
    assert STRUCTURED in advice and "provider.require_parameters = true" in advice
    pinned = sweep(
        tmp_path,
        response_format=json_schema(SCHEMA),
        params={"provider": {"require_parameters": True}},
    )
    assert param_warnings(pinned, resolve_endpoint("sim")) == []
    assert param_warnings(loose, resolve_endpoint("http://127.0.0.1:9/v1")) == []  # no catalog


# ---------------------------------------------------------------- sent and scored


def test_a_run_sends_the_schema_and_scores_the_captured_answer_against_it(
    tmp_path: Path,
) -> None:
    person = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    captured = fixture_json("chat-ok-json-schema-output.json")  # {"name":"John","age":30}
    with replay_server(lambda body: captured, [STRUCTURED]) as (url, app):
        run = sweep(
            tmp_path,
            endpoint=url,
            stream=False,
            response_format=json_schema(person, name="person"),
            scorers=[
                {"kind": "json_schema"},
                {
                    "kind": "json_schema",
                    "name": "age_text",
                    "schema": {"properties": {"age": {"type": "string"}}},
                },
            ],
        ).run()
    (body,) = app.bodies
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "person", "strict": True, "schema": person},
    }
    summary = run.summary()
    assert summary["score_json_schema"].iloc[0] == 1.0  # the sweep's schema
    assert summary["score_age_text"].iloc[0] == 0.0  # its own schema wins
    (row,) = run.to_pandas().to_dict("records")
    assert json.loads(row["params_json"])["response_format"] == body["response_format"]
    # the run's own scorers rebuilt from its manifest, and one given to the re-score, read
    # the schema the run kept (inline in its spec): nothing is sent
    again = run.rescore([{"kind": "json_schema", "name": "again"}], keep=True).summary()
    assert again["score_again"].iloc[0] == 1.0
    assert run.rescore().summary()["score_json_schema"].iloc[0] == 1.0
    assert len(app.bodies) == 1
