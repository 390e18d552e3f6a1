"""`PromptTemplate`: Jinja2 templates for a system and a user message, rendered per dataset row
into chat messages (layer 2); or a chat prompt: a column of messages, few-shot examples, a
prefill and attachments (`orkit.data._chat`, `orkit.data._attachments`).

Prompts are text, not HTML, so autoescape is off (`&` stays `&`); undefined variables are
errors (StrictUndefined), and so is printing a null value, which would otherwise put the word
"None" into a prompt. Templates compile once; rendering is one Jinja call per message.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes

from orkit.data._attachments import Attachments
from orkit.data._chat import Message, chat_messages, load_few_shot
from orkit.data._dataset import Item
from orkit.errors import ConfigError, TemplateError

__all__ = ["PromptTemplate"]


def _finalize(value: Any) -> Any:
    """`{{ x }}` where x is None: a TemplateError without the row, which `render` (the only
    caller of Jinja here, and the only raiser of TemplateError inside it) names."""
    if value is None:
        raise TemplateError("a value renders null")
    return value


def _tojson(value: Any, indent: int | None = None) -> str:
    # Jinja's own `tojson` escapes <, >, & and ' for HTML; a prompt wants plain JSON.
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


def _guarded_names(ast: nodes.Template) -> set[str]:
    """Names the template checks itself: `x is defined`, `x is undefined`, `x | default(...)`."""
    found = {
        t.node.name
        for t in ast.find_all(nodes.Test)
        if t.name in ("defined", "undefined") and isinstance(t.node, nodes.Name)
    }
    found.update(
        f.node.name
        for f in ast.find_all(nodes.Filter)
        if f.name in ("default", "d") and isinstance(f.node, nodes.Name)
    )
    return found


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["tojson"] = _tojson
    return env


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A user message template and an optional system one, with dataset columns as variables;
    or a chat prompt built from a column of messages, few-shot examples and a prefill.

    `messages` names a column of OpenAI-style messages (each text a template over the row);
    `user` is then optional, and appended as the final user message when given. `system` is
    prepended to a conversation without a system message (an error when the row's own
    system message says something else). `few_shot` (a JSONL/JSON file or a list of
    `{input, output}` / `{role, content}` examples) and `few_shot_column` (a column of the
    same) go after the system message, before the row's turns; `prefill` is a trailing
    assistant message the model continues. `attachments` sends image and PDF columns as
    content parts of the last user message (attached by the plan, which knows the dataset's
    directory: `render` returns the text messages).

    Examples:
        >>> t = PromptTemplate("Q: {{ question }}", system="Be terse.")
        >>> t.render({"question": "2+2?"})
        [{'role': 'system', 'content': 'Be terse.'}, {'role': 'user', 'content': 'Q: 2+2?'}]
        >>> chat = PromptTemplate(messages="chat", prefill="Answer:")
        >>> chat.render({"chat": [{"role": "user", "content": "Hi {{ name }}"}], "name": "Bo"})
        [{'role': 'user', 'content': 'Hi Bo'}, {'role': 'assistant', 'content': 'Answer:'}]
    """

    user: str | None = None
    system: str | None = None
    name: str = "default"
    messages: str | None = None
    """The column holding each row's conversation (a list of `{role, content}`)."""
    few_shot: str | Path | Sequence[Mapping[str, Any]] | None = None
    """Few-shot examples: a JSONL/JSON file path, or the examples themselves."""
    few_shot_column: str | None = None
    """A column holding each row's own few-shot examples."""
    prefill: str | None = None
    """An assistant message sent last (a template over the row), which the model continues."""
    render_messages: bool = True
    """Render the conversation's texts as Jinja templates (False: send them as they are)."""
    attachments: Attachments | Mapping[str, Any] | None = None
    """Image and PDF columns sent as content parts (see `Attachments`)."""
    _user_t: jinja2.Template | None = field(init=False, repr=False, compare=False)
    _system_t: jinja2.Template | None = field(init=False, repr=False, compare=False)
    _variables: frozenset[str] = field(init=False, repr=False, compare=False)
    _optional: frozenset[str] = field(init=False, repr=False, compare=False)
    _static_system: str | None = field(init=False, repr=False, compare=False)
    _fingerprint: str = field(init=False, repr=False, compare=False)
    _prefill_t: jinja2.Template | None = field(init=False, repr=False, compare=False)
    _shots: tuple[Message, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chat = self._check_chat()
        # a chat prompt needs no user template: the conversation (or few-shot, prefill) is sent
        needs_user = not chat or self.user is not None
        if needs_user and (not isinstance(self.user, str) or not self.user.strip()):
            raise TemplateError(f"template {self.name!r}: the user message template is empty")
        env = _environment()
        names: set[str] = set()
        optional: set[str] = set()
        system_names: set[str] = set()
        compiled: dict[str, jinja2.Template | None] = {
            "system": None,
            "user": None,
            "prefill": None,
        }
        for part, source in (
            ("user", self.user),
            ("system", self.system),
            ("prefill", self.prefill),
        ):
            if source is None:
                continue
            try:
                ast = env.parse(source)
                compiled[part] = env.from_string(ast)
            except jinja2.TemplateSyntaxError as exc:
                msg = f"template {self.name!r} ({part}), line {exc.lineno}: {exc.message}"
                raise TemplateError(msg) from None
            found = jinja2.meta.find_undeclared_variables(ast)
            names |= found
            optional |= _guarded_names(ast)
            if part == "system":
                system_names = found - env.globals.keys()
        object.__setattr__(self, "_user_t", compiled["user"])
        object.__setattr__(self, "_prefill_t", compiled["prefill"])
        object.__setattr__(self, "_system_t", compiled["system"])
        object.__setattr__(self, "_variables", frozenset(names - env.globals.keys()))
        object.__setattr__(self, "_optional", frozenset(optional))
        # A system prompt without variables is the same for every row: render it once.
        system_t = compiled["system"]
        static = None
        if system_t is not None and not system_names:
            try:
                static = system_t.render()
            except Exception:  # let render() report it, with the row
                static = None
        object.__setattr__(self, "_static_system", static)
        what: list[Any] = [self.system, self.user]
        if chat:  # a plain prompt keeps the fingerprint it always had
            what += [self.messages, list(self._shots), self.few_shot_column, self.prefill]
            what += [
                self.render_messages,
                self.attachment_spec.table() if self.attachment_spec else None,
            ]
        digest = hashlib.sha256(json.dumps(what, default=str).encode()).hexdigest()
        object.__setattr__(self, "_fingerprint", digest)

    def _check_chat(self) -> bool:
        """Check and load the chat options; whether any is set."""
        for key in ("messages", "few_shot_column"):
            value = getattr(self, key)
            if value is not None and (not isinstance(value, str) or not value):
                raise TemplateError(
                    f"template {self.name!r}: {key} must be a column name, got {value!r}"
                )
        if self.prefill is not None and not isinstance(self.prefill, str):
            raise TemplateError(f"template {self.name!r}: prefill must be a string")
        shots = () if self.few_shot is None else load_few_shot(self.few_shot)
        object.__setattr__(self, "_shots", shots)
        object.__setattr__(self, "attachments", Attachments.of(self.attachments))
        return self.is_chat

    @property
    def is_chat(self) -> bool:
        """Uses a chat option (messages, few-shot, prefill or attachments)."""
        return any(
            v is not None
            for v in (
                self.messages,
                self.few_shot,
                self.few_shot_column,
                self.prefill,
                self.attachments,
            )
        )

    @property
    def attachment_spec(self) -> Attachments | None:
        """`attachments` as an `Attachments` (a table given is built in `__init__`)."""
        a = self.attachments
        return a if isinstance(a, Attachments) else None

    def __reduce__(self) -> tuple[Any, ...]:  # compiled templates do not pickle; recompile
        return (
            _rebuild,
            (
                self.user,
                self.system,
                self.name,
                self.messages,
                list(self._shots) or None,
                self.few_shot_column,
                self.prefill,
                self.render_messages,
                self.attachments,
            ),
        )

    @classmethod
    def from_file(
        cls, path: str | Path, system: str | None = None, *, name: str | None = None
    ) -> PromptTemplate:
        """The user template from a UTF-8 file (`--prompt-file`); one final newline, which
        editors add, is dropped. `name` defaults to the file's stem."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"prompt file {path}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"prompt file {path}: cannot read ({exc})") from None
        text = text.removesuffix("\n").removesuffix("\r")
        return cls(text, system=system, name=name or p.stem)

    @property
    def columns_used(self) -> frozenset[str]:
        """Columns the chat options read (the conversation, few-shot and attachment ones)."""
        used = {c for c in (self.messages, self.few_shot_column) if c is not None}
        if self.attachment_spec is not None:
            used.update(self.attachment_spec.columns)
        return frozenset(used)

    @property
    def variables(self) -> frozenset[str]:
        """The variables the templates read (Jinja's undeclared variables, minus globals)."""
        return self._variables

    @property
    def required_variables(self) -> frozenset[str]:
        """`variables` minus those the template guards itself (`x is defined`,
        `x | default(...)`): what every row must provide."""
        return self._variables - self._optional

    def fingerprint(self) -> str:
        """sha256 hex of `(system, user)`: what task keys use (the name is only a label)."""
        return self._fingerprint

    def check_columns(self, columns: Iterable[str], *, path: str | None = None) -> None:
        """Raise `TemplateError` if a variable is not one of `columns` (call before a run).

        Variables the template guards itself (`x is defined`, `x | default(...)`) may be absent.
        """
        cols = list(columns)
        absent = sorted(self.columns_used.difference(cols))
        if absent:
            where = path or "the dataset"
            raise TemplateError(
                f"template {self.name!r} reads column {absent[0]!r} (messages, few-shot or "
                f"attachments) but {where} has no such column (columns: {', '.join(cols[:20])})",
                variable=absent[0],
            )
        missing = sorted(self.required_variables.difference(cols))
        if not missing:
            return
        where = path or "the dataset"
        shown = ", ".join(cols[:20]) + (", …" if len(cols) > 20 else "") if cols else "none"
        close = difflib.get_close_matches(missing[0], cols, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(repr(v) for v in missing)
        noun = "variable" if len(missing) == 1 else "variables"
        msg = (
            f"template {self.name!r} uses {noun} {listed} but {where} has no such column "
            f"(columns: {shown}){hint}"
        )
        raise TemplateError(msg, variable=missing[0])

    def render(self, item: Item | Mapping[str, Any]) -> list[dict[str, Any]]:
        """The chat messages for one row: a system message (if any, and not blank), then the
        user message. A missing or null value raises `TemplateError` naming it and the row."""
        fields = item.fields if isinstance(item, Item) else item
        system: str | None = None
        prefill: str | None = None
        try:
            user = None if self._user_t is None else self._user_t.render(fields)
            if self._prefill_t is not None:
                prefill = self._prefill_t.render(fields)
            if self._system_t is None and not self.is_chat:
                return [{"role": "user", "content": str(user)}]
            if self._system_t is not None:
                system = self._static_system
                if system is None:
                    system = self._system_t.render(fields)
        except TemplateError:
            nulls = sorted(v for v in self._variables if v in fields and fields[v] is None)
            var = nulls[0] if nulls else None
            what = f"{var!r} is null" if var else "an expression renders null"
            fix = f"; write {{{{ {var} or '' }}}} to allow it" if var else ""
            raise self._error(item, var, what, hint=fix) from None
        except jinja2.UndefinedError as exc:
            raise self._undefined(item, fields, exc) from None
        except Exception as exc:  # a filter or expression failed on this row's values
            raise self._error(item, None, f"{type(exc).__name__}: {exc}") from None
        if self.is_chat:
            row = item if isinstance(item, Item) else Item(0, 1, "0", dict(fields))
            return chat_messages(
                row,
                conversation_column=self.messages,
                env=_environment() if self.render_messages else None,
                shots=self._shots,
                few_shot_column=self.few_shot_column,
                texts=(system, user, prefill),
            )
        assert system is not None and user is not None
        if not system.strip():
            return [{"role": "user", "content": user}]
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def _undefined(
        self, item: Item | Mapping[str, Any], fields: Mapping[str, Any], exc: jinja2.UndefinedError
    ) -> TemplateError:
        text = exc.message or "undefined value"
        match = _UNDEFINED_NAME.match(text)
        if match and match.group(1) not in fields:
            return self._error(item, match.group(1), f"no value for {match.group(1)!r}")
        return self._error(item, None, text)

    def _error(
        self, item: Item | Mapping[str, Any], var: str | None, what: str, *, hint: str = ""
    ) -> TemplateError:
        if isinstance(item, Item):
            where = f" in item {item.item_id!r} (line {item.line})"
            return TemplateError(
                f"template {self.name!r}: {what}{where}{hint}",
                variable=var,
                row=item.line,
                item_id=item.item_id,
            )
        return TemplateError(f"template {self.name!r}: {what}{hint}", variable=var)


def _rebuild(*args: Any) -> PromptTemplate:
    user, system, name, messages, few_shot, column, prefill, render_messages, attachments = args
    return PromptTemplate(
        user,
        system,
        name,
        messages=messages,
        few_shot=few_shot,
        few_shot_column=column,
        prefill=prefill,
        render_messages=render_messages,
        attachments=attachments,
    )
