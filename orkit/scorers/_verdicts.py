"""Read a judge's reply: a score on a scale, a correct/incorrect verdict, or a pairwise
winner. Judges reason before they conclude, so the *last* statement wins; a JSON object
(bare or in a code fence) is read first when there is one. Each reader returns the value and
None, or None and why the reply could not be read — never raises.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["read_score", "read_verdict", "read_winner"]

_NUM = r"(\d+(?:\.\d+)?)"
_SCORE_RE = re.compile(
    r"(?:score|rating|grade)\**\s*(?:is|of|=|:)?\s*[*_\[(\s]*" + _NUM + r"[*_\])\s]*"
    r"(?:(?:/|out\s+of|of)\s*" + _NUM + r")?",
    re.IGNORECASE,
)
_BRACKETS_RE = re.compile(r"\[\[\s*" + _NUM + r"\s*\]\]")  # MT-bench: "Rating: [[4]]"
_FRACTION_RE = re.compile(r"(?<![\d.])" + _NUM + r"\s*/\s*" + _NUM + r"(?![\d.])")
_VERDICT_RE = re.compile(
    r"(?:verdict|grade|judg(?:e?ment)|answer\s+is|result)\**\s*[:=]?\s*[*_`'\"\s]*"
    r"(correct|incorrect|pass|fail|yes|no|right|wrong|true|false)\b",
    re.IGNORECASE,
)
_WINNER_RE = re.compile(
    r"(?:winner|better\s+answer|verdict|preferred|choice)\**\s*(?:is|:|=)?\s*[*_`'\"\[\s]*"
    r"(?:answer\s+|assistant\s+|response\s+)?(a|b|tie|draw|neither|both|equal)\b",
    re.IGNORECASE,
)
_MT_WINNER_RE = re.compile(r"\[\[\s*(A|B|C|tie)\s*\]\]", re.IGNORECASE)
_TRUE = frozenset({"correct", "pass", "yes", "right", "true"})
_FALSE = frozenset({"incorrect", "fail", "no", "wrong", "false"})
_TIE = frozenset({"tie", "draw", "neither", "both", "equal", "c"})


def _json_object(text: str) -> dict[str, Any] | None:
    """The last JSON object in the reply (a fenced block or a bare `{...}`), if any."""
    start = text.rfind("{")
    while start >= 0:
        end = text.find("}", start)
        while end >= 0:
            try:
                value = json.loads(text[start : end + 1])
            except ValueError:
                end = text.find("}", end + 1)
                continue
            return value if isinstance(value, dict) else None
        start = text.rfind("{", 0, start)
    return None


def _lookup(obj: dict[str, Any], *keys: str) -> Any:
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        if key in lowered:
            return lowered[key]
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = re.search(_NUM, value)
        return float(match.group(1)) if match else None
    return None


def read_score(reply: str | None, scale: int) -> tuple[float | None, str | None]:
    """A score in [1, scale] from "Score: 4/5", "Rating: [[4]]", `{"score": 4}`... A score
    given on another scale ("8/10") is converted to this one."""
    text = reply or ""
    obj = _json_object(text)
    if obj is not None:
        found = _number(_lookup(obj, "score", "rating", "grade"))
        if found is not None:
            return _on_scale(found, None, scale)
    matches = list(_SCORE_RE.finditer(text)) or list(_BRACKETS_RE.finditer(text))
    if matches:
        last = matches[-1]
        out_of = last.group(2) if last.re is _SCORE_RE else None
        return _on_scale(float(last.group(1)), float(out_of) if out_of else None, scale)
    fractions = list(_FRACTION_RE.finditer(text))
    if fractions:
        last = fractions[-1]
        return _on_scale(float(last.group(1)), float(last.group(2)), scale)
    return None, _unreadable("no score", text)


def _on_scale(value: float, out_of: float | None, scale: int) -> tuple[float | None, str | None]:
    if out_of is not None and out_of > 0 and out_of != scale:
        value = value * scale / out_of
    if not 1 <= value <= scale:
        return None, f"score {value:g} is outside 1..{scale}"
    return value, None


def read_verdict(reply: str | None) -> tuple[bool | None, str | None]:
    """Correct or not, from "Verdict: CORRECT", `{"correct": true}`, a last line "PASS"..."""
    text = reply or ""
    obj = _json_object(text)
    if obj is not None:
        value = _lookup(obj, "correct", "passed", "pass", "verdict", "grade", "result")
        word = str(value).strip().lower() if value is not None else ""
        if isinstance(value, bool):
            return value, None
        if word in _TRUE or word in _FALSE:
            return word in _TRUE, None
    matches = _VERDICT_RE.findall(text)
    if matches:
        return matches[-1].lower() in _TRUE, None
    last = _last_line_word(text)
    if last in _TRUE or last in _FALSE:
        return last in _TRUE, None
    return None, _unreadable("no verdict", text)


def read_winner(reply: str | None) -> tuple[str | None, str | None]:
    """The winner, "A", "B" or "tie": from "Winner: A", "[[B]]" (MT-bench; "[[C]]" is a
    tie), `{"winner": "tie"}`, or a last line that is just "A"/"B"/"tie"."""
    text = reply or ""
    obj = _json_object(text)
    if obj is not None:
        value = _lookup(obj, "winner", "better", "preferred", "verdict", "choice")
        if isinstance(value, str) and value.strip():
            return _side(value.strip().lower())
    matches = _WINNER_RE.findall(text) or _MT_WINNER_RE.findall(text)
    if matches:
        return _side(matches[-1].lower())
    last = _last_line_word(text)
    if last in ("a", "b") or last in _TIE:
        return _side(last)
    return None, _unreadable("no winner", text)


def _side(word: str) -> tuple[str | None, str | None]:
    word = word.removeprefix("answer ").removeprefix("assistant ").strip()
    if word in ("a", "b"):
        return word.upper(), None
    if word in _TIE:
        return "tie", None
    return None, f"unknown winner {word!r}"


def _last_line_word(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip("*_`'\".:!() ").lower() if lines else ""


def _unreadable(what: str, text: str) -> str:
    snippet = " ".join(text.split())[:120]
    return f"{what} in the judge's reply: {snippet!r}" if snippet else f"{what}: empty reply"
