"""Build scorers from their spec form (`[[scorers]]` tables in a run spec) or from whatever a
user passes in Python (a scorer object, a plain function, a spec mapping), and sort them by
when they run: inline in the engine (cheap, sync) or in the scoring stage afterwards (async
functions and LLM judges)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from orkit.errors import ConfigError, SpecError
from orkit.scorers._base import AsyncScorer, Scorer
from orkit.scorers._choice import multiple_choice
from orkit.scorers._json import json_schema, json_valid
from orkit.scorers._judge_base import Judge
from orkit.scorers._judges import pairwise as judge_pairwise
from orkit.scorers._judges import reference as judge_reference
from orkit.scorers._judges import rubric as judge_rubric
from orkit.scorers._python import python
from orkit.scorers._similar import EmbeddingScorer, similar
from orkit.scorers._text import contains, exact, json_equal, normalized, numeric, regex
from orkit.scorers._tool_args import tool_args_valid
from orkit.scorers._tools import tool_call

__all__ = [
    "SCORER_KINDS",
    "AnyScorer",
    "as_scorer",
    "scorer_from_spec",
    "scorer_spec",
    "split_scorers",
]

AnyScorer: TypeAlias = Scorer | AsyncScorer | Judge | EmbeddingScorer

SCORER_KINDS: dict[str, Callable[..., Any]] = {
    "exact": exact,
    "normalized": normalized,
    "contains": contains,
    "numeric": numeric,
    "regex": regex,
    "json_equal": json_equal,
    "multiple_choice": multiple_choice,
    "json_valid": json_valid,
    "json_schema": json_schema,
    "tool_call": tool_call,
    "tool_args_valid": tool_args_valid,
    "python": python,
    "similar": similar,
    "judge_rubric": judge_rubric,
    "judge_reference": judge_reference,
    "judge_pairwise": judge_pairwise,
}


def scorer_from_spec(spec: Mapping[str, Any], *, where: str = "scorers") -> Any:
    """`{"kind": "numeric", "expected": "answer", "rel_tol": 0.01}` → a scorer."""
    options = dict(spec)
    kind = options.pop("kind", None)
    if kind not in SCORER_KINDS:
        raise SpecError(_unknown_kind(kind), field=f"{where}.kind")
    try:
        return SCORER_KINDS[kind](**options)
    except TypeError as exc:
        raise SpecError(f"bad options for scorer {kind!r}: {exc}", field=where) from exc
    except SpecError:
        raise
    except ConfigError as exc:
        raise SpecError(exc.message, field=where) from None


def _unknown_kind(kind: Any) -> str:
    """`unknown scorer kind 'exakt'; did you mean 'exact'? (known: ...)`: a typo names its
    fix first, and the list still says what else there is."""
    known = ", ".join(sorted(SCORER_KINDS))
    if kind is None:
        return f"a scorer needs a kind (known: {known})"
    near = difflib.get_close_matches(str(kind), list(SCORER_KINDS), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"unknown scorer kind {kind!r}{hint} (known: {known})"


def as_scorer(value: Any, *, where: str = "scorers") -> AnyScorer:
    """A scorer from a spec mapping, a scorer object, or a plain (sync or async) function."""
    if isinstance(value, Mapping):
        built: AnyScorer = scorer_from_spec(value, where=where)
        return built
    if isinstance(value, Judge | Scorer | AsyncScorer | EmbeddingScorer):
        return value
    if callable(value):
        wrapped: AnyScorer = python(value)
        return wrapped
    raise SpecError(f"not a scorer: {value!r:.60}", field=where)


def split_scorers(scorers: Sequence[AnyScorer]) -> tuple[list[Scorer], list[Any]]:
    """(inline scorers, deferred ones): the engine runs the first kind on each answer as it
    arrives; judges and async scorers run in the scoring stage after the candidates."""
    inline: list[Scorer] = []
    deferred: list[Any] = []
    for s in scorers:
        if isinstance(s, Judge | EmbeddingScorer) or (
            isinstance(s, AsyncScorer) and not isinstance(s, Scorer)
        ):
            deferred.append(s)
        else:
            inline.append(s)
    return inline, deferred


def scorer_spec(scorer: Any) -> dict[str, Any]:
    """The spec form of a scorer (what a manifest stores, so a resume can rebuild it)."""
    if isinstance(scorer, Mapping):
        return dict(scorer)
    spec = getattr(scorer, "spec", None)
    if isinstance(spec, Mapping):
        return dict(spec)
    if callable(scorer) and not hasattr(scorer, "name"):
        return dict(python(scorer).spec)
    return {"kind": getattr(scorer, "name", type(scorer).__name__)}
