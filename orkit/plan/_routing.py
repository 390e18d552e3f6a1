"""Turn a sweep's routing settings (`[limits]`, `[fallbacks]`, `[routing]`) into
`RouterOptions`, naming the field of anything invalid."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orkit.errors import ConfigError, SpecError
from orkit.router import (
    DEFAULT_TASK_TIMEOUT_S,
    ModelLimits,
    RetryPolicy,
    RouterOptions,
    option_problem,
    ruled_fields,
)

__all__ = ["ROUTING_KEYS", "build_router_options"]

# The task's wall-clock cap is a sweep setting of its own (`task_timeout_s`), not a
# [routing] key: one place to set it.
_RETRY_KEYS = {f.name for f in dataclasses.fields(RetryPolicy)} - {"task_timeout_s"}
# The plain-valued RouterOptions settings; `max_concurrency` is the sweep's `concurrency`.
_OPTION_KEYS = set(ruled_fields(RouterOptions)) - {"max_concurrency"}
ROUTING_KEYS = frozenset(_RETRY_KEYS | _OPTION_KEYS)
_LIMIT_KEYS = {f.name for f in dataclasses.fields(ModelLimits)}


def build_router_options(
    *,
    max_concurrency: int,
    limits: Mapping[str, Mapping[str, Any]],
    fallbacks: Mapping[str, Sequence[str]],
    routing: Mapping[str, Any],
    where: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    quota_path: Path | None = None,
    task_timeout_s: float | None = DEFAULT_TASK_TIMEOUT_S,
) -> RouterOptions:
    """Validate and build. `overrides` are settings orkit derives itself (e.g. the
    emulator's time scale); a user's `[routing]` value wins over them."""
    unknown = set(routing) - ROUTING_KEYS
    if unknown:
        raise SpecError(
            f"unknown key (known: {', '.join(sorted(ROUTING_KEYS))})",
            path=where,
            field=f"routing.{sorted(unknown)[0]}",
        )
    for key, value in routing.items():
        # Key by key, before anything is built: the error names the key the user wrote.
        problem = option_problem(key, value)
        if problem is not None:
            raise SpecError(problem, path=where, field=f"routing.{key}")
    model_limits = {m: _limits(m, v, where) for m, v in limits.items()}
    retry_kw = {k: v for k, v in routing.items() if k in _RETRY_KEYS}
    option_kw = {**(overrides or {}), **{k: v for k, v in routing.items() if k in _OPTION_KEYS}}
    try:
        return RouterOptions(
            max_concurrency=max_concurrency,
            limits=model_limits,
            fallbacks={m: list(chain) for m, chain in fallbacks.items()},
            retry=RetryPolicy(task_timeout_s=task_timeout_s, **retry_kw),
            quota_path=quota_path,
            **option_kw,
        )
    except (ConfigError, TypeError) as exc:
        field = "task_timeout_s" if "task_timeout_s" in str(exc) else "routing"
        raise SpecError(str(exc), path=where, field=field) from None


def _limits(model: str, value: Any, where: str | None) -> ModelLimits:
    if isinstance(value, ModelLimits):
        return value
    if not isinstance(value, Mapping):
        raise SpecError(
            "must be a table of rpm, tpm, max_concurrency", path=where, field=f"limits.{model}"
        )
    unknown = set(value) - _LIMIT_KEYS
    if unknown:
        raise SpecError(
            f"unknown key {sorted(unknown)[0]!r} (known: rpm, tpm, max_concurrency)",
            path=where,
            field=f"limits.{model}",
        )
    try:
        return ModelLimits(**value)
    except ConfigError as exc:
        raise SpecError(exc.message, path=where, field=f"limits.{model}") from None
