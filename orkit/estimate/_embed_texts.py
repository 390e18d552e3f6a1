"""The expected texts an embedding scorer (`similar`) embeds, as the estimate prices them
(layer 5): the run embeds each distinct text once (the scoring stage keeps every vector it
has), so each distinct value of the scorer's `expected` column is counted once, at its own
length, whatever the number of models, prompts, params sets and repeats that compare
against it. Empty values are not embedded (the scorer decides them without)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from orkit.catalog import ModelInfo
from orkit.cost import (
    COUNTED_PROMPT_ERROR,
    OutputBand,
    PriceBand,
    WorkGroup,
    count_text_tokens,
    family_of,
)
from orkit.plan import Plan

__all__ = [
    "answers_spread",
    "embedded_texts_group",
    "expected_text_tokens",
    "expected_texts",
]

FloatArray = npt.NDArray[np.float64]


def expected_text_tokens(
    plan: Plan, scorer: Any, info: ModelInfo, counted: bool
) -> FloatArray | None:
    """The tokens of each distinct non-empty text in `scorer.expected`'s column: counted
    (`counted`: orkit's count is the server's) or estimated with the embedding model's
    tokenizer family. None for a scorer that names no expected column."""
    column = getattr(scorer, "expected", None)
    if getattr(scorer, "judges_question", True) or not isinstance(column, str):
        return None
    texts: set[str] = set()
    for batch in plan.dataset.iter_batches():
        for item in batch:
            value = item.fields.get(column)
            if value is not None and str(value).strip():
                texts.add(str(value))
    if counted:
        return np.asarray([count_text_tokens(t) for t in sorted(texts)], dtype=np.float64)
    family = family_of(info.tokenizer)
    sizes = []
    for text in texts:
        ascii_chars = len(text.encode("ascii", "ignore"))
        sizes.append(
            ascii_chars / family.chars_per_token
            + (len(text) - ascii_chars) * family.tokens_per_other_char
        )
    return np.asarray(sizes, dtype=np.float64)


def expected_texts(
    plan: Plan, judges: Sequence[tuple[Any, ModelInfo, Any]], counted: bool
) -> dict[str, tuple[FloatArray, float]]:
    """`judge_lines`' `embedded`: per embedding scorer's name, its expected texts'
    tokens and their relative error (an estimate from characters: 20%, as a judge's)."""
    error = COUNTED_PROMPT_ERROR if counted else 0.2
    out = {}
    for scorer, info, _ in judges:
        tokens = expected_text_tokens(plan, scorer, info, counted)
        if tokens is not None:
            out[str(scorer.name)] = (tokens, error)
    return out


def embedded_texts_group(tokens: np.ndarray, error: float, prices: PriceBand) -> WorkGroup:
    """Texts embedded once each (no request of their own counted: they go out with the
    answers' requests), with no output."""
    return WorkGroup(
        prompt_tokens=tokens,
        multiplicity=1.0,
        requests=0,
        cache_hits=0.0,
        output=OutputBand(0.0, 0.0, 0.0, "none: embeddings"),
        prices=prices,
        prompt_error=error,
    )


def answers_spread(group: WorkGroup) -> float:
    """The relative error of the answers an embedding scorer embeds: their length is the
    candidate's output band, and an answer the run has already embedded (a repeat that
    answered alike) is not sent again, so the low end goes as far down as the band's."""
    out = group.output
    if out.expected <= 0:
        return 1.0
    return min(
        1.0, max(group.prompt_error, 0.2, 1 - out.low / out.expected, out.high / out.expected - 1)
    )
