"""Chat prompts (layer 2): a dataset column of OpenAI-style messages, few-shot examples and an
assistant prefill, checked and rendered per row into the messages a request sends.

A conversation cell is a list of `{role, content}` objects (or that list as JSON text, as a
CSV cell holds it). Roles are system, user, assistant and tool; content is a string or a
list of content parts. Each message's text is a Jinja template over the row, rendered with
`PromptTemplate`'s environment (undefined and null values are errors); text without `{`
skips Jinja. Few-shot examples are literal text, never rendered: they are data, and code
examples in them may well contain `{{`.

Every error here is a one-line `DatasetError` naming the row's line and the column; the
plan adds the dataset's path (`with_path`), as `validate_dataset` reports the first one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2

from orkit.data._common import json_kind
from orkit.data._dataset import Item
from orkit.errors import ConfigError, DatasetError, TemplateError

__all__ = [
    "ROLES",
    "assemble",
    "chat_messages",
    "conversation",
    "load_few_shot",
    "shots_of",
    "with_path",
]

ROLES = ("system", "user", "assistant", "tool")
"""The roles a dataset's message may have (OpenRouter also takes `developer`, which not every
provider does: a dataset says `system`)."""

Message = dict[str, Any]


def row_error(item: Item | None, column: str | None, message: str) -> DatasetError:
    """A one-line error naming the row's line and the column (the plan adds the file)."""
    err = DatasetError(message, line=item.line if item else None, field=column)
    err.reason = message  # type: ignore[attr-defined]  # what `with_path` re-wraps
    return err


def with_path(exc: DatasetError, path: str | None) -> DatasetError:
    """`exc` naming `path` too (the template knows the row, the plan the file)."""
    if exc.path is not None or path is None:
        return exc
    reason = getattr(exc, "reason", None)
    if reason is None:
        return exc
    return DatasetError(reason, path=path, line=exc.line, field=exc.field)


@functools.lru_cache(maxsize=4096)
def _compiled(env: jinja2.Environment, text: str) -> jinja2.Template:
    # A dataset's messages repeat (a shared instruction, the same opening turn): compiling
    # costs ~100 µs, so each distinct text compiles once.
    return env.from_string(text)


def render_text(
    env: jinja2.Environment, text: str, fields: Mapping[str, Any], where: Callable[[str], Exception]
) -> str:
    """`text` rendered over the row, or as it is when it has no Jinja markup."""
    if "{" not in text:
        return text
    try:
        return _compiled(env, text).render(fields)
    except jinja2.TemplateSyntaxError as exc:
        raise where(f"line {exc.lineno} of the text: {exc.message}") from None
    except TemplateError:
        raise where("a value renders null") from None
    except jinja2.UndefinedError as exc:
        raise where(exc.message or "undefined value") from None
    except Exception as exc:
        raise where(f"{type(exc).__name__}: {exc}") from None


def _as_list(value: Any) -> Any:
    """A cell as Python data: JSON text parsed, numpy/Arrow arrays (pandas, Parquet) listed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if hasattr(value, "tolist") and not isinstance(value, list | dict):
        return value.tolist()
    return value


def _plain(value: Any, top: bool = True) -> Any:
    """A cell as plain lists and dicts (JSON text parsed at the top level only); a Parquet
    struct's absent keys come back as None: they are dropped (content stays)."""
    if top:
        value = _as_list(value)
    elif hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()
    if isinstance(value, Mapping):
        return {k: _plain(v, False) for k, v in value.items() if v is not None or k == "content"}
    if isinstance(value, list):
        return [_plain(v, False) for v in value]
    return value


def _check_message(m: Any, at: str, fail: Callable[[str], DatasetError]) -> Message:
    if not isinstance(m, Mapping):
        raise fail(f"{at}: must be an object with role and content, got {json_kind(m)}")
    role = m.get("role")
    if role not in ROLES:
        raise fail(f"{at}: role must be one of {', '.join(ROLES)}, got {role!r}")
    content = m.get("content")
    if content is None:
        if role == "assistant" and m.get("tool_calls"):
            return dict(m)
        raise fail(f"{at} ({role}): no content")
    if isinstance(content, list):
        for j, part in enumerate(content):
            if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
                raise fail(f"{at}, part {j}: must be an object with a type, got {json_kind(part)}")
            if part["type"] == "text" and not isinstance(part.get("text"), str):
                raise fail(f"{at}, part {j}: a text part needs a string text")
    elif not isinstance(content, str):
        raise fail(
            f"{at} ({role}): content must be a string or a list of parts, got {json_kind(content)}"
        )
    return dict(m)


def conversation(item: Item, column: str, env: jinja2.Environment | None) -> list[Message]:
    """The row's conversation, checked, each text rendered over the row (None `env`: as is)."""
    fields = item.fields
    if column not in fields:
        raise row_error(item, column, "no such column in this row")
    value = _plain(fields[column])

    def fail(message: str) -> DatasetError:
        return row_error(item, column, message)

    if not isinstance(value, list) or not value:
        what = "an empty list" if value == [] else json_kind(value)
        raise fail(f"must be a list of messages (objects with role and content), got {what}")
    out = []
    for i, raw in enumerate(value):
        m = _check_message(raw, f"message {i}", fail)
        if env is not None:
            m = _render_message(m, env, fields, _prefixed(fail, f"message {i}: "))
        out.append(m)
    return out


def _prefixed(fail: Callable[[str], DatasetError], prefix: str) -> Callable[[str], Exception]:
    return lambda why: fail(prefix + why)


