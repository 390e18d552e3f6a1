"""Validation of a Sweep's values, each failure naming its field (and the spec file)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.errors import SpecError
from orkit.plan._cache_breakpoints import check_cache_settings
from orkit.plan._param_checks import check_request_fields
from orkit.plan._prompt_tables import check_variant
from orkit.plan._reasoning_checks import check_reasoning_params

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = ["ENDPOINT_KINDS", "RESERVED_PARAMS", "check_sweep"]

ENDPOINT_KINDS = ("sim", "openrouter")
"""Named endpoints; anything else must be an http(s) URL of an OpenAI-compatible server."""

RESERVED_PARAMS = frozenset({"model", "messages", "stream"})
"""Body fields orkit sets itself; a spec may not set them through params or the grid."""


def _fail(sweep: SweepDefinition, field: str, message: str) -> SpecError:
    return SpecError(message, path=sweep.spec_path, field=field)


def _positive_int(sweep: SweepDefinition, field: str) -> None:
    value = getattr(sweep, field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail(sweep, field, f"must be an integer >= 1, got {value!r}")


_TIMEOUT_FIELDS = ("connect_timeout_s", "first_byte_timeout_s", "idle_timeout_s", "read_timeout_s")
"""Client timeouts a sweep may set (unset: `orkit.config.Timeouts`' defaults)."""


def _positive_seconds(sweep: SweepDefinition, field: str) -> None:
    value = getattr(sweep, field)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise _fail(sweep, field, f"must be a number of seconds > 0, got {value!r}")


def check_sweep(sweep: SweepDefinition) -> None:
    """Raise SpecError for the first invalid value."""
    if sweep.dataset is None:
        raise _fail(sweep, "dataset", "a dataset is required")
    if not sweep.models:
        raise _fail(sweep, "models", "at least one model is required")
    _ = sweep.contestants  # each entry checked, and no two named alike
    _check_prompts(sweep)
    _positive_int(sweep, "repeats")
    _positive_int(sweep, "concurrency")
    if sweep.per_model_concurrency is not None:
        _positive_int(sweep, "per_model_concurrency")
    for field in _TIMEOUT_FIELDS:
        _positive_seconds(sweep, field)
    cap = sweep.task_timeout_s
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int | float) or cap < 0):
        raise _fail(sweep, "task_timeout_s", f"must be a number of seconds >= 0, got {cap!r}")
    if sweep.budget_usd is not None and not (
        isinstance(sweep.budget_usd, int | float) and sweep.budget_usd > 0
    ):
        raise _fail(sweep, "budget_usd", f"must be a number > 0, got {sweep.budget_usd!r}")
    if not (sweep.stream == "auto" or isinstance(sweep.stream, bool)):
        raise _fail(sweep, "stream", f"must be 'auto', true or false, got {sweep.stream!r}")
    check_cache_settings(sweep.prompt_cache, sweep.cache_ttl, sweep.spec_path)
    _check_params(sweep)
    if isinstance(sweep.byok, str) or not all(isinstance(p, str) and p for p in sweep.byok):
        raise _fail(sweep, "byok", f"must be a list of provider slugs, got {sweep.byok!r}")
    if sweep.endpoint not in ENDPOINT_KINDS and not str(sweep.endpoint).startswith(
        ("http://", "https://")
    ):
        raise _fail(
            sweep,
            "endpoint",
            f"must be 'sim', 'openrouter' or an http(s) URL, got {sweep.endpoint!r}",
        )


def _check_prompts(sweep: SweepDefinition) -> None:
    if not sweep.prompts:
        raise _fail(sweep, "prompt", "a prompt template is required")
    for pid, variant in sweep.prompts.items():
        if not isinstance(pid, str) or not pid.strip():
            raise _fail(sweep, "prompts", f"prompt ids must be non-empty strings, got {pid!r}")
        if not isinstance(variant, Mapping):
            raise _fail(sweep, f"prompts.{pid}", "must be a table with template (and system)")
        check_variant(pid, variant, sweep.spec_path)


def _check_params(sweep: SweepDefinition) -> None:
    bad = RESERVED_PARAMS.intersection(sweep.params)
    if bad:
        raise _fail(sweep, "params", f"{sorted(bad)} are set by orkit and cannot be params")
    for key, values in sweep.grid.items():
        if key in RESERVED_PARAMS:
            raise _fail(sweep, f"grid.{key}", "is set by orkit and cannot be a grid axis")
        if key in sweep.params:
            raise _fail(sweep, f"grid.{key}", "is also in params: give it in one place")
        if not isinstance(values, list | tuple) or not values:
            raise _fail(sweep, f"grid.{key}", f"must be a non-empty list of values, got {values!r}")
        if len({_key(v) for v in values}) != len(values):
            raise _fail(sweep, f"grid.{key}", "has the same value twice")
    check_request_fields(sweep, RESERVED_PARAMS)
    check_reasoning_params(sweep)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
