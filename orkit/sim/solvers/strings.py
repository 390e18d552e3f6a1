"""String tasks: reverse, change case, count a letter, count words or characters.

Forms (TEXT may be wrapped in one pair of quotes, which are not part of it):
- `Reverse the string: TEXT` (also `word`/`text`) -> TEXT reversed
- `Convert to uppercase: TEXT` / `Convert to lowercase: TEXT` -> TEXT in that case
- `How many times does the letter "c" appear in "WORD"?` -> count, case-insensitive
- `How many words are in: "TEXT"?` -> number of whitespace-separated words
- `How many characters are in: "TEXT"?` -> len(TEXT), spaces included
"""

from __future__ import annotations

import re

from orkit.sim.solvers._types import Solution, unquote

__all__ = ["solve"]

_Q = "[\"'“”‘’]"
_REVERSE_RE = re.compile(
    r"^reverse\s+the\s+(?:following\s+)?(?:string|word|text)\s*:\s*(?P<s>.+?)\s*$", re.IGNORECASE
)
_CASE_RE = re.compile(
    r"^convert\s+(?:the\s+following\s+|this\s+)?(?:text\s+|string\s+)?(?:to|into)\s+"
    r"(?P<case>upper|lower)[\s-]?case\s*:\s*(?P<s>.+?)\s*$",
    re.IGNORECASE,
)
_LETTER_RE = re.compile(
    rf"^how\s+many\s+times\s+does\s+the\s+letter\s+{_Q}?(?P<c>\w){_Q}?\s+appear\s+in\s+"
    rf"(?:the\s+word\s+)?(?P<s>{_Q}[^\"“”]+{_Q}|\w+)\s*\??\s*$",
    re.IGNORECASE,
)
_COUNT_RE = re.compile(
    rf"^how\s+many\s+(?P<what>words|characters)\s+are\s+(?:there\s+)?in\s*:?\s*"
    rf"(?P<s>{_Q}.*{_Q})\s*\??\s*$",
    re.IGNORECASE,
)


def solve(line: str) -> Solution | None:
    """Recognise and answer a string task (one line of the user message)."""
    for pattern, handler in (
        (_REVERSE_RE, _reverse),
        (_CASE_RE, _case),
        (_LETTER_RE, _letter),
        (_COUNT_RE, _count),
    ):
        match = pattern.match(line)
        if match is not None:
            return handler(match)
    return None


def _reverse(match: re.Match[str]) -> Solution:
    text = unquote(match.group("s"))
    answer = text[::-1]
    swapped = answer[1] + answer[0] + answer[2:] if len(answer) > 1 else answer
    return Solution("string", answer, (swapped, text, answer[:-1]), answer)


def _case(match: re.Match[str]) -> Solution:
    text = unquote(match.group("s"))
    upper = match.group("case").lower() == "upper"
    answer = text.upper() if upper else text.lower()
    first_wrong = (text[:1].lower() if upper else text[:1].upper()) + answer[1:]
    return Solution("string", answer, (first_wrong, text.title(), text), answer)


def _letter(match: re.Match[str]) -> Solution:
    letter = match.group("c").lower()
    count = unquote(match.group("s")).lower().count(letter)
    return _number(count)


def _count(match: re.Match[str]) -> Solution:
    text = unquote(match.group("s"))
    words = match.group("what").lower() == "words"
    return _number(len(text.split()) if words else len(text))


def _number(count: int) -> Solution:
    misses = tuple(str(n) for n in (count + 1, count - 1, count + 2) if n >= 0)
    return Solution("string", str(count), misses, count)
