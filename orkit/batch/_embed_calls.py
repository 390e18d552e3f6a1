"""Embedding requests of the scoring stage (the `similar` scorer): batched per scored task,
each text embedded once per run, retried by the router's rules, and booked as a judge's.

One request per scored task carries the texts it needs that no earlier task embedded (its
output and its expected text; none when both are known): the same reference answer asked of
five models is embedded once. Identical texts in flight at once are sent once. Retries
follow the run's `RetryPolicy` (`orkit.router.classify` / `decide`: 5xx and 429 are retried
with backoff, 4xx fail at once), bounded by its attempt and wait caps.

The cost and tokens go on the score row's `judge_*` columns (the judges' line of the
manifest, `judge_spend`), never into the candidates' cost. Under a budget each attempt
reserves its worst case first (`embedding_worst_case`: every byte of its texts a token, at
the model's dearest price), as a judge's request does, and settles at what it cost: one that
does not fit is not sent, and its row is left "not judged" for a resume.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio

from orkit._format import usd
from orkit.batch._budget import Budget
from orkit.cost import Prices
from orkit.errors import APIError
from orkit.results import ScoreRow
from orkit.router import Action, RetryPolicy, classify, decide
from orkit.scorers import EmbeddingScorer, Score

__all__ = [
    "EmbedCaller",
    "EmbedReply",
    "EmbedService",
    "EmbedWorstCase",
    "Embedder",
    "add_rows_cost",
    "embedding_cost_columns",
    "embedding_worst_case",
    "score_by_embedding",
]

VectorKey = tuple[str, int | None, str]
EmbedWorstCase = Callable[[str, Sequence[str]], float]
"""(model, texts) → the most one embedding request of them could cost."""

_TOKENS_PER_TEXT = 2
"""Tokens a text may add besides its bytes: a begin and an end marker (BERT's [CLS] and
[SEP]; OpenAI's embedding models add none)."""


@dataclass(frozen=True, slots=True)
class EmbedService:
    """How the scoring stage embeds: the client's `embed`, and under a budget the worst
    case each of its requests reserves first (None: nothing reserved)."""

    embed: Embedder
    worst_case: EmbedWorstCase | None = None


def embedding_worst_case(prices: Mapping[str, Prices]) -> EmbedWorstCase:
    """The most an embedding request can cost: every byte of its texts a token (byte-level
    tokenizers never make more), at the model's dearest prompt price, plus its request fee.
    A model without a price bills nobody orkit knows of (a local server): nothing reserved,
    and its cost stays unknown."""

    def worst(model: str, texts: Sequence[str]) -> float:
        price = prices.get(model)
        if price is None:
            return 0.0
        tokens = sum(len(text.encode("utf-8")) + _TOKENS_PER_TEXT for text in texts)
        return tokens * price.prompt + price.request

    return worst


class _Embedded(Protocol):
    @property
    def vectors(self) -> Sequence[Sequence[float]]: ...

    @property
    def prompt_tokens(self) -> int | None: ...

    @property
    def cost_usd(self) -> float | None: ...


class Embedder(Protocol):
    """`AsyncOpenRouter.embed`, or anything shaped like it."""

    def __call__(
        self, model: str, input: Sequence[str], *, dimensions: int | None = None
    ) -> Awaitable[_Embedded]: ...


@dataclass(frozen=True, slots=True)
class EmbedReply:
    vectors: list[Sequence[float]] | None
    """The vectors in the order asked; None when the request failed (`error` says why)."""
    requests: int = 0
    """Requests sent (retries included); 0 when every vector was known already."""
    cost_usd: float | None = 0.0
    """None: sent, but the cost is unknown (never counted as 0)."""
    prompt_tokens: int | None = None
    error: str | None = None

    @property
    def cached(self) -> bool:
        return self.vectors is not None and self.requests == 0


@dataclass(slots=True)
class EmbedCaller:
    embed: Embedder
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    budget: Budget | None = None
    worst_case: EmbedWorstCase | None = None
    """The most a request could cost (with `budget`: reserved before each attempt)."""
    _known: dict[VectorKey, Sequence[float]] = field(default_factory=dict)
    _in_flight: dict[VectorKey, anyio.Event] = field(default_factory=dict)

    async def vectors(self, model: str, texts: Sequence[str], dimensions: int | None) -> EmbedReply:
        """The vectors of `texts`, sending only the ones this run has not embedded yet."""
        keys = [(model, dimensions, t) for t in texts]
        # None of them in flight at once, checked after every wait: while this task waited
        # for one, another may have set out with one checked before (its request failed or
        # did not fit the budget, so that text is still unknown)
        while busy := [k for k in keys if k in self._in_flight]:
            await self._in_flight[busy[0]].wait()
        missing = list(dict.fromkeys(k for k in keys if k not in self._known))
        if not missing:
            return EmbedReply([self._known[k] for k in keys])
        for key in missing:
            self._in_flight[key] = anyio.Event()
        try:
            reply = await self._send(model, [k[2] for k in missing], dimensions)
            if reply.vectors is None:
                return reply
            self._known.update(zip(missing, reply.vectors, strict=True))
            return EmbedReply(
                [self._known[k] for k in keys], reply.requests, reply.cost_usd, reply.prompt_tokens
            )
        finally:
            for key in missing:
                self._in_flight.pop(key).set()

    async def _send(self, model: str, texts: list[str], dimensions: int | None) -> EmbedReply:
        attempts = waits = 0
        waited = 0.0
        while True:  # bounded: `decide` gives up after the policy's attempt and wait caps
            fits, reserved = await self._reserve(model, texts)
            if not fits:
                # not sent: nothing spent, unless earlier attempts were (failed ones: unknown)
                spent = None if attempts else 0.0
                why = f"over budget (could cost {usd(reserved)})"
                return EmbedReply(None, attempts, spent, None, why)
            attempts += 1
            try:
                result = await self._attempt(model, texts, dimensions, reserved)
            except APIError as exc:
                step = decide(
                    classify(exc, now_wall=time.time()),
                    policy=self.policy,
                    attempts=attempts,
                    rate_limit_waits=waits,
                    total_wait_s=waited,
                    can_fall_back=False,
                    rng=self.rng,
                )
                if step.action not in (Action.RETRY, Action.WAIT):
                    what = f"{exc.error_type}: {exc.message}"[:300]
                    return EmbedReply(None, attempts, None, None, what)
                waits += step.action is Action.WAIT
                waited += step.wait_s
                await self.sleep(step.wait_s)
                continue
            vectors = list(result.vectors)
            if len(vectors) != len(texts):
                return EmbedReply(None, attempts, None, None, "wrong number of vectors")
            return EmbedReply(vectors, attempts, result.cost_usd, result.prompt_tokens)

    async def _reserve(self, model: str, texts: Sequence[str]) -> tuple[bool, float | None]:
        """(fits, the worst case reserved for the next attempt): None reserved without a
        budget; not fitting once the reservations in flight have settled, nothing is."""
        if self.budget is None or self.worst_case is None:
            return True, None
        worst = self.worst_case(model, texts)
        return await self.budget.reserve(worst), worst

    async def _attempt(
        self, model: str, texts: list[str], dimensions: int | None, reserved: float | None
    ) -> _Embedded:
        """One request, paid for: settled at its cost (its worst case when the answer did
        not say, or the request was cancelled on its way), at 0 when it failed (an error is
        not billed)."""
        if reserved is None or self.budget is None:
            return await self.embed(model, texts, dimensions=dimensions)
        try:
            result = await self.embed(model, texts, dimensions=dimensions)
        except APIError:
            self.budget.settle(reserved, 0.0)
            raise
        except BaseException:
            self.budget.settle(reserved, None)
            raise
        self.budget.settle(reserved, result.cost_usd)
        return result


async def score_by_embedding(
    scorer: EmbeddingScorer, output: str | None, fields: Mapping[str, Any], caller: EmbedCaller
) -> tuple[Score | None, EmbedReply | None]:
    """The scorer's Score for one output, and the reply its vectors came with (None: no
    request was needed: the scorer did not apply, or decided without embedding)."""
    texts = scorer.texts(output, fields)
    if texts is None or isinstance(texts, Score):
        return texts, None
    reply = await caller.vectors(scorer.embedding_model, list(texts), scorer.dimensions)
    if reply.vectors is None:
        return Score(None, detail=f"not judged: {reply.error}"), reply
    return scorer.verdict(reply.vectors), reply


def embedding_cost_columns(model: str, reply: EmbedReply | None) -> dict[str, Any]:
    """The judge cost columns of an embedding-scored row (see `ScoreRow`)."""
    if reply is None:
        return {"judge_model": model, "judge_calls": 0, "judge_cost_usd": 0.0}
    answered = reply.vectors is not None
    if reply.requests and reply.cost_usd is None:
        source: str | None = "unknown"
    elif reply.cached:
        source = "cached"
    else:
        source = "reported" if answered else None
    return {
        "judge_model": model,
        "judge_calls": reply.requests,
        "judge_prompt_tokens": reply.prompt_tokens,
        "judge_completion_tokens": 0 if reply.requests and answered else None,
        "judge_cost_usd": reply.cost_usd,
        "judge_cost_source": source,
    }


def add_rows_cost(rows: list[ScoreRow], columns: Mapping[str, Any]) -> list[ScoreRow]:
    """`rows` with the cost columns set (the judges' line of the scores table)."""
    for row in rows:
        row.update(columns)  # type: ignore[typeddict-item]
    return rows
