"""Load a TOML run spec into a `Sweep`, with every error naming the file and the field.

```toml
name = "demo"
dataset = "items.jsonl"        # relative to this file
models = ["openai/gpt-4o-mini", "openai/gpt-oss-20b:free"]
endpoint = "sim"               # sim | openrouter | http(s)://host/v1
concurrency = 16
repeats = 1
out = "runs"                   # relative to the working directory

[prompt]
system = "Answer with the answer only."
template = "{{ question }}"    # or: file = "prompt.j2" (relative to this file)

[params]                       # sent as-is in the request body
temperature = 0
max_tokens = 64

[[scorers]]
kind = "exact"                 # exact | normalized | contains | numeric | regex | json_equal
expected = "answer"            # the dataset column holding the expected answer

[sim]                          # emulator settings when endpoint = "sim"
time_scale = 0.2
```
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orkit.batch._sweep import Sweep
from orkit.errors import SpecError

__all__ = ["load_spec"]

_TOP_KEYS = {
    "name",
    "dataset",
    "id_field",
    "models",
    "endpoint",
    "concurrency",
    "repeats",
    "out",
    "prompt",
    "params",
    "scorers",
    "sim",
    "limits",
    "fallbacks",
    "routing",
    "score_fallbacks",
    "read_timeout_s",
}
_PROMPT_KEYS = {"id", "system", "template", "file"}


def load_spec(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Sweep:
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
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise SpecError(
            f"unknown key (known: {', '.join(sorted(_TOP_KEYS))})", path=where, field=name
        )
    base = path.parent
    prompt = _table(raw, "prompt", where)
    bad_prompt = set(prompt) - _PROMPT_KEYS
    if bad_prompt:
        raise SpecError("unknown key", path=where, field=f"prompt.{sorted(bad_prompt)[0]}")
    values: dict[str, Any] = {
        "name": _opt(raw, "name", str, where),
        "dataset": _dataset(raw, base, where),
        "id_field": _opt(raw, "id_field", str, where),
        "models": raw.get("models", []),
        "endpoint": _opt(raw, "endpoint", str, where) or "openrouter",
        "concurrency": raw.get("concurrency", 16),
        "repeats": raw.get("repeats", 1),
        "out": _opt(raw, "out", str, where) or "runs",
        "prompt": _prompt_template(prompt, base, where),
        "system": _opt(prompt, "system", str, where, prefix="prompt."),
        "prompt_id": _opt(prompt, "id", str, where, prefix="prompt.") or "default",
        "params": _table(raw, "params", where),
        "scorers": _scorers(raw, where),
        "sim": _table(raw, "sim", where),
        "limits": _table(raw, "limits", where),
        "fallbacks": _table(raw, "fallbacks", where),
        "routing": _table(raw, "routing", where),
        "score_fallbacks": _opt(raw, "score_fallbacks", bool, where) or False,
        "read_timeout_s": raw.get("read_timeout_s", 120.0),
    }
    if not isinstance(values["models"], list):
        raise SpecError("must be a list of model ids", path=where, field="models")
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return Sweep(spec_path=where, **values)


def _table(raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise SpecError("must be a table", path=where, field=key)
    return value


def _opt(raw: Mapping[str, Any], key: str, kind: type, where: str, *, prefix: str = "") -> Any:
    value = raw.get(key)
    if value is not None and not isinstance(value, kind):
        raise SpecError(f"must be a {kind.__name__}, got {value!r}", path=where, field=prefix + key)
    return value


def _dataset(raw: Mapping[str, Any], base: Path, where: str) -> str | None:
    value = _opt(raw, "dataset", str, where)
    if value is None:
        return None
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else base / p)


def _prompt_template(prompt: Mapping[str, Any], base: Path, where: str) -> str | None:
    template = _opt(prompt, "template", str, where, prefix="prompt.")
    file = _opt(prompt, "file", str, where, prefix="prompt.")
    if template is not None and file is not None:
        raise SpecError("give either template or file, not both", path=where, field="prompt")
    if file is None:
        return template if template is None else str(template)
    p = Path(file).expanduser()
    p = p if p.is_absolute() else base / p
    try:
        return p.read_text("utf-8")
    except OSError as exc:
        raise SpecError(
            f"cannot read prompt file {p}: {exc.strerror}", path=where, field="prompt.file"
        ) from exc


def _scorers(raw: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    value = raw.get("scorers", [])
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise SpecError("must be an array of tables ([[scorers]])", path=where, field="scorers")
    from orkit.scorers import scorer_from_spec

    for i, s in enumerate(value):
        try:
            scorer_from_spec(s, where=f"scorers[{i}]")
        except SpecError as exc:
            raise SpecError(exc.message, path=where) from exc
    return value
