"""JSON extraction: pull named fields out of a quoted sentence and answer with compact JSON.

Form: `Extract the KEYS from: "SENTENCE" Reply with JSON with keys KEYS.`
KEYS is a list like `name and age` or `name, age and city`; the second list fixes the order
of the output keys. Known keys: `name` (the sentence's first capitalised word), `age`
(`N years old` or `aged N`, an integer), `city` (`lives in City Name`), `occupation` or
`job` (`works as a/an JOB`). A key the sentence does not give is `null`.

The answer is compact JSON (`json.dumps(..., separators=(",", ":"))`), e.g.
`{"name":"Alice","age":30}`. Wrong answers change one value (age off by a little, another
name or city).
"""

from __future__ import annotations

import json
import re
from typing import Any

from orkit.sim.solvers._types import Solution

__all__ = ["solve"]

_ASK_RE = re.compile(
    r"^extract\s+the\s+(?P<first>[\w ,]+?)\s+from\s*:\s*[\"“](?P<s>[^\"”]+)[\"”]\s*\.?\s*"
    r"reply\s+with\s+(?:a\s+)?json\s+(?:object\s+)?with\s+(?:the\s+)?keys\s+(?P<keys>[\w ,]+?)"
    r"\s*\.?\s*$",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"^\s*([A-Z][a-z]+)")
_AGE_RE = re.compile(r"\b(\d{1,3})\s+years?\s+old\b|\baged\s+(\d{1,3})\b")
_CITY_RE = re.compile(r"\blives\s+in\s+([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*)")
_JOB_RE = re.compile(r"\bworks\s+as\s+an?\s+([a-z]+(?:\s+[a-z]+)*?)(?=\s+and\b|[.,;]|$)")
_OTHER_NAMES = ("Alex", "Maria", "John", "Sara", "David", "Emma")
_OTHER_CITIES = ("Paris", "Berlin", "Madrid", "Rome", "Lisbon", "Vienna")


def solve(line: str) -> Solution | None:
    """Recognise and answer a JSON extraction question (one line of the user message)."""
    match = _ASK_RE.match(line.strip())
    if match is None:
        return None
    keys = _key_list(match.group("keys"))
    if not keys:
        return None
    sentence = match.group("s")
    record = {key: _extract(key, sentence) for key in keys}
    answer = _dump(record)
    return Solution("json", answer, _near_misses(record), record)


def _key_list(text: str) -> list[str]:
    parts = re.split(r"\s*,\s*|\s+and\s+", text.strip().lower())
    return list(dict.fromkeys(p for p in (x.strip() for x in parts) if p))


def _extract(key: str, sentence: str) -> Any:
    if key == "name":
        found = _NAME_RE.search(sentence)
        return found.group(1) if found else None
    if key == "age":
        found = _AGE_RE.search(sentence)
        return int(found.group(1) or found.group(2)) if found else None
    if key == "city":
        found = _CITY_RE.search(sentence)
        return found.group(1) if found else None
    if key in ("occupation", "job"):
        found = _JOB_RE.search(sentence)
        return found.group(1) if found else None
    return None


def _near_misses(record: dict[str, Any]) -> tuple[str, ...]:
    misses = []
    for key, value in record.items():
        if isinstance(value, int):
            for delta in (1, -1, 2, 10):
                misses.append(_dump({**record, key: value + delta}))
        elif key == "name" and isinstance(value, str):
            other = next(n for n in _OTHER_NAMES if n != value)
            misses.append(_dump({**record, key: other}))
        elif key == "city" and isinstance(value, str):
            other = next(c for c in _OTHER_CITIES if c != value)
            misses.append(_dump({**record, key: other}))
    return tuple(misses) or (_dump(dict.fromkeys(record)),)


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)
