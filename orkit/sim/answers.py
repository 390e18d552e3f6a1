"""What a model says: right or wrong answers to solvable questions, filler otherwise.

Correctness is a hash draw against the model's skill, keyed on (seed, model, messages as the
model reads them, request seed) and, when sampling is random (temperature > 0, the default
1.0 when absent, and no request seed), on how often this exact body was seen, so repeats can
differ while reruns stay identical. Prompt-cache markers are not what the model reads
(`orkit.sim.seeding`), so a prompt answers the same with and without them. Skill drops a
little above temperature 1 (x0.85 at 2.0).
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
from orkit.sim.reasoning import Reasoning
from orkit.sim.request import ChatRequest
from orkit.sim.runtime import ModelRuntime
from orkit.sim.solvers import Solution, Solvers, filler
from orkit.sim.tokenizer import pieces
from orkit.sim.tools import ToolCall

__all__ = ["Answer", "Draft", "answer_key", "compose", "finish", "json_wrap", "make_draft"]


@dataclass(frozen=True)
class Answer:
    """A completion's text, its tokens and why it ended (with its reasoning and tool calls
    when the request asked for them: `orkit.sim.rich_answers`)."""

    content: str
    pieces: tuple[str, ...]
    finish_reason: str | None
    stop_hit: bool = False
    correct: bool | None = None
    reasoning: Reasoning | None = None
    tool_calls: tuple[ToolCall, ...] = ()

    @classmethod
    def empty(cls) -> Answer:
        """The empty completion of a cold start: no tokens, null finish reason."""
        return cls("", (), None)

    @property
    def tokens(self) -> int:
        """Completion tokens: the content's, the reasoning's and the tool calls'."""
        total = len(self.pieces)
        if self.reasoning is None and not self.tool_calls:
            return total
        if self.reasoning is not None:
            total += self.reasoning.tokens
        for call in self.tool_calls:
            total += call.tokens
        return total

    @property
    def reasoning_tokens(self) -> int:
        """Reasoning tokens (`completion_tokens_details.reasoning_tokens`)."""
        return self.reasoning.tokens if self.reasoning is not None else 0


@dataclass(frozen=True)
class Draft:
    """The text a model means to say, before any format, stop sequence or token cap."""

    text: str
    solution: Solution | None
    correct: bool | None


def answer_key(
    runtime: ModelRuntime, request: ChatRequest, seed: int, occurrence: int
) -> tuple[Any, ...]:
    """The hash key of every draw about one completion (see the module)."""
    temperature = 1.0 if request.temperature is None else request.temperature
    salt = occurrence if temperature > 0 and request.seed is None else "-"
    return (seed, runtime.id.split(":")[0], _messages_key(request), request.seed, salt)


def compose(
    solvers: Solvers,
    runtime: ModelRuntime,
    request: ChatRequest,
    *,
    seed: int,
    occurrence: int,
    max_tokens: int | None,
) -> Answer:
    """The completion `runtime` gives to a plain `request`, before any fault."""
    key = answer_key(runtime, request, seed, occurrence)
    draft = make_draft(solvers, runtime, request, key, max_tokens)
    text = draft.text
    if request.json_mode is not None:
        text = json_wrap(draft, request.json_key)
    return finish(text, request.stop, max_tokens, draft.correct)


def make_draft(
    solvers: Solvers,
    runtime: ModelRuntime,
    request: ChatRequest,
    key: tuple[Any, ...],
    max_tokens: int | None,
) -> Draft:
    """The answer to a solvable question (right or wrong, by skill), else filler."""
    temperature = 1.0 if request.temperature is None else request.temperature
    solution = solvers.solve(request.user_text)
    if solution is not None:
        skill = (runtime.profile.skill or 0.0) * (1.0 - 0.15 * max(0.0, temperature - 1.0))
        correct = unit(*key, "correct") < skill
        if correct:
            return Draft(solution.answer, solution, True)
        misses = solution.near_misses
        return Draft(misses[int(unit(*key, "miss") * len(misses))], solution, False)
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
    return Draft(text, None, None)


def json_wrap(draft: Draft, key: str) -> str:
    """The draft as `response_format` JSON: `{key: answer}` (a number stays a number), an
    extraction's own JSON as is, filler as `{"answer": text}`."""
    solution = draft.solution
    if solution is None:
        return _dump({"answer": draft.text})
    if solution.kind == "json":
        return draft.text
    value: Any = draft.text
    if isinstance(solution.value, int) and draft.text.lstrip("-").isdigit():
        value = int(draft.text)
    return _dump({key: value})


def finish(
    text: str, stops: tuple[str, ...], max_tokens: int | None, correct: bool | None
) -> Answer:
    """The answer once `stop` sequences and `max_tokens` have cut `text`."""
    text, stop_hit = _apply_stop(text, stops)
    tokens = pieces(text)
    if max_tokens is not None and len(tokens) > max_tokens:
        tokens = tokens[:max_tokens]
        return Answer("".join(tokens), tuple(tokens), "length", correct=correct)
    return Answer(text, tuple(tokens), "stop", stop_hit=stop_hit, correct=correct)


def _messages_key(request: ChatRequest) -> str:
    # the messages as the model reads them: a prompt-cache marker does not change the answer
    return json.dumps(request.seed_messages, sort_keys=True, separators=(",", ":"))


def _apply_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
