"""Length cues: what a prompt says about how long its answer should be (layer 2).

An answer's length depends on the model (how wordy it is) and on the prompt: "answer in
one word" is 1-3 tokens from any model, "explain step by step" several times a plain
answer. Calibration keeps answer lengths per model *and cue*, so that what one dataset and
template taught transfers to another with a different mix of cues: each request is priced
at the lengths this model gave to requests with the same cue (`ModelCalibration.cue_sample`).

The cue is read from the whole request text (system message included), case-insensitive;
a long cue wins over a short one ("explain step by step, then answer in one word" is long).
The phrase lists are orkit's own guess at common length instructions; a prompt that asks
for length in other words is `plain`, and learns with the other plain prompts.
"""

from __future__ import annotations

import re

__all__ = ["CUES", "answer_length_cue", "answer_length_cue_index", "cue_key"]

CUES = ("plain", "short", "long")
"""The cue classes, in the order `answer_length_cue_index` numbers them."""

# Matched against the lowered text (no IGNORECASE: a third faster), anchored on a word of
# `_SHORT_WORDS` / `_LONG_WORDS` each.
_SHORT_RE = re.compile(
    r"\b(?:one|a single|single)[ -]word\b"
    r"|\b(?:just|only) (?:the |a )?(?:number|answer|letter|digit)s?\b"
    r"|\b(?:number|letter|digit)s? only\b"
    r"|\byes or no\b|\btrue or false\b|\b(?:yes/no|no/yes)\b"
)
_LONG_RE = re.compile(
    r"\bstep[ -]by[ -]step\b|\bin (?:great |full )?detail\b|\bdetailed\b|\bessays?\b"
    r"|\bthorough(?:ly)?\b|\bat length\b|\bcomprehensive(?:ly)?\b|\belaborate\b"
)


def cue_key(cue: str, fingerprint: str | None = None) -> str:
    """The calibration sample key of a cue: one prompt's (`fingerprint`), or every prompt's."""
    return f"cue:{cue}" if fingerprint is None else f"{fingerprint}|cue:{cue}"


def answer_length_cue(text: str) -> str:
    """`short`, `long` or `plain`: the answer length a request's text asks for."""
    return CUES[answer_length_cue_index(text)]


# A word each match of the patterns above contains: most texts hold none of them, and a
# substring test is far cheaper than the patterns (an estimate classifies
# every row of the dataset, a run every answer).
_LONG_WORDS = ("step", "detail", "essay", "thorough", "length", "comprehensive", "elaborate")
_SHORT_WORDS = ("word", "number", "answer", "letter", "digit", "yes", "true")


def _mentions(lowered: str, words: tuple[str, ...]) -> bool:
    for word in words:  # noqa: SIM110 (a loop: any(<generator>) is twice as slow here)
        if word in lowered:
            return True
    return False


def answer_length_cue_index(text: str) -> int:
    """The index in `CUES` of `answer_length_cue(text)` (cheap to store per row)."""
    lowered = text.lower()
    if _mentions(lowered, _LONG_WORDS) and _LONG_RE.search(lowered):
        return 2
    if _mentions(lowered, _SHORT_WORDS) and _SHORT_RE.search(lowered):
        return 1
    return 0
