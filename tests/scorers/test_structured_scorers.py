"""Multiple-choice extraction, JSON validity, JSON Schema conformance and custom Python
scorers (sync, async, by reference, from a file), each through its spec form too."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep, load_spec
from orkit.errors import ConfigError, SpecError
from orkit.scorers import (
    AsyncScorer,
    Score,
    Scorer,
    as_scorer,
    extract_choice,
    json_schema,
    json_valid,
    multiple_choice,
    python,
    scorer_from_spec,
    scorer_spec,
    split_scorers,
)


def scored(score: Score | None) -> Score:
    """The score of a scorer that applies here (None would mean it does not)."""
    assert score is not None
    return score


@pytest.mark.parametrize(
    ("output", "choice"),
    [
        ("The answer is (B)", "B"),
        ("B", "B"),
        ("(C).", "C"),
        ("**D**", "D"),
        ("B) Paris", "B"),
        ("C. Rome is the capital of Italy.", "C"),
        ("Answer: **C**", "C"),
        ("Final answer: (A)", "A"),
        ("the answer is d", "D"),
        ("The correct option is C.", "C"),
        ("Let me think. A is wrong and so is B. I choose C.", "C"),
        ("After comparing them, I'd go with D here.", "D"),
        ("A good answer would mention Paris, so: B", "B"),
        ("A capital city is large.", None),
        ("Maybe A, maybe B.", None),
        ("", None),
    ],
)
def test_choice_extraction(output: str, choice: str | None) -> None:
    assert extract_choice(output, "ABCD") == choice


def test_multiple_choice_scores_against_letters_and_indices() -> None:
    mc = multiple_choice()
    assert mc("The answer is (B).", {"answer": "B"}) == Score(
        1.0, passed=True, expected="B", detail="chose B"
    )
    assert scored(mc("The answer is (B).", {"answer": "(c)"})).passed is False
    assert scored(mc("B", {"answer": 1})).passed is True  # a 0-based index, as in MMLU on the Hub
    miss = mc("I am not sure.", {"answer": "A"})
    assert miss is not None and miss.passed is False
    assert miss.detail == "no choice found in the output"
    assert mc("B", {"answer": "Z"}) is None  # not one of the choices: does not apply
    assert mc("B", {}) is None


def test_multiple_choice_with_custom_choices() -> None:
    mc = multiple_choice("label", choices=["1", "2", "3"], name="mc3")
    assert mc.name == "mc3"
    assert scored(mc("Option 2 is right", {"label": "2"})).passed is True
    assert scored(multiple_choice(choices="ABCDE")("E", {"answer": "E"})).passed is True
    with pytest.raises(ConfigError, match="choices repeat"):
        multiple_choice(choices="AAB")


def test_json_valid() -> None:
    check = json_valid()
    assert scored(check('{"a": 1}', {})).passed is True
    assert scored(check("```json\n[1, 2]\n```", {})).passed is True
    bad = scored(check('{"a": 1,}', {}))
    assert bad.passed is False and bad.detail is not None and "line 1" in bad.detail
    assert scored(json_valid(allow_fence=False)("```json\n{}\n```", {})).passed is False
    assert scored(check("", {})).detail == "empty output"


PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
    "additionalProperties": False,
}


def test_json_schema_conformance_with_error_paths() -> None:
    check = json_schema(PERSON)
    assert scored(check('{"name": "Alice", "age": 30}', {})).passed is True
    wrong = scored(check('{"name": "Alice", "age": "thirty", "x": 1}', {}))
    assert wrong.passed is False and wrong.detail is not None
    assert "$.age: 'thirty' is not of type 'integer'" in wrong.detail
    assert "Additional properties" in wrong.detail
    not_json = scored(check("not json", {}))
    assert not_json.detail is not None and not_json.detail.startswith("not JSON")


def test_json_schema_accepts_a_response_format_and_per_item_schemas() -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "person", "strict": True, "schema": PERSON},
    }
    assert scored(json_schema(response_format)('{"name": "A", "age": 1}', {})).passed is True
    per_item = json_schema(schema_field="schema")
    assert scored(per_item('{"n": 1}', {"schema": '{"type": "object", "required": ["n"]}'})).passed
    assert scored(per_item('{"n": 1}', {"schema": {"required": ["m"]}})).passed is False
    assert per_item("{}", {}) is None  # no schema on this item
    assert scored(per_item("{}", {"schema": "{nope"})).value is None  # broken item schema: no score


def test_json_schema_rejects_bad_schemas_up_front() -> None:
    with pytest.raises(ConfigError, match="invalid schema"):
        json_schema({"type": "no-such-type"})
    with pytest.raises(ConfigError, match="not both"):
        json_schema({"type": "object"}, schema_field="schema")
    # given neither, it waits for the sweep's response_format schema, and scores nothing alone
    unbound = json_schema()
    assert unbound.uses_default_schema
    assert scored(unbound("{}", {})).value is None
    with pytest.raises(SpecError, match=r"scorers.*invalid schema"):
        scorer_from_spec({"kind": "json_schema", "schema": '{"type": 3}'})


def shorter_than_ten(output: str | None) -> bool:
    return len(output or "") < 10


async def async_length(output: str | None, fields: dict[str, Any]) -> float:
    return float(len(output or ""))


def test_python_scorers_sync_and_async() -> None:
    sync = python(shorter_than_ten)
    assert isinstance(sync, Scorer) and sync.name == "shorter_than_ten"
    assert sync("short", {}) == Score(1.0, passed=True)
    slow = python(async_length, name="length")
    assert isinstance(slow, AsyncScorer) and not isinstance(slow, Scorer)
    inline, deferred = split_scorers([sync, slow])
    assert inline == [sync] and deferred == [slow]


async def test_async_python_scorer_runs_and_failures_become_null_scores() -> None:
    assert (await python(async_length).score("abc", {})) == Score(3.0)

    def broken(output, fields):
        raise KeyError("missing")

    score = python(broken)("x", {})
    assert score is not None and score.value is None
    assert score.detail == "scorer raised KeyError: 'missing'"
    assert python(lambda o: "text")("x", {}).detail.startswith("scorer returned str")
    assert python(lambda o: None)("x", {}) is None


def test_python_scorer_by_reference_round_trips() -> None:
    scorer = python(f"{__name__}:shorter_than_ten")
    assert scorer("tiny", {}).passed is True
    assert scorer_spec(scorer) == {
        "kind": "python",
        "function": f"{__name__}:shorter_than_ten",
        "name": "shorter_than_ten",
    }
    rebuilt = scorer_from_spec(scorer_spec(python(shorter_than_ten)))
    assert rebuilt("a very long answer indeed", {}).passed is False


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("no_colon", "must be 'module:attr'"),
        ("no_such_module_xyz:f", "no module named 'no_such_module_xyz'"),
        ("json:no_such_function", "has no 'no_such_function'"),
        ("__main__:<lambda>", "lambda or nested function"),
        ("missing/file.py:f", "no such file"),
    ],
)
def test_python_scorer_reference_errors_are_one_line(reference: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        python(reference)


def test_python_scorer_from_a_file_next_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "checks.py").write_text(
        textwrap.dedent(
            """
            def polite(output, fields):
                return "please" in (output or "").lower()

            def make_limit(limit):
                return lambda output: len(output or "") <= limit
            """
        )
    )
    (tmp_path / "spec.toml").write_text(
        textwrap.dedent(
            """
            dataset = "items.jsonl"
            models = ["openai/gpt-4o-mini"]
            prompt = { template = "{{ q }}" }

            [[scorers]]
            kind = "python"
            function = "checks.py:polite"

            [[scorers]]
            kind = "python"
            function = "checks.py:make_limit"
            name = "short"
            options = { limit = 5 }
            """
        )
    )
    polite, short = load_spec(tmp_path / "spec.toml").built_scorers()
    assert isinstance(polite, Scorer) and isinstance(short, Scorer)  # python scorers: inline
    assert polite.name == "polite" and scored(polite("Please sit", {})).passed is True
    assert short.name == "short" and scored(short("too long", {})).passed is False
    rebuilt = scorer_from_spec(scorer_spec(short))  # what a resume does from the manifest
    assert scorer_spec(short)["options"] == {"limit": 5} and rebuilt("tiny", {}).passed


def test_sweep_takes_plain_functions_and_checks_names() -> None:
    sweep = Sweep(dataset="x.jsonl", models=["a/b"], prompt="{{ q }}", scorers=[shorter_than_ten])
    assert [s.name for s in sweep.built_scorers()] == ["shorter_than_ten"]
    assert sweep.to_spec()["scorers"][0]["function"].endswith(":shorter_than_ten")
    with pytest.raises(SpecError, match=r"scorers\[1\].name.*two scorers are named 'exact'"):
        Sweep(
            dataset="x.jsonl",
            models=["a/b"],
            prompt="{{ q }}",
            scorers=[{"kind": "exact"}, {"kind": "exact", "expected": "other"}],
        )
    Sweep(  # distinct names: fine
        dataset="x.jsonl",
        models=["a/b"],
        prompt="{{ q }}",
        scorers=[{"kind": "exact"}, {"kind": "exact", "expected": "other", "name": "exact2"}],
    )


def test_built_in_scorers_keep_their_options_in_the_spec() -> None:
    sweep = Sweep(
        dataset="x.jsonl",
        models=["a/b"],
        prompt="{{ q }}",
        scorers=[
            as_scorer({"kind": "numeric", "expected": "n", "rel_tol": 0.01}),
            multiple_choice(choices="ABCDE"),
            json_schema(PERSON),
        ],
    )
    specs = sweep.to_spec()["scorers"]
    assert specs[0] == {"kind": "numeric", "expected": "n", "rel_tol": 0.01, "abs_tol": 1e-9}
    assert specs[1]["choices"] == ["A", "B", "C", "D", "E"]
    assert specs[2]["schema"] == PERSON
    assert [type(scorer_from_spec(s)).__name__ for s in specs] == [
        "_Comparer",
        "MultipleChoice",
        "JsonSchema",
    ]
