"""`PromptTemplate`: Jinja2 templates for a system and a user message, rendered per dataset row
into chat messages (layer 2).

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import nodes

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
    """A user message template and an optional system one, with dataset columns as variables.

    Examples:
        >>> t = PromptTemplate("Q: {{ question }}", system="Be terse.")
        >>> t.render({"question": "2+2?"})
        [{'role': 'system', 'content': 'Be terse.'}, {'role': 'user', 'content': 'Q: 2+2?'}]
    """

    user: str
    system: str | None = None
    name: str = "default"
    _user_t: jinja2.Template = field(init=False, repr=False, compare=False)
    _system_t: jinja2.Template | None = field(init=False, repr=False, compare=False)
    _variables: frozenset[str] = field(init=False, repr=False, compare=False)
    _optional: frozenset[str] = field(init=False, repr=False, compare=False)
    _static_system: str | None = field(init=False, repr=False, compare=False)
    _fingerprint: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.user, str) or not self.user.strip():
            raise TemplateError(f"template {self.name!r}: the user message template is empty")
        env = _environment()
        names: set[str] = set()
        optional: set[str] = set()
        system_names: set[str] = set()
        compiled: dict[str, jinja2.Template | None] = {"system": None}
        for part, source in (("user", self.user), ("system", self.system)):
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
        user_t = compiled["user"]
        assert user_t is not None
        object.__setattr__(self, "_user_t", user_t)
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
        digest = hashlib.sha256(json.dumps([self.system, self.user]).encode()).hexdigest()
        object.__setattr__(self, "_fingerprint", digest)

    def __reduce__(self) -> tuple[Any, ...]:  # compiled templates do not pickle; recompile
        return (PromptTemplate, (self.user, self.system, self.name))

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

    def render(self, item: Item | Mapping[str, Any]) -> list[dict[str, str]]:
        """The chat messages for one row: a system message (if any, and not blank), then the
        user message. A missing or null value raises `TemplateError` naming it and the row."""
        fields = item.fields if isinstance(item, Item) else item
        try:
            user = self._user_t.render(fields)
            if self._system_t is None:
                return [{"role": "user", "content": user}]
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
