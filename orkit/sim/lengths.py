"""How long an open answer is: what the prompt asks for, times the model's verbosity.

Real models follow length instructions, so an estimate that learns one prompt's answer
lengths cannot simply reuse them for another. The emulator reads the request's text (every
message's, system included, case-insensitive) for a length cue:

- short: "one word", "single word", "just the number", "only the number", "number only",
  "yes or no", "true or false" -> 1 to 2 + verbosity/100 tokens (1-3 for a terse model,
  1-6 for a wordy one), cut to exactly that many;
- long: "step by step", "in detail", "detailed", "essay", "thoroughly", "at length" ->
  2x to 4x the model's `verbosity` (a long cue wins over a short one: "explain step by
  step, then answer in one word" is a long answer);
- anything else: 0.5x to 1.5x `verbosity`, as before cues existed.

The draw in [0, 1) is the caller's hash of (seed, model, messages, request seed, repeat),
so the same prompt to the same model gets the same length; `max_tokens` and the
endpoint's cap still cut the answer afterwards. Solvable questions (`orkit.sim.solvers`)
are answered with their answer, whatever the cue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from orkit.sim.tokenizer import text_of

__all__ = ["LengthCue", "answer_length", "length_cue"]

LengthCue = Literal["short", "long", "plain"]

_SHORT_RE = re.compile(
    r"\b(?:one|single)[ -]word\b|\b(?:just|only) the (?:number|answer)\b|\bnumber only\b"
    r"|\byes or no\b|\btrue or false\b",
    re.IGNORECASE,
)
_LONG_RE = re.compile(
    r"\bstep[ -]by[ -]step\b|\bin detail\b|\bdetailed\b|\bessay\b|\bthoroughly\b|\bat length\b",
    re.IGNORECASE,
)


def length_cue(messages: Iterable[Mapping[str, Any]]) -> LengthCue:
    """The length the request's text asks for."""
    text = "\n".join(text_of(m.get("content")) for m in messages)
    if _LONG_RE.search(text):
        return "long"
    if _SHORT_RE.search(text):
        return "short"
    return "plain"


def answer_length(cue: LengthCue, verbosity: int, draw: float) -> int:
    """Tokens of an answer with this cue from a model of this verbosity (`draw` in [0, 1))."""
    if cue == "short":
        return 1 + int(draw * (2 + verbosity / 100))
    if cue == "long":
        return max(1, int(verbosity * (2.0 + 2.0 * draw)))
    return max(1, int(verbosity * (0.5 + draw)))
