from __future__ import annotations

import pytest

from orkit.errors import ConfigError, SpecError
from orkit.scorers import contains, exact, json_equal, normalized, numeric, regex, scorer_from_spec


@pytest.mark.parametrize(
    ("scorer", "output", "expected", "passed"),
    [
        (exact(), "42", "42", True),
        (exact(), " 42\n", "42", True),
        (exact(), "42.", "42", False),
        (normalized(), "Paris.", "paris", True),
        (normalized(), "'New  York'", "new york", True),
        (contains(), "The capital is Paris", "paris", True),
        (numeric(), "The answer is 1,234", "1234", True),
        (numeric(), "41.9999999", "42", True),
        (numeric(), "41", "42", False),
        (numeric(), "no number", "42", False),
        (json_equal(), '{"age": 30, "name": "Alice"}', '{"name":"Alice","age":30}', True),
        (
            json_equal(),
            '```json\n{"name":"Alice","age":30}\n```',
            '{"name":"Alice","age":30}',
            True,
        ),
        (json_equal(), '{"name":"Alice","age":31}', '{"name":"Alice","age":30}', False),
        (json_equal(), "not json", '{"name":"Alice"}', False),
    ],
)
def test_pass_fail_scorers(scorer, output, expected, passed) -> None:
    score = scorer(output, {"answer": expected})
    assert score is not None
    assert score.passed is passed
    assert score.value == (1.0 if passed else 0.0)


def test_scorers_do_not_apply_where_they_make_no_sense() -> None:
    assert numeric()("Paris", {"answer": "Paris"}) is None
    assert json_equal()("x", {"answer": "Paris"}) is None
    assert exact()("x", {}) is None  # no expected value on this item


def test_none_output_fails_rather_than_crashing() -> None:
    score = exact()(None, {"answer": "42"})
    assert score is not None and score.passed is False


def test_regex_and_bad_regex() -> None:
    assert regex(r"^\d+$")("123", {}).passed is True
    with pytest.raises(ConfigError, match="invalid pattern"):
        regex("(")


def test_scorer_from_spec_names_unknown_kinds_and_bad_options() -> None:
    assert scorer_from_spec({"kind": "numeric", "expected": "a"}).name == "numeric"
    with pytest.raises(SpecError, match="unknown scorer kind 'fuzzy'"):
        scorer_from_spec({"kind": "fuzzy"})
    with pytest.raises(SpecError, match="bad options"):
        scorer_from_spec({"kind": "exact", "nope": 1})
