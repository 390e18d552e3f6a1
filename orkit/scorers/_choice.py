"""Multiple-choice answers: find the letter a model chose ("The answer is (B)" → B) and
compare it with the item's expected choice.

Models rarely answer with the bare letter, so extraction tries, in order, and keeps the first
that finds a choice:
1. an explicit statement, last one wins: "answer is (B)", "Answer: B", "final answer: **B**",
   "I choose B", "option B";
2. the whole output is one choice, decorated or not: "B", "(B)", "B.", "**B**", "B) Paris";
3. the first line opens with a choice: "B. Paris is the capital ...";
4. exactly one choice appears as a standalone capital ("I'd go with C here") — when several
   different ones appear, nothing is extracted rather than a guess.
Lower-case letters count only in an explicit statement (step 1): a bare "a" is an article.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orkit.errors import ConfigError
from orkit.scorers._base import Score

__all__ = ["extract_choice", "multiple_choice"]

_DECOR = "*_`'\"()[]{}<>.,:;!? \t\n"


@dataclass(frozen=True, slots=True)
class _Patterns:
    statement: re.Pattern[str]
    opening: re.Pattern[str]
    standalone: re.Pattern[str]


def _patterns(choices: Sequence[str]) -> _Patterns:
    alt = "|".join(re.escape(c) for c in sorted(choices, key=len, reverse=True))
    mark = r"[\s*_`'\"(\[]*"
    return _Patterns(
        statement=re.compile(
            r"(?:answer\s*(?:is|:|=)|answer\s+would\s+be|choice\s*(?:is|:)|option\s*(?:is|:)?"
            r"|i\s+(?:choose|pick|select|go\s+with)|correct\s+(?:one|option|choice)\s+is)"
            rf"{mark}(?:option\s+|choice\s+)?({alt})(?!\w)",
            re.IGNORECASE,
        ),
        opening=re.compile(rf"^{mark}({alt})\s*[).:\]](?:\s|$)"),
        standalone=re.compile(rf"(?<![\w'’-])({alt})(?![\w'’-])"),
    )


def extract_choice(output: str, choices: Sequence[str]) -> str | None:
    """The choice `output` states, or None (see the module docstring for the rules).
    `choices` is a list of labels, or a string of one-character ones ("ABCD")."""
    labels = tuple(choices)
    return _extract(output, labels, _patterns(labels))


def _extract(output: str, choices: tuple[str, ...], p: _Patterns) -> str | None:
    found = p.statement.findall(output)
    if found:
        upper = {c.upper(): c for c in choices}
        last = str(found[-1])
        return upper.get(last.upper(), last)
    text = output.strip()
    if text.strip(_DECOR) in choices:
        return text.strip(_DECOR)
    opening = p.opening.match(text)
    if opening is not None:
        return opening.group(1)
    standalone = {m.group(1) for m in p.standalone.finditer(text) if not _is_word(text, m)}
    return standalone.pop() if len(standalone) == 1 else None


def _is_word(text: str, match: re.Match[str]) -> bool:
    """Whether a capital "A" or "I" is English here, not a choice ("A good one")."""
    if match.group(1) not in ("A", "I"):
        return False
    rest = text[match.end() : match.end() + 2]
    return len(rest) == 2 and rest[0] == " " and rest[1].islower()


@dataclass(frozen=True, slots=True)
class MultipleChoice:
    name: str
    expected: str
    choices: tuple[str, ...]
    _patterns: _Patterns = field(repr=False, compare=False)

    @property
    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "kind": "multiple_choice",
            "expected": self.expected,
            "choices": list(self.choices),
        }
        if self.name != "multiple_choice":
            spec["name"] = self.name
        return spec

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        want = self._expected_choice(fields.get(self.expected))
        if want is None:
            return None  # no expected choice on this item (or not one of the choices)
        got = _extract(output or "", self.choices, self._patterns)
        if got is None:
            return Score(0.0, passed=False, expected=want, detail="no choice found in the output")
        ok = got == want
        return Score(1.0 if ok else 0.0, passed=ok, expected=want, detail=f"chose {got}")

    def _expected_choice(self, value: Any) -> str | None:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):  # a 0-based index, as in many Hugging Face datasets
            return self.choices[value] if 0 <= value < len(self.choices) else None
        text = str(value).strip().strip(_DECOR)
        for choice in self.choices:
            if text == choice or text.upper() == choice.upper():
                return choice
        return None


def multiple_choice(
    expected: str = "answer",
    *,
    choices: str | Sequence[str] = "ABCD",
    name: str = "multiple_choice",
) -> MultipleChoice:
    """The choice the output states equals the item's `expected` column (a letter like "B"
    or "(B)", or a 0-based index). `choices` is a string of one-character choices ("ABCDE")
    or a list of labels (["A", "B", "C"], ["1", "2", "3"]). Does not apply to items whose
    expected value is not one of the choices."""
    labels = tuple(choices) if isinstance(choices, str) else tuple(str(c) for c in choices)
    if not labels or any(not c.strip() or c != c.strip() for c in labels):
        raise ConfigError(f"scorer multiple_choice: choices must be non-empty labels: {choices!r}")
    if len(set(labels)) != len(labels):
        raise ConfigError(f"scorer multiple_choice: choices repeat: {choices!r}")
    return MultipleChoice(name, expected, labels, _patterns(labels))
