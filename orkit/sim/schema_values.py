"""JSON values made to fit a JSON schema: tool-call arguments and structured-output answers.

`sample(schema, hints, draw)` builds a value valid against `schema`, deterministically:

- `const`, then `enum` (the member the prompt mentions, else one drawn), then `default`,
  then `examples[0]` win over anything generated;
- objects get every property (strict schemas require them all, and a model fills a form),
  in schema order; arrays get `minItems` items (at least 1, at most `maxItems`);
- strings: a property named like a query (`query`, `text`, `question`, ...) gets the
  prompt itself; any other gets the prompt's next proper noun ("Paris" in "the weather in
  Paris"), else one of its words, else the property name; `format` date, date-time, time,
  email, uri and uuid get a fixed well-formed value; lengths are held to
  `minLength`/`maxLength`;
- integers and numbers: a number from the prompt when it fits the bounds, else the
  smallest value the bounds allow (0 when unbounded); booleans: true;
- `anyOf`/`oneOf` take their first non-null branch, `allOf` merges its branches, `$ref`
  follows `#/$defs/...` and `#/definitions/...` (as Pydantic writes them), a type list
  takes its first non-null type.

`break_value` makes a value invalid against its schema (a scorer's negative case), and
`answer_path` says where the answer to a solvable question goes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ValueHints", "answer_path", "break_value", "put", "sample"]

_QUERY_NAMES = frozenset(
    {"query", "q", "text", "prompt", "question", "message", "content", "input", "search"}
)
_ANSWER_NAMES = ("answer", "result", "solution", "value", "output", "response", "final")
_EXPLANATION_NAMES = (
    "reason", "explan", "rationale", "thought", "analysis", "justif", "note", "comment", "step",
)  # fmt: skip
_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_WORD_RE = re.compile(r"[A-Za-z][\w'-]*")
_NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")
_MAX_DEPTH = 8


@dataclass
class ValueHints:
    """What the prompt offers to fill strings and numbers with (consumed in order)."""

    text: str
    proper_nouns: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> ValueHints:
        """Hints from a prompt: its proper nouns (capitalised, not opening a sentence), its
        longer words, its numbers."""
        nouns: list[str] = []
        words: list[str] = []
        sentence_start = True
        for match in re.finditer(r"[A-Za-z][\w'-]*|[.!?:]", text):
            token = match.group()
            if token in ".!?:":
                sentence_start = True
                continue
            proper = token[0].isupper() and len(token) > 1 and "'" not in token  # not "I", "I'm"
            if proper and not sentence_start and token not in nouns:
                nouns.append(token)
            elif len(token) >= 4 and token.lower() not in words:
                words.append(token.lower())
            sentence_start = False
        numbers = [float(n) for n in _NUMBER_RE.findall(text)]
        return cls(text.strip(), nouns, words, numbers)

    def string(self, name: str, draw: float) -> str:
        if name.lower() in _QUERY_NAMES:
            return self.text or name
        if self.proper_nouns:
            return self.proper_nouns.pop(0)
        if self.words:
            return self.words[int(draw * len(self.words))]
        return name or "value"


def _resolve(schema: Any, root: Mapping[str, Any]) -> Mapping[str, Any]:
    """`schema` with `$ref`, `allOf` and `anyOf`/`oneOf` resolved one level."""
    for _ in range(_MAX_DEPTH):
        if not isinstance(schema, Mapping):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, Mapping) else {}
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, Mapping) else rest
            continue
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for branch in schema["allOf"]:
                branch = _resolve(branch, root)
                props = {**merged.get("properties", {}), **branch.get("properties", {})}
                required = [*merged.get("required", []), *branch.get("required", [])]
                merged = {**branch, **merged, "properties": props, "required": required}
            schema = merged
            continue
        for key in ("anyOf", "oneOf"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                non_null = [b for b in branches if not _is_null(b)] or branches
                rest = {k: v for k, v in schema.items() if k != key}
                schema = {**rest, **non_null[0]} if isinstance(non_null[0], Mapping) else rest
                break
        else:
            return schema
    return schema if isinstance(schema, Mapping) else {}


def _is_null(branch: Any) -> bool:
    return isinstance(branch, Mapping) and branch.get("type") == "null"


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), kind[0] if kind else None)
    if kind is None:
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
    return kind if isinstance(kind, str) else None


def sample(schema: Any, hints: ValueHints, draw: float, *, root: Any = None) -> Any:
    """A value valid against `schema` (see the module); `draw` in [0, 1) picks among
    equally good choices."""
    return _sample(schema, hints, draw, root if root is not None else schema, "", 0)


def _sample(schema: Any, hints: ValueHints, draw: float, root: Any, name: str, depth: int) -> Any:
    node = _resolve(schema, root if isinstance(root, Mapping) else {})
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    if isinstance(enum, list) and enum:
        lowered = hints.text.lower()
        mentioned = [v for v in enum if isinstance(v, str) and v.lower() in lowered]
        return mentioned[0] if mentioned else enum[int(draw * len(enum))]
    for key in ("default",):
        if key in node:
            return node[key]
    examples = node.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    kind = _type_of(node)
    if kind == "object":
        if depth >= _MAX_DEPTH:
            return {}
        props = node.get("properties")
        if not isinstance(props, Mapping):
            return {}
        return {
            key: _sample(sub, hints, draw, root, str(key), depth + 1) for key, sub in props.items()
        }
    if kind == "array":
        low = node.get("minItems", 1)
        count = max(1, low if isinstance(low, int) else 1)
        high = node.get("maxItems")
        if isinstance(high, int):
            count = min(count, high)
        if depth >= _MAX_DEPTH:
            return []
        items = node.get("items", {})
        return [_sample(items, hints, draw, root, name, depth + 1) for _ in range(count)]
    if kind in ("integer", "number"):
        return _number(node, hints, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "string" or kind is None:
        return _string(node, hints, name, draw)
    return None


def _number(node: Mapping[str, Any], hints: ValueHints, integer: bool) -> int | float:
    low = node.get("minimum")
    high = node.get("maximum")
    ex_low = node.get("exclusiveMinimum")
    ex_high = node.get("exclusiveMaximum")

    def fits(value: float) -> bool:
        if integer and value != int(value):
            return False
        if isinstance(low, int | float) and value < low:
            return False
        if isinstance(high, int | float) and value > high:
            return False
        if isinstance(ex_low, int | float) and not isinstance(ex_low, bool) and value <= ex_low:
            return False
        return not (isinstance(ex_high, int | float) and value >= ex_high)

    for candidate in hints.numbers:
        if fits(candidate):
            return int(candidate) if integer else candidate
    value: float = 0
    if isinstance(low, int | float):
        value = low
    elif isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
        value = ex_low + 1
    elif isinstance(high, int | float) and high < 0:
        value = high
    return int(value) if integer else value


def _string(node: Mapping[str, Any], hints: ValueHints, name: str, draw: float) -> str:
    fmt = node.get("format")
    text = _FORMATS.get(fmt) if isinstance(fmt, str) else None
    if text is None:
        text = hints.string(name, draw)
    high = node.get("maxLength")
    if isinstance(high, int) and len(text) > high:
        text = text[:high]
    low = node.get("minLength")
    if isinstance(low, int) and len(text) < low:
        text = text + "x" * (low - len(text))
    return text


def answer_path(schema: Any) -> tuple[str, str] | None:
    """(property, its type) of the top-level field an answer goes in: the first named like an
    answer (`answer`, `result`, `solution`, `value`, `output`, `response`, `final`, or one
    containing them), else the first string, number or integer field not named like an
    explanation (`reasoning`, `explanation`, `rationale`, `notes`, `steps`, ...); None when
    there is none."""
    root = schema if isinstance(schema, Mapping) else {}
    node = _resolve(schema, root)
    props = node.get("properties")
    if not isinstance(props, Mapping):
        return None
    typed = []
    for key, sub in props.items():
        kind = _type_of(_resolve(sub, root))
        if kind in ("string", "number", "integer"):
            typed.append((str(key), kind))
    for wanted in _ANSWER_NAMES:
        for key, kind in typed:
            if wanted in key.lower():
                return key, kind
    plain = [(k, t) for k, t in typed if not any(n in k.lower() for n in _EXPLANATION_NAMES)]
    return plain[0] if plain else None


def put(value: Any, path: tuple[str, str], answer: Any) -> Any:
    """`value` with `answer` in the field `path` names, converted to its type when it can be
    (a numeric answer for a number field, any answer as text for a string field)."""
    key, kind = path
    if not isinstance(value, dict):
        return value
    if kind == "string":
        converted: Any = answer if isinstance(answer, str) else _text(answer)
    else:
        try:
            number = float(answer)
        except (TypeError, ValueError):
            return value
        if kind == "integer":
            if number != int(number):
                return value
            converted = int(number)
        else:
            converted = int(number) if number == int(number) else number
    return {**value, key: converted}


def _text(answer: Any) -> str:
    if isinstance(answer, float) and answer == int(answer):
        return str(int(answer))
    return str(answer)


def break_value(schema: Any, value: Any, draw: float) -> Any | None:
    """`value` made invalid against `schema`: a required property dropped (drawn), else a
    property given the wrong type, else a value of the wrong type; None when the schema
    accepts anything (the caller then sends malformed JSON)."""
    root = schema if isinstance(schema, Mapping) else {}
    node = _resolve(schema, root)
    kind = _type_of(node)
    if kind == "object" and isinstance(value, dict):
        required = [k for k in node.get("required") or () if k in value]
        if required:
            dropped = required[int(draw * len(required))]
            return {k: v for k, v in value.items() if k != dropped}
        props = node.get("properties")
        if isinstance(props, Mapping):
            for key, sub in props.items():
                wrong = _wrong_type(_type_of(_resolve(sub, root)))
                if wrong is not None and key in value:
                    return {**value, key: wrong}
    wrong = _wrong_type(kind)
    return wrong


def _wrong_type(kind: str | None) -> Any | None:
    if kind is None:
        return None
    if kind == "string":
        return 12345
    if kind == "object":
        return []
    return "not a " + kind
