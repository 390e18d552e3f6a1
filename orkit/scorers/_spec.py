"""Build scorers from their spec form (`[[scorers]]` tables in a run spec)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from orkit.errors import SpecError
from orkit.scorers import _text
from orkit.scorers._base import Scorer

__all__ = ["SCORER_KINDS", "scorer_from_spec"]

SCORER_KINDS: dict[str, Callable[..., Scorer]] = {
    "exact": _text.exact,
    "normalized": _text.normalized,
    "contains": _text.contains,
    "numeric": _text.numeric,
    "regex": _text.regex,
    "json_equal": _text.json_equal,
}


def scorer_from_spec(spec: Mapping[str, Any], *, where: str = "scorers") -> Scorer:
    """`{"kind": "numeric", "expected": "answer", "rel_tol": 0.01}` → a Scorer."""
    options = dict(spec)
    kind = options.pop("kind", None)
    if kind not in SCORER_KINDS:
        known = ", ".join(sorted(SCORER_KINDS))
        raise SpecError(f"unknown scorer kind {kind!r} (known: {known})", field=f"{where}.kind")
    try:
        return SCORER_KINDS[kind](**options)
    except TypeError as exc:
        raise SpecError(f"bad options for scorer {kind!r}: {exc}", field=where) from exc
