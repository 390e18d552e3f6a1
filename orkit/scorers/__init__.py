"""Scorers (layer 2): compare outputs with expected values from the dataset."""

from __future__ import annotations

from orkit.scorers._base import Score, Scorer
from orkit.scorers._spec import SCORER_KINDS, scorer_from_spec
from orkit.scorers._text import contains, exact, json_equal, normalized, numeric, regex

__all__ = [
    "SCORER_KINDS",
    "Score",
    "Scorer",
    "contains",
    "exact",
    "json_equal",
    "normalized",
    "numeric",
    "regex",
    "scorer_from_spec",
]
