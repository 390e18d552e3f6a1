"""`reasoning` params checked before anything is sent (issue 17, Deliver 5): their shape on
any endpoint, and against each model's catalog entry where the catalog speaks for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.catalog import Catalog, ReasoningInfo
from orkit.errors import SpecError
from orkit.plan import param_warnings, prepare, resolve_endpoint

NO_REASONING = "openai/gpt-4o-mini"
OPTIONAL = "bytedance-seed/seed-2.0-code"  # efforts high, medium, low; not mandatory
MANDATORY = "openai/gpt-oss-20b:free"  # efforts high, medium, low; always reasons
ANY_EFFORT = "anthropic/claude-haiku-4.5"  # reasons; the catalog lists no efforts


def sweep(tmp_path: Path, models: list[str], **params: Any) -> Sweep:
    return Sweep(
        dataset=[{"id": "q1", "question": "2 + 2?"}],
        models=models,
        prompt="{{ question }}",
        params=params,
        endpoint="sim",
        out=str(tmp_path / "runs"),
    )


def warnings_of(s: Sweep) -> list[str]:
    return param_warnings(s, resolve_endpoint("sim"))


def test_the_catalog_entry_is_read() -> None:
    info = Catalog.bundled().get(MANDATORY)
    assert info is not None and info.reasoning == ReasoningInfo(
        mandatory=True, default_effort="medium", supported_efforts=("high", "medium", "low")
    )
    plain = Catalog.bundled().get(NO_REASONING)
    assert plain is not None and plain.reasoning is None


@pytest.mark.parametrize(
    ("reasoning", "words"),
    [
        ({"effort": "high", "max_tokens": 512}, "give effort or max_tokens, not both"),
        ({"max_tokens": 0}, "reasoning.max_tokens': must be an integer >= 1"),
        ({"effort": "hihg"}, "did you mean 'high'"),
        ({"exclude": "yes"}, "reasoning.exclude': must be true or false"),
        ({"efort": "low"}, "unknown key 'efort'; did you mean 'effort'"),
    ],
)
def test_a_bad_reasoning_object_is_refused_on_any_endpoint(
    tmp_path: Path, reasoning: dict[str, Any], words: str
) -> None:
    with pytest.raises(SpecError) as caught:
        sweep(tmp_path, [OPTIONAL], reasoning=reasoning)
    assert "'params.reasoning" in str(caught.value) and words in str(caught.value)


def test_reasoning_effort_must_agree_with_reasoning(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"'params.reasoning_effort'.*disagrees"):
        sweep(tmp_path, [OPTIONAL], reasoning={"effort": "low"}, reasoning_effort="high")
    with pytest.raises(SpecError, match=r"reasoning_effort or reasoning\.max_tokens, not both"):
        sweep(tmp_path, [OPTIONAL], reasoning={"max_tokens": 64}, reasoning_effort="high")
    agreeing = sweep(tmp_path, [OPTIONAL], reasoning={"effort": "low"}, reasoning_effort="low")
    assert warnings_of(agreeing) == []


def test_an_effort_the_model_does_not_list_names_the_model_and_its_efforts(
    tmp_path: Path,
) -> None:
    s = sweep(tmp_path, [OPTIONAL], reasoning={"effort": "minimal"})
    with pytest.raises(SpecError) as caught:
        prepare(s)
    message = str(caught.value)
    assert f"model {OPTIONAL!r} takes reasoning.effort 'high', 'medium', 'low'" in message
    assert "'params.reasoning'" in message and "'minimal'" in message
    # the shorthand is the same question; the estimate refuses it too
    with pytest.raises(SpecError, match=OPTIONAL):
        sweep(tmp_path, [OPTIONAL], reasoning_effort="xhigh").estimate()
    for effort in ("high", "medium", "low"):
        assert warnings_of(sweep(tmp_path, [OPTIONAL], reasoning={"effort": effort})) == []
    # no efforts listed: any documented one is taken
    assert warnings_of(sweep(tmp_path, [ANY_EFFORT], reasoning={"effort": "minimal"})) == []


def test_a_grid_of_efforts_names_the_grid(tmp_path: Path) -> None:
    s = Sweep(
        dataset=[{"q": "x"}],
        models=[OPTIONAL],
        prompt="{{ q }}",
        grid={"reasoning": [{"effort": "low"}, {"effort": "max"}]},
        endpoint="sim",
    )
    with pytest.raises(SpecError, match=r"'grid.reasoning'.*got 'max'"):
        prepare(s)


def test_a_model_without_reasoning_is_a_warning_and_an_error_under_require_parameters(
    tmp_path: Path,
) -> None:
    (warning,) = warnings_of(sweep(tmp_path, [NO_REASONING], reasoning={"effort": "low"}))
    assert f"{NO_REASONING} does not support reasoning" in warning
    assert "provider.require_parameters = true" in warning
    strict = sweep(
        tmp_path,
        [NO_REASONING],
        reasoning={"effort": "low"},
        provider={"require_parameters": True},
    )
    with pytest.raises(SpecError, match=f"model '{NO_REASONING}' does not support reasoning"):
        prepare(strict)


def test_turning_off_a_model_that_always_reasons_is_a_warning(tmp_path: Path) -> None:
    for off in ({"enabled": False}, {"effort": "none"}):
        (warning,) = warnings_of(sweep(tmp_path, [MANDATORY], reasoning=off))
        assert f"{MANDATORY} always reasons" in warning and "billed as output" in warning
    assert warnings_of(sweep(tmp_path, [OPTIONAL], reasoning={"enabled": False})) == []


def test_a_url_endpoint_gets_the_shape_checks_only(tmp_path: Path) -> None:
    s = Sweep(
        dataset=[{"q": "x"}],
        models=["my-local-model"],
        prompt="{{ q }}",
        params={"reasoning": {"effort": "minimal"}},
        endpoint="http://127.0.0.1:9/v1",
    )
    assert param_warnings(s, resolve_endpoint("http://127.0.0.1:9/v1")) == []
