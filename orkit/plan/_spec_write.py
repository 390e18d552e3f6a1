"""A sweep written back out as spec data and TOML: what `to_toml()` writes, the manifest
stores, and `load_spec` reads back into an equal sweep."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from orkit.plan._routing import routing_table
from orkit.plan._tool_loop import tools_impl_spec
from orkit.router import DEFAULT_TASK_TIMEOUT_S
from orkit.scorers import scorer_spec

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = ["dump_spec", "option_table", "sweep_to_spec"]


def sweep_to_spec(sweep: SweepDefinition) -> dict[str, Any]:
    """The spec as plain data, in the TOML layout (no None values: TOML has no null)."""
    dataset = str(sweep.dataset) if isinstance(sweep.dataset, str | Path) else "<in-memory>"
    spec: dict[str, Any] = {
        "name": sweep.name,
        "dataset": dataset,
        "id_field": sweep.id_field,
        "models": [m if isinstance(m, str) else m.to_spec() for m in sweep.models],
        "endpoint": sweep.endpoint,
        "concurrency": sweep.concurrency,
        "per_model_concurrency": sweep.per_model_concurrency,
        "repeats": sweep.repeats,
        "out": str(sweep.out),
        "budget_usd": sweep.budget_usd,
        "cache": sweep.cache,
        "connect_timeout_s": sweep.connect_timeout_s,
        "first_byte_timeout_s": sweep.first_byte_timeout_s,
        "idle_timeout_s": sweep.idle_timeout_s,
        "stream": sweep.stream,
        "read_timeout_s": sweep.read_timeout_s,
        "score_fallbacks": sweep.score_fallbacks,
        "prompts": {pid: dict(v) for pid, v in sweep.prompts.items()},
        "params": dict(sweep.params),
        "grid": {k: list(v) for k, v in sweep.grid.items()},
        "response_format": _response_format_table(sweep),
        "scorers": [_scorer_spec(s) for s in sweep.scorers],
        "sim": option_table(sweep.sim),
        "limits": {m: option_table(v) for m, v in sweep.limits.items()},
        "fallbacks": {m: list(c) for m, c in sweep.fallbacks.items()},
        "routing": routing_table(sweep.routing),
        "max_turns": sweep.max_turns if sweep.max_turns != 1 else None,
        "tools_impl": tools_impl_spec(sweep.tools_impl),
        "tool_results": sweep.tool_results,
    }
    if sweep.prompt_cache != "none":  # defaults left unsaid: older runs' specs stay as they were
        spec["prompt_cache"] = sweep.prompt_cache
    if sweep.cache_ttl != "5m":
        spec["cache_ttl"] = sweep.cache_ttl
    if sweep.task_timeout_s != DEFAULT_TASK_TIMEOUT_S:  # the default is left unsaid
        spec["task_timeout_s"] = sweep.task_timeout_s or 0  # TOML has no null: 0 is "no cap"
    return {k: v for k, v in spec.items() if v is not None and v != {} and v != []}


def dump_spec(sweep: SweepDefinition) -> str:
    """TOML text of the spec."""
    return tomli_w.dumps(sweep_to_spec(sweep))


def option_table(value: Any) -> dict[str, Any]:
    """A settings table as a spec writes it: a mapping as given; a typed option object
    (`ModelLimits`, `orkit.sim.SimConfig`) as the fields that differ from its defaults, which
    build it again (a default is left unsaid, as in a hand-written spec; TOML has no null)."""
    if isinstance(value, Mapping):
        return dict(value)
    plain, default = _plain(value), _plain(type(value)())
    table: dict[str, Any] = _without_none({k: v for k, v in plain.items() if v != default.get(k)})
    return table


def _plain(value: Any) -> dict[str, Any]:
    # SimConfig's own `to_dict` knows its nested types; the router's options are flat
    if hasattr(value, "to_dict"):
        return dict(value.to_dict())
    return dataclasses.asdict(value)


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def _response_format_table(sweep: SweepDefinition) -> dict[str, Any] | None:
    found = sweep.response_format_settings
    return None if found is None else found.to_spec()


def _scorer_spec(s: Any) -> dict[str, Any]:
    return scorer_spec(s)
