"""Turn a sweep's routing settings (`[limits]`, `[fallbacks]`, `[routing]`) into
`RouterOptions` once, naming the field of anything invalid (`SweepRouting`), and write
them back as the plain tables a spec holds.

`routing` is a table of `RetryPolicy` and `RouterOptions` settings, or a `RetryPolicy`;
each of `limits` is a table of `ModelLimits` fields, or a `ModelLimits`. A typed object
is kept as given; a table is checked key by key, so the error names the key as written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

__all__ = ["ROUTING_KEYS", "SweepRouting", "build_router_options", "routing_table"]

# The task's wall-clock cap is a sweep setting of its own (`task_timeout_s`), not a
# [routing] key: one place to set it.
_RETRY_KEYS = {f.name for f in dataclasses.fields(RetryPolicy)} - {"task_timeout_s"}
# The plain-valued RouterOptions settings; the concurrency caps are the sweep's
# `concurrency` and `per_model_concurrency` (one place each).
_OPTION_KEYS = set(ruled_fields(RouterOptions)) - {"max_concurrency", "max_concurrency_per_model"}
ROUTING_KEYS = frozenset(_RETRY_KEYS | _OPTION_KEYS)
_LIMIT_KEYS = {f.name for f in dataclasses.fields(ModelLimits)}


@dataclass(frozen=True, slots=True)
class SweepRouting:
    """A sweep's routing settings, parsed once: the router options they build, before what
    orkit derives from the endpoint (`for_endpoint`)."""

    options: RouterOptions
    """Without endpoint overrides or a quota path."""
    chosen: frozenset[str] = frozenset()
    """The `RouterOptions` settings the sweep's `[routing]` set: they win over orkit's."""

    def for_endpoint(
        self, overrides: Mapping[str, Any] | None = None, quota_path: Path | None = None
    ) -> RouterOptions:
        """The options with the settings orkit derives for an endpoint (`overrides`, e.g. the
        emulator's time scale) under the user's own, and where the daily quota is kept."""
        derived = {k: v for k, v in (overrides or {}).items() if k not in self.chosen}
        if not derived and quota_path is None:
            return self.options
        return dataclasses.replace(self.options, quota_path=quota_path, **derived)


def build_router_options(
    *,
    max_concurrency: int,
    limits: Mapping[str, ModelLimits | Mapping[str, Any]],
    fallbacks: Mapping[str, Sequence[str]],
    routing: RetryPolicy | Mapping[str, Any],
    where: str | None = None,
    task_timeout_s: float | None = DEFAULT_TASK_TIMEOUT_S,
    max_concurrency_per_model: int | None = None,
) -> SweepRouting:
    """Validate and build (every error a SpecError naming the field)."""
    retry, option_kw = _routing(routing, where, task_timeout_s)
    model_limits = {m: _limits(m, v, where) for m, v in limits.items()}
    try:
        options = RouterOptions(
            max_concurrency=max_concurrency,
            max_concurrency_per_model=max_concurrency_per_model,
            limits=model_limits,
            fallbacks={m: list(chain) for m, chain in fallbacks.items()},
            retry=retry,
            **option_kw,
        )
    except (ConfigError, TypeError) as exc:
        raise SpecError(str(exc), path=where, field="routing") from None
    return SweepRouting(options, frozenset(option_kw))


def _routing(
    routing: RetryPolicy | Mapping[str, Any], where: str | None, task_timeout_s: float | None
) -> tuple[RetryPolicy, dict[str, Any]]:
    """The retry policy (with the sweep's task cap) and the other RouterOptions settings."""
    if isinstance(routing, RetryPolicy):
        if routing.task_timeout_s not in (DEFAULT_TASK_TIMEOUT_S, task_timeout_s):
            raise SpecError(
                "set the sweep's task_timeout_s, not the RetryPolicy's (one place for it)",
                path=where,
                field="routing.task_timeout_s",
            )
        return dataclasses.replace(routing, task_timeout_s=task_timeout_s), {}
    if not isinstance(routing, Mapping):
        raise SpecError(
            f"must be a table of retry and router settings or a RetryPolicy, got {routing!r}",
            path=where,
            field="routing",
        )
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
    retry_kw = {k: v for k, v in routing.items() if k in _RETRY_KEYS}
    try:
        retry = RetryPolicy(task_timeout_s=task_timeout_s, **retry_kw)
    except (ConfigError, TypeError) as exc:
        field = "task_timeout_s" if "task_timeout_s" in str(exc) else "routing"
        raise SpecError(str(exc), path=where, field=field) from None
    return retry, {k: v for k, v in routing.items() if k in _OPTION_KEYS}


def _limits(model: str, value: Any, where: str | None) -> ModelLimits:
    if isinstance(value, ModelLimits):
        return value
    if not isinstance(value, Mapping):
        raise SpecError(
            "must be a table of rpm, tpm, max_concurrency (or a ModelLimits)",
            path=where,
            field=f"limits.{model}",
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


def routing_table(routing: RetryPolicy | Mapping[str, Any]) -> dict[str, Any]:
    """`[routing]` as a spec writes it: a table as given; a RetryPolicy as the settings that
    differ from its defaults (its task cap is the sweep's `task_timeout_s`)."""
    if not isinstance(routing, RetryPolicy):
        return dict(routing)
    default = RetryPolicy()
    return {
        name: getattr(routing, name)
        for name in sorted(_RETRY_KEYS)
        if getattr(routing, name) != getattr(default, name)
    }
