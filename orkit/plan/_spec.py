"""TOML run specs: load one into a sweep (every error naming the file and the field);
`_spec_write` writes one back out. The two round-trip.

```toml
name = "demo"
dataset = "items.jsonl"        # relative to this file
models = ["openai/gpt-4o-mini", "openai/gpt-oss-20b:free"]
# a model may have its own endpoint (and a label, and an api_key_env for its key):
# models = ["qwen/qwen3-8b", {id = "qwen3-8b", endpoint = "http://127.0.0.1:8000/v1"}]
endpoint = "sim"               # sim | openrouter | http(s)://host/v1
concurrency = 16               # requests in flight at once, across all models
per_model_concurrency = 4      # optional: at most this many to any one model
repeats = 1
budget_usd = 5.0               # optional hard cap on spend
stream = "auto"                # true | false | "auto" (unstreamed if a URL sends no usage)
prompt_cache = "system"        # optional: none | system | auto | "message:N" (cache_ttl: 5m | 1h)
task_timeout_s = 300           # a task's retries end as an error row after this (0: never)
out = "runs"                   # relative to the working directory
idle_timeout_s = 30            # optional: also connect_timeout_s, first_byte_timeout_s

[prompt]                       # one prompt ...
system = "Answer with the answer only."
template = "{{ question }}"    # or: file = "prompt.j2" (relative to this file)

# [prompts.terse]              # ... or several named variants
# template = "{{ question }}"
# [prompts.explain]
# file = "explain.j2"

[params]                       # request body fields (checked; custom ones in [params.extra])
max_tokens = 64

[grid]                         # every combination is a separate task
temperature = [0, 0.7]

[response_format]              # optional: structured outputs (or type = "json_object")
type = "json_schema"
schema = "answer.schema.json"  # relative to this file, or an inline table
strict = true                  # the default

[[scorers]]
kind = "exact"
expected = "answer"

[[scorers]]                    # an LLM judge (sent through the router, cached, budgeted)
kind = "judge_reference"
model = "openai/gpt-4o-mini"

[sim]                          # emulator settings when endpoint = "sim"
time_scale = 0.2
```
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from orkit.errors import SpecError
from orkit.plan._prompt_tables import CHAT_KEYS
from orkit.plan._response_format import resolve_schema_path
from orkit.plan._spec_chat import chat_options
from orkit.plan._sweep import SweepDefinition
from orkit.plan._tool_loop import resolve_tool_paths

S = TypeVar("S", bound=SweepDefinition)

__all__ = [
    "SPEC_KEYS",
    "load_spec",
    "resolve_scorer_paths",
    "spec_from_dict",
]

SPEC_KEYS = (
    "name",
    "dataset",
    "id_field",
    "models",
    "endpoint",
    "concurrency",
    "per_model_concurrency",
    "repeats",
    "out",
    "prompt",
    "prompts",
    "params",
    "grid",
    "scorers",
    "sim",
    "limits",
    "fallbacks",
    "routing",
    "score_fallbacks",
    "byok",
    "connect_timeout_s",
    "first_byte_timeout_s",
    "idle_timeout_s",
    "read_timeout_s",
    "task_timeout_s",
    "budget_usd",
    "cache",
    "prompt_cache",
    "cache_ttl",
    "stream",
    "max_turns",
    "tools_impl",
    "tool_results",
    "response_format",
)
_TABLES = ("params", "grid", "sim", "limits", "fallbacks", "routing", "prompts", "tools_impl")
_PROMPT_KEYS = {"id", "system", "template", "file", *CHAT_KEYS}


def load_spec(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    into: type[S],
) -> S:
    """Read a spec file; `overrides` (from command-line flags) replace its values."""
    path = Path(path)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise SpecError("file not found", path=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read: {exc}", path=where) from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"invalid TOML: {exc}", path=where) from exc
    return spec_from_dict(raw, base=path.parent, where=where, overrides=overrides, into=into)


def spec_from_dict(
    raw: Mapping[str, Any],
    *,
    base: Path | None = None,
    where: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    into: type[S],
) -> S:
    """A Sweep from spec data (parsed TOML, or the copy a manifest keeps). Relative paths
    are resolved against `base`. `into`: the class to build (`orkit.Sweep` for a user)."""

    unknown = set(raw) - set(SPEC_KEYS)
    if unknown:
        key = sorted(unknown)[0]
        near = difflib.get_close_matches(key, list(SPEC_KEYS), n=1)
        hint = f"did you mean {near[0]!r}?" if near else f"known: {', '.join(sorted(SPEC_KEYS))}"
        raise SpecError(f"unknown key; {hint}", path=where, field=key)
    base = base or Path.cwd()
    values: dict[str, Any] = {k: v for k, v in raw.items() if k not in ("prompt", "prompts")}
    for table in _TABLES:
        if table in raw and not isinstance(raw[table], dict):
            raise SpecError("must be a table", path=where, field=table)
    if isinstance(values.get("dataset"), str):
        values["dataset"] = str(_resolve(values["dataset"], base))
    if "models" in values and not isinstance(values["models"], list | str):
        raise SpecError(
            "must be a list of model ids (or {id, endpoint} tables)", path=where, field="models"
        )
    if "scorers" in values and (
        not isinstance(values["scorers"], list)
        or not all(isinstance(s, dict) for s in values["scorers"])
    ):
        raise SpecError("must be an array of tables ([[scorers]])", path=where, field="scorers")
    values["prompts"] = _prompts(raw, base, where)
    if isinstance(values.get("response_format"), dict):  # its schema file: next to the spec
        values["response_format"] = resolve_schema_path(values["response_format"], base)
    if "scorers" in values:
        values["scorers"] = [resolve_scorer_paths(s, base) for s in values["scorers"]]
    if "tools_impl" in values:
        values["tools_impl"] = resolve_tool_paths(values["tools_impl"], base)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key in ("prompt", "system") and key in (overrides or {}):
            values["prompts"] = _override_prompt(values["prompts"], key, value)
            continue
        values[key] = value
    try:
        return into(spec_path=where, **values)
    except TypeError as exc:  # a value of the wrong kind for a field
        raise SpecError(str(exc), path=where) from None


def _resolve(value: str, base: Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def resolve_scorer_paths(table: dict[str, Any], base: Path) -> dict[str, Any]:
    """`function = "checks.py:score"` in a `python` scorer is relative to the spec file."""
    function = table.get("function")
    if table.get("kind") != "python" or not isinstance(function, str):
        return table
    module, sep, attr = function.rpartition(":")
    if not sep or not module.endswith(".py"):
        return table
    return {**table, "function": f"{_resolve(module, base)}:{attr}"}


def _prompts(raw: Mapping[str, Any], base: Path, where: str | None) -> dict[str, dict[str, Any]]:
    """`[prompt]` (one) or `[prompts.<id>]` (several) → {id: {template, system}}."""
    if "prompt" in raw and "prompts" in raw:
        raise SpecError("give [prompt] or [prompts.<id>], not both", path=where, field="prompt")
    if "prompt" in raw:
        table = raw["prompt"]
        if not isinstance(table, dict):
            raise SpecError("must be a table", path=where, field="prompt")
        pid = table.get("id", "default")
        return {str(pid): _variant(table, base, where, "prompt")}
    out = {}
    for pid, table in dict(raw.get("prompts", {})).items():
        if not isinstance(table, dict):
            raise SpecError("must be a table", path=where, field=f"prompts.{pid}")
        out[pid] = _variant(table, base, where, f"prompts.{pid}")
    return out


def _variant(table: Mapping[str, Any], base: Path, where: str | None, at: str) -> dict[str, Any]:
    unknown = set(table) - _PROMPT_KEYS
    if unknown:
        key = sorted(unknown)[0]
        near = difflib.get_close_matches(key, sorted(_PROMPT_KEYS), n=1)
        hint = (
            f"; did you mean {near[0]!r}?"
            if near
            else f" (known: {', '.join(sorted(_PROMPT_KEYS))})"
        )
        raise SpecError(f"unknown key{hint}", path=where, field=f"{at}.{key}")
    template, file = table.get("template"), table.get("file")
    if template is not None and file is not None:
        raise SpecError("give either template or file, not both", path=where, field=at)
    if file is not None:
        if not isinstance(file, str):
            raise SpecError(f"must be a string, got {file!r}", path=where, field=f"{at}.file")
        p = _resolve(file, base)
        try:
            template = p.read_text("utf-8")
        except OSError as exc:
            raise SpecError(
                f"cannot read prompt file {p}: {exc.strerror}", path=where, field=f"{at}.file"
            ) from exc
    variant: dict[str, Any] = {}
    if template is not None:
        variant["template"] = template
    if table.get("system") is not None:
        variant["system"] = table["system"]
    variant.update(chat_options(table, base, where, at))
    return variant


def _override_prompt(
    prompts: dict[str, dict[str, Any]], key: str, value: str
) -> dict[str, dict[str, Any]]:
    """--prompt/--system on the command line replace the template/system of every variant
    (one variant in practice: the spec's [prompt])."""
    field = "template" if key == "prompt" else "system"
    if not prompts:
        return {"default": {field: value}}
    return {pid: {**v, field: value} for pid, v in prompts.items()}
