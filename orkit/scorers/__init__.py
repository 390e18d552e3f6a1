"""Scorers (layer 2): compare outputs with expected values from the dataset, check structured
outputs, run your own functions, ask LLM judges and compare embeddings (built here, sent
by `orkit.batch`).

Public: the names in `__all__`, imported from `orkit.scorers`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.scorers._answer import score_answer
from orkit.scorers._base import AsyncScorer, Score, Scorer
from orkit.scorers._choice import extract_choice, multiple_choice
from orkit.scorers._json import json_schema, json_valid
from orkit.scorers._judge_base import Judge, JudgeCase, question_text
from orkit.scorers._judges import pairwise as judge_pairwise
from orkit.scorers._judges import reference as judge_reference
from orkit.scorers._judges import rubric as judge_rubric
from orkit.scorers._python import load_object, python
from orkit.scorers._similar import EmbeddingScorer, Similar, cosine, similar
from orkit.scorers._spec import (
    AnyScorer,
    as_scorer,
    scorer_from_spec,
    scorer_spec,
    split_scorers,
)
from orkit.scorers._text import contains, exact, json_equal, normalized, numeric, regex
from orkit.scorers._tool_args import tool_args_valid
from orkit.scorers._tools import tool_call

__all__ = [
    "AnyScorer",
    "AsyncScorer",
    "EmbeddingScorer",
    "Judge",
    "JudgeCase",
    "Score",
    "Scorer",
    "Similar",
    "as_scorer",
    "contains",
    "cosine",
    "exact",
    "extract_choice",
    "json_equal",
    "json_schema",
    "json_valid",
    "judge_pairwise",
    "judge_reference",
    "judge_rubric",
    "load_object",
    "multiple_choice",
    "normalized",
    "numeric",
    "python",
    "question_text",
    "regex",
    "score_answer",
    "scorer_from_spec",
    "scorer_spec",
    "similar",
    "split_scorers",
    "tool_args_valid",
    "tool_call",
]

_exports.publish(globals())
