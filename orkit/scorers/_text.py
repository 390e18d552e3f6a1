"""Deterministic scorers that compare an output with an expected value from the dataset."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from orkit.errors import ConfigError
from orkit.scorers._base import Score

__all__ = [
    "contains",
    "exact",
    "json_equal",
    "normalized",
    "numeric",
    "regex",
    "strip_fence",
]

_NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_SPACE = re.compile(r"\s+")
_TRAILING_PUNCT = ".!?;:"


def _expected_text(fields: Mapping[str, Any], key: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _normalize(text: str) -> str:
    text = _SPACE.sub(" ", text.strip().casefold())
    return text.rstrip(_TRAILING_PUNCT).strip().strip("\"'`")


def _to_number(text: str) -> float | None:
    match = _NUMBER.search(text)
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class _Comparer:
    """A pass/fail scorer built from a comparison of output and expected text."""

    name: str
    expected: str
    compare: Callable[[str, str], bool | None] = field(repr=False)
    spec: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The scorer's spec form (`[[scorers]]` table), so a run's manifest can rebuild it."""

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score | None:
        expected = _expected_text(fields, self.expected)
        if expected is None:
            return None
        verdict = self.compare(output or "", expected)
        if verdict is None:
            return None
        return Score(1.0 if verdict else 0.0, passed=verdict, expected=expected)


def _spec(kind: str, name: str | None, **options: Any) -> dict[str, Any]:
    spec = {"kind": kind, **options}
    if name is not None and name != kind:
        spec["name"] = name
    return spec


def exact(expected: str = "answer", *, strip: bool = True, name: str | None = None) -> _Comparer:
    """The output equals the expected text (surrounding whitespace ignored unless strip=False)."""

    def compare(out: str, exp: str) -> bool:
        return out.strip() == exp.strip() if strip else out == exp

    spec = _spec("exact", name, expected=expected, strip=strip)
    return _Comparer(name or "exact", expected, compare, spec)


def normalized(expected: str = "answer", *, name: str | None = None) -> _Comparer:
    """Equal after case folding, collapsing whitespace, and dropping quotes and end punctuation."""
    spec = _spec("normalized", name, expected=expected)
    return _Comparer(
        name or "normalized", expected, lambda o, e: _normalize(o) == _normalize(e), spec
    )


def contains(
    expected: str = "answer", *, case_sensitive: bool = False, name: str | None = None
) -> _Comparer:
    """The expected text appears in the output."""

    def compare(out: str, exp: str) -> bool:
        return exp in out if case_sensitive else exp.casefold() in out.casefold()

    spec = _spec("contains", name, expected=expected, case_sensitive=case_sensitive)
    return _Comparer(name or "contains", expected, compare, spec)


def numeric(
    expected: str = "answer",
    *,
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-9,
    name: str | None = None,
) -> _Comparer:
    """The first number in the output equals the expected number within tolerance.
    Does not apply (no score) to items whose expected value is not a number."""

    def compare(out: str, exp: str) -> bool | None:
        want = _to_number(exp)
        if want is None or _NUMBER.fullmatch(exp.strip().replace(",", "")) is None:
            return None
        got = _to_number(out)
        return got is not None and math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol)

    spec = _spec("numeric", name, expected=expected, rel_tol=rel_tol, abs_tol=abs_tol)
    return _Comparer(name or "numeric", expected, compare, spec)


@dataclass(frozen=True, slots=True)
class _Regex:
    name: str
    pattern: re.Pattern[str]

    @property
    def spec(self) -> dict[str, Any]:
        return _spec("regex", self.name, pattern=self.pattern.pattern)

    def __call__(self, output: str | None, fields: Mapping[str, Any]) -> Score:
        ok = self.pattern.search(output or "") is not None
        return Score(1.0 if ok else 0.0, passed=ok, expected=self.pattern.pattern)


def regex(pattern: str, *, name: str = "regex") -> _Regex:
    """The output matches `pattern` (re.search). Applies to every item."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"scorer regex: invalid pattern {pattern!r}: {exc}") from exc
    return _Regex(name, compiled)


def json_equal(expected: str = "answer", *, name: str | None = None) -> _Comparer:
    """Output and expected parse as JSON and are equal (key order and spacing ignored).
    Does not apply to items whose expected value is not JSON."""

    def compare(out: str, exp: str) -> bool | None:
        try:
            want = json.loads(exp)
        except ValueError:
            return None
        if not isinstance(want, dict | list):
            return None
        try:
            return bool(json.loads(strip_fence(out)) == want)
        except ValueError:
            return False

    spec = _spec("json_equal", name, expected=expected)
    return _Comparer(name or "json_equal", expected, compare, spec)


def strip_fence(text: str) -> str:
    """The text inside a Markdown code fence (```json ... ```), or the text itself."""
    text = text.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    return text