def _render_message(
    m: Message,
    env: jinja2.Environment,
    fields: Mapping[str, Any],
    where: Callable[[str], Exception],
) -> Message:
    content = m.get("content")
    if isinstance(content, str):
        return {**m, "content": render_text(env, content, fields, where)}
    if isinstance(content, list):
        parts = [
            {**p, "text": render_text(env, p["text"], fields, where)} if p["type"] == "text" else p
            for p in content
        ]
        return {**m, "content": parts}
    return m


# ---------------------------------------------------------------------------- few-shot


def shots_of(examples: Any, fail: Callable[[str], Exception]) -> list[Message]:
    """Few-shot examples as messages: each `{input, output}` a user/assistant pair, a
    `{role, content}` one message, a `{messages: [...]}` several."""
    examples = _plain(examples)
    if not isinstance(examples, list):
        raise fail(f"few-shot examples must be a list, got {json_kind(examples)}")
    out: list[Message] = []
    for i, ex in enumerate(examples):
        if isinstance(ex, Mapping) and "input" in ex and "output" in ex:
            for key in ("input", "output"):
                if not isinstance(ex[key], str):
                    raise fail(f"example {i}: {key} must be a string, got {json_kind(ex[key])}")
            out.append({"role": "user", "content": ex["input"]})
            out.append({"role": "assistant", "content": ex["output"]})
        elif isinstance(ex, Mapping) and "messages" in ex and isinstance(ex["messages"], list):
            for j, m in enumerate(ex["messages"]):
                out.append(_check_message(m, f"example {i}, message {j}", fail))  # type: ignore[arg-type]
        elif isinstance(ex, Mapping) and "role" in ex:
            out.append(_check_message(ex, f"example {i}", fail))  # type: ignore[arg-type]
        else:
            raise fail(
                f"example {i}: must be {{input, output}}, {{role, content}} or {{messages}}, "
                f"got {json_kind(ex)}"
            )
    return out


def load_few_shot(source: str | Path | Sequence[Mapping[str, Any]]) -> tuple[Message, ...]:
    """Few-shot messages from a JSONL/JSON file or a list of examples (`shots_of`'s forms)."""
    if not isinstance(source, str | Path):
        return tuple(shots_of(list(source), ConfigError))
    path = Path(source)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"few-shot file {path}: cannot read ({exc.strerror})") from None
    examples: list[Any] = []
    if path.suffix.lower() == ".json":
        try:
            examples = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"few-shot file {path}: invalid JSON ({exc})") from None
    else:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                examples.append(json.loads(line))
            except ValueError as exc:
                raise ConfigError(f"few-shot file {path}, line {n}: invalid JSON ({exc})") from None

    def fail(message: str) -> ConfigError:
        return ConfigError(f"few-shot file {path}: {message}")

    shots = shots_of(examples, fail)
    if not shots:
        raise fail("no examples")
    return tuple(shots)


# ---------------------------------------------------------------------------- assembly


def assemble(
    item: Item,
    *,
    system: str | None,
    conversation_: Sequence[Message],
    shots: Sequence[Message],
    user: str | None,
    prefill: str | None,
    column: str | None,
) -> list[Message]:
    """The request's messages: system, few-shot pairs, the conversation, the final user
    message, the prefill.

    The prompt's `system` is prepended to a conversation without a system message; one
    whose system message says the same is left as it is; one whose system message says
    something else is an error (which of the two should the model see?). Few-shot pairs
    go after the leading system messages, before the first turn of the row: for a plain
    prompt, just before the final user message. A trailing assistant message (the
    conversation's last, or `prefill`) is sent last: the model continues it.
    """
    conv = list(conversation_)
    own_system = [m for m in conv if m.get("role") == "system"]
    if system is not None and system.strip():
        if own_system and all(m.get("content") != system for m in own_system):
            raise row_error(
                item,
                column,
                "the conversation has its own system message and the prompt sets a different "
                "system; drop one of them",
            )
        if not own_system:
            conv.insert(0, {"role": "system", "content": system})
    lead = 0
    while lead < len(conv) and conv[lead].get("role") == "system":
        lead += 1
    out = [*conv[:lead], *shots, *conv[lead:]]
    if user is not None:
        out.append({"role": "user", "content": user})
    if prefill is not None:
        if out and out[-1].get("role") == "assistant":
            raise row_error(
                item,
                column,
                "the conversation already ends with an assistant message (a prefill) and the "
                "prompt sets prefill too; drop one of them",
            )
        out.append({"role": "assistant", "content": prefill})
    if not any(m.get("role") != "system" for m in out):
        raise row_error(item, column, "no message to send besides the system prompt")
    return out


def chat_messages(
    row: Item,
    *,
    conversation_column: str | None,
    env: jinja2.Environment | None,
    shots: Sequence[Message],
    few_shot_column: str | None,
    texts: tuple[str | None, str | None, str | None],
) -> list[Message]:
    """A chat prompt's messages for one row: `texts` are its rendered system, final user
    message and prefill (None: not set)."""
    conv = [] if conversation_column is None else conversation(row, conversation_column, env)
    all_shots = list(shots)
    if few_shot_column is not None:
        col = few_shot_column
        if col not in row.fields:
            raise row_error(row, col, "no such column in this row")
        all_shots += shots_of(row.fields[col], lambda why: row_error(row, col, why))
    system, user, prefill = texts
    return assemble(
        row,
        system=system,
        conversation_=conv,
        shots=all_shots,
        user=user,
        prefill=prefill,
        column=conversation_column,
    )
