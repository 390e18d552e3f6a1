"""`similar`: how close an output is in meaning to the expected text, by the cosine of their
embeddings (promptfoo's `similar`, autoevals' `EmbeddingSimilarity`).

The score's value is the cosine similarity itself (continuous; up to 1), and `passed` says
whether it reached `threshold`: one row carries both the number to compare models by and
the pass rate. The scorer is pure, like a judge: it names the texts to embed and turns two
vectors into a Score; the scoring stage (`orkit.batch`) sends the embedding requests,
caches each text's vector for the run, and books their requests and cost as a judge's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from orkit.errors import ConfigError
from orkit.scorers._base import Score

__all__ = ["DEFAULT_EMBEDDING_MODEL", "EmbeddingScorer", "Similar", "cosine", "similar"]

DEFAULT_EMBEDDING_MODEL = "openai/text-embedding-3-small"
_NO_COMPLETION: Mapping[str, Any] = {"max_tokens": 0}


@runtime_checkable
class EmbeddingScorer(Protocol):
    """A scorer that compares embeddings (run in the scoring stage, billed as a judge)."""

    @property
    def name(self) -> str: ...

    @property
    def embedding_model(self) -> str: ...

    @property
    def dimensions(self) -> int | None: ...

    def texts(
        self, output: str | None, fields: Mapping[str, Any]
    ) -> tuple[str, str] | Score | None:
        """(output, expected) to embed; a Score when it can be decided without embedding
        (an empty output); None when the scorer does not apply (no expected value)."""
        ...

    def verdict(self, vectors: Sequence[Sequence[float]]) -> Score: ...


def cosine(a: Sequence[float], b: Sequence[float]) -> float | None:
    """The cosine similarity of two vectors; None when either is all zeros or sizes differ."""
    if len(a) != len(b):
        return None
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else None


@dataclass(frozen=True, slots=True)
class Similar:
    """See the module docstring; build it with `similar()`."""

    expected: str
    model: str = DEFAULT_EMBEDDING_MODEL
    threshold: float = 0.8
    dimensions: int | None = None
    scorer_name: str = "similar"

    # What the estimate reads (see `orkit.estimate`): one embedding request per scored
    # task, carrying the output and the expected text; no completion.
    calls_per_task = 1
    prompt_overhead_tokens = 0
    judges_question = False
    """The request carries the answer and the expected text, not the candidate's prompt."""
    is_pairwise = False
    baseline = None

    @property
    def params(self) -> Mapping[str, Any]:
        """No completion: an embedding has no output tokens."""
        return _NO_COMPLETION

    @property
    def name(self) -> str:
        return self.scorer_name

    @property
    def embedding_model(self) -> str:
        return self.model

    @property
    def judge_model(self) -> str:
        """The model billed on the judges' line (the embedding model)."""
        return self.model

    @property
    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "similar", "expected": self.expected, "model": self.model}
        out["threshold"] = self.threshold
        if self.dimensions is not None:
            out["dimensions"] = self.dimensions
        if self.scorer_name != "similar":
            out["name"] = self.scorer_name
        return out

    def texts(
        self, output: str | None, fields: Mapping[str, Any]
    ) -> tuple[str, str] | Score | None:
        value = fields.get(self.expected)
        if value is None:
            return None
        expected = str(value)
        if not (output or "").strip() or not expected.strip():
            # Nothing to embed (the endpoint refuses empty strings): no similarity at all.
            return Score(0.0, passed=False, expected=expected, detail="empty text")
        return output or "", expected

    def verdict(self, vectors: Sequence[Sequence[float]]) -> Score:
        similarity = cosine(vectors[0], vectors[1]) if len(vectors) == 2 else None
        if similarity is None:
            return Score(None, detail="unreadable embeddings")
        similarity = max(-1.0, min(1.0, similarity))
        passed = similarity >= self.threshold
        return Score(similarity, passed=passed, detail=f"cosine {similarity:.4f}")


def similar(
    expected: str = "expected",
    *,
    model: str = DEFAULT_EMBEDDING_MODEL,
    threshold: float = 0.8,
    dimensions: int | None = None,
    name: str = "similar",
) -> Similar:
    """Cosine similarity of the output's embedding to the `expected` column's.

    Value: the cosine (-1..1, ~1 = same meaning); passed: cosine >= `threshold`.

    Examples:
        >>> similar("answer", threshold=0.85).spec["threshold"]
        0.85
    """
    if not isinstance(expected, str) or not expected:
        raise ConfigError("similar: expected must name a dataset column")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise ConfigError(f"similar: threshold must be a number, got {threshold!r}")
    if not -1.0 <= threshold <= 1.0:
        raise ConfigError(f"similar: threshold must be in [-1, 1], got {threshold}")
    if dimensions is not None and (not isinstance(dimensions, int) or dimensions < 1):
        raise ConfigError(f"similar: dimensions must be a positive integer, got {dimensions!r}")
    if not isinstance(model, str) or "/" not in model:
        raise ConfigError(f"similar: model must look like 'author/slug', got {model!r}")
    return Similar(expected, model, float(threshold), dimensions, name)
