"""An invalid value that came from a command-line flag is blamed on the flag, not on the
spec file: `orkit run s.toml -c 0` says `--concurrency: ...`, where the Sweep's own check
(which knows only the spec) said `s.toml, field 'concurrency': ...`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from orkit.errors import OrkitError, SpecError

__all__ = ["blame_flag", "blame_flag_later", "flags_given"]

_FLAG_OF_FIELD = {
    "dataset": "--dataset",
    "models": "--model",
    "prompt": "--prompt",
    "system": "--system",
    "concurrency": "--concurrency",
    "per_model_concurrency": "--per-model-concurrency",
    "repeats": "--repeats",
    "out": "--out",
    "endpoint": "--endpoint",
    "name": "--name",
    "budget_usd": "--budget",
    "task_timeout_s": "--task-timeout",
    "cache": "--no-cache",
    "stream": "--stream",
    "connect_timeout_s": "--connect-timeout",
    "first_byte_timeout_s": "--first-byte-timeout",
    "idle_timeout_s": "--idle-timeout",
    "read_timeout_s": "--read-timeout",
    "byok": "--byok",
    "prompt_cache": "--prompt-cache",
    "cache_ttl": "--cache-ttl",
}
"""The flag that sets each Sweep field (`orkit run` / `orkit estimate`)."""

_PARAM_KEY = re.compile(r"(extra\.)?[^.\[]+")
"""The `--param` key at the start of a params field: `temperature`, `provider` (of
`provider.zdr`), `tools` (of `tools[0].type`), `extra.top_k`."""


def flags_given(overrides: Mapping[str, Any], *, prompt_file: bool) -> dict[str, str]:
    """{Sweep field: the flag that set it} for the overrides the flags gave (not None)."""
    given = {f: flag for f, flag in _FLAG_OF_FIELD.items() if overrides.get(f) is not None}
    if prompt_file and "prompt" in given:
        given["prompt"] = "--prompt-file"
    return given


def blame_flag(exc: SpecError, given: Mapping[str, str], param_pairs: list[str]) -> SpecError:
    """`exc` reworded to name the flag that gave the bad value, or `exc` itself when the
    spec file gave it. `given`: from `flags_given`; `param_pairs`: `--param` as typed."""
    field = exc.field or ""
    top, _, rest = field.partition(".")
    if top in ("params", "grid"):
        return _blame_param(exc, top, rest, param_pairs)
    if top == "prompts":  # prompts.<id>.template or prompts.<id>.system
        top = "system" if rest.endswith(".system") else "prompt"
    flag = given.get(top)
    return SpecError(f"{flag}: {exc.reason}") if flag else exc


def blame_flag_later(exc: OrkitError, args: Any) -> OrkitError:
    """`blame_flag` for a SpecError raised once the spec was read (the plan's checks: the
    prompt cache's message index against the prompts, say), which names the spec file's
    field though a flag set it. `args.flags_given` is what `orkit run`/`estimate` set."""
    given = getattr(args, "flags_given", None)
    if not isinstance(exc, SpecError) or not given or not exc.field:
        return exc
    return blame_flag(exc, given, list(getattr(args, "param", None) or []))


def _blame_param(exc: SpecError, table: str, rest: str, pairs: list[str]) -> SpecError:
    by_key = {pair.partition("=")[0].strip(): pair for pair in pairs}
    if table == "params" and not rest:
        # a message about several names (those orkit sets itself): the first a flag gave
        named = [pair for key, pair in by_key.items() if repr(key) in exc.reason]
        return SpecError(f"--param {named[0]}: {exc.reason}") if named else exc
    match = _PARAM_KEY.match(rest)
    key = match.group() if match else rest
    pair = by_key.get(key)
    if pair is None:
        return exc
    if table == "grid":
        # the flag's field is also a grid axis of the spec file
        where = f" of {exc.path}" if exc.path else ""
        return SpecError(f"--param {pair}: {key} is also a [grid] axis{where}; give it once")
    inner = rest[len(key) :].lstrip(".")
    inside = f"field {inner!r}: " if inner else ""
    return SpecError(f"--param {pair}: {inside}{exc.reason}")
