"""What a model says: right or wrong answers to solvable questions, filler otherwise.

Correctness is a hash draw against the model's skill, keyed on (seed, model, messages,
request seed) and, when sampling is random (temperature > 0, the default 1.0 when absent,
and no request seed), on how often this exact body was seen, so repeats can differ while
reruns stay identical. Skill drops a little above temperature 1 (x0.85 at 2.0).
Unsolvable prompts get filler whose length follows the prompt's length cue and the model's
verbosity (`orkit.sim.lengths`). Then `stop` sequences cut the text, and `max_tokens` cuts
it on a token boundary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from orkit.sim._hashing import unit
from orkit.sim.lengths import answer_length, length_cue
from orkit.sim.request import ChatRequest
from orkit.sim.runtime import ModelRuntime
from orkit.sim.solvers import Solution, Solvers, filler
from orkit.sim.tokenizer import pieces

__all__ = ["Answer", "compose"]


@dataclass(frozen=True)
class Answer:
    """A completion's text, its tokens and why it ended."""

    content: str
    pieces: tuple[str, ...]
    finish_reason: str | None
    stop_hit: bool = False
    correct: bool | None = None

    @classmethod
    def empty(cls) -> Answer:
        """The empty completion of a cold start: no tokens, null finish reason."""
        return cls("", (), None)


def compose(
    solvers: Solvers,
    runtime: ModelRuntime,
    request: ChatRequest,
    *,
    seed: int,
    occurrence: int,
    max_tokens: int | None,
) -> Answer:
    """The completion `runtime` gives to `request`, before any fault."""
    temperature = 1.0 if request.temperature is None else request.temperature
    salt = occurrence if temperature > 0 and request.seed is None else "-"
    key = (seed, runtime.id.split(":")[0], _messages_key(request), request.seed, salt)
    solution = solvers.solve(request.user_text)
    correct: bool | None = None
    if solution is not None:
        skill = (runtime.profile.skill or 0.0) * (1.0 - 0.15 * max(0.0, temperature - 1.0))
        correct = unit(*key, "correct") < skill
        text = _solved_text(solution, correct, request, unit(*key, "miss"))
    else:
        verbosity = runtime.profile.verbosity or 100
        cue = length_cue(request.messages)
        length = answer_length(cue, verbosity, unit(*key, "length"))
        if max_tokens is not None:
            # Filler is prefix-stable, so text past the cut need not be written at all.
            length = min(length, max_tokens + 1)
        text = filler(unit(*key, "text"), length)
        if cue == "short":
            # Filler ends on a whole sentence (6-16 words): a one-word answer is cut to its
            # length, or every "short" answer would be a sentence long.
            text = "".join(pieces(text)[:length])
        if request.json_mode is not None:
            text = _dump({"answer": text})
    text, stop_hit = _apply_stop(text, request.stop)
    tokens = pieces(text)
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
        return Answer("".join(tokens), tuple(tokens), "length", correct=correct)
    return Answer(text, tuple(tokens), "stop", stop_hit=stop_hit, correct=correct)


def _messages_key(request: ChatRequest) -> str:
    return json.dumps(request.messages, sort_keys=True, separators=(",", ":"))


def _solved_text(solution: Solution, correct: bool, request: ChatRequest, draw: float) -> str:
    if correct:
        text = solution.answer
    else:
        text = solution.near_misses[int(draw * len(solution.near_misses))]
    if request.json_mode is None or solution.kind == "json":
        return text
    value: Any = text
    if isinstance(solution.value, int) and text.lstrip("-").isdigit():
        value = int(text)
    return _dump({request.json_key: value})


def _apply_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
