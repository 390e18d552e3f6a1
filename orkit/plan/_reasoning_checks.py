"""`reasoning` params checked before anything is sent: their shape for every endpoint, and
against each model's catalog entry (`supported_parameters`, `reasoning.supported_efforts`,
`reasoning.mandatory`) where the catalog speaks for the endpoint.

OpenRouter takes `reasoning = {effort = ..., max_tokens = N, exclude = bool, enabled =
bool}`, effort *or* max_tokens (reference §2.2), and `reasoning_effort` as an OpenAI-style
shorthand that must not disagree with `reasoning.effort`. A model without reasoning has the
param dropped (a warning, or an error under `provider.require_parameters`: `_param_support`
says so for every routed param); an effort the model's entry does not list is an error
naming the model; turning off a model that always reasons is a warning (it reasons, and
bills its reasoning tokens, anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.catalog import Catalog, ModelInfo
from orkit.errors import SpecError
from orkit.plan._value_checks import anything, boolean, integer, keys_problem, one_of, table

if TYPE_CHECKING:
    from orkit.plan._sweep import SweepDefinition

__all__ = [
    "EFFORTS",
    "check_reasoning_params",
    "reasoning_problem",
    "reasoning_warnings",
]

EFFORTS = ("max", "xhigh", "high", "medium", "low", "minimal", "none")
"""Every effort OpenRouter documents (reference §2.2), highest first."""

_BUDGET = "max_tokens"
"""`reasoning.max_tokens`: reasoning's own budget inside the answer, not the request's cap on
the answer (that one is read by `orkit.types.output_cap` only)."""

_KEYS = {
    "effort": one_of(*EFFORTS),
    _BUDGET: integer(1),
    "exclude": boolean,
    "enabled": boolean,
    "summary": one_of("auto", "concise", "detailed"),
    "context": anything,
    "mode": anything,
}


def reasoning_problem(value: Any) -> str | None:
    """What is wrong with a `reasoning` object (None: nothing), for `_request_fields`."""
    problem = table(value)
    if problem is not None:
        return problem
    problem = keys_problem(value, _KEYS)
    if problem is not None:
        return problem
    if "effort" in value and _BUDGET in value:
        return "give effort or max_tokens, not both (OpenRouter takes one of them)"
    return None


def check_reasoning_params(sweep: SweepDefinition) -> None:
    """Raise SpecError when a params set's `reasoning_effort` disagrees with its
    `reasoning.effort`, or sets an effort beside `reasoning.max_tokens`."""
    for params in sweep.param_sets():
        shorthand, reasoning = params.get("reasoning_effort"), params.get("reasoning")
        if shorthand is None or not isinstance(reasoning, Mapping):
            continue
        effort = reasoning.get("effort")
        if effort is not None and effort != shorthand:
            raise SpecError(
                f"reasoning_effort = {shorthand!r} disagrees with reasoning.effort = "
                f"{effort!r}; give one of them",
                path=sweep.spec_path,
                field=_at(sweep, "reasoning_effort"),
            )
        if _BUDGET in reasoning:
            raise SpecError(
                "give reasoning_effort or reasoning.max_tokens, not both",
                path=sweep.spec_path,
                field=_at(sweep, "reasoning_effort"),
            )


def reasoning_warnings(sweep: SweepDefinition, catalog: Catalog) -> list[str]:
    """Warnings for reasoning params a model will not honour as asked; raise SpecError for
    an effort or a token budget its catalog entry does not take."""
    out: dict[str, None] = {}
    for params in sweep.param_sets():
        asked = _asked(params)
        if asked is None:
            continue
        for model in sweep.endpoint_model_ids:
            info = catalog.get(model)
            if info is None or info.is_router or not info.supports("reasoning"):
                continue  # unknown, or `_param_support`'s "does not support reasoning"
            warning = _against_entry(sweep, model, info, asked)
            if warning is not None:
                out[warning] = None
    return list(out)


def _asked(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The reasoning a params set asks for, `reasoning_effort` folded in (None: none)."""
    reasoning = params.get("reasoning")
    asked = dict(reasoning) if isinstance(reasoning, Mapping) else {}
    if isinstance(params.get("reasoning_effort"), str):
        asked.setdefault("effort", params["reasoning_effort"])
    return asked or None


def _against_entry(
    sweep: SweepDefinition, model: str, info: ModelInfo, asked: Mapping[str, Any]
) -> str | None:
    entry = info.reasoning
    if entry is None:
        return None
    effort = asked.get("effort")
    off = effort == "none" or asked.get("enabled") is False
    if off and entry.mandatory:
        return (
            f"{model} always reasons (catalog reasoning.mandatory): turning reasoning off is "
            "ignored, and its reasoning tokens are billed as output"
        )
    listed = entry.supported_efforts
    if isinstance(effort, str) and listed is not None and effort not in listed and not off:
        raise SpecError(
            f"model {model!r} takes reasoning.effort {', '.join(map(repr, listed))} "
            f"(catalog supported_efforts), got {effort!r}",
            path=sweep.spec_path,
            field=_at(sweep, "reasoning"),
        )
    if _BUDGET in asked and entry.supports_max_tokens is False:
        raise SpecError(
            f"model {model!r} takes no reasoning.max_tokens (catalog); give an effort",
            path=sweep.spec_path,
            field=_at(sweep, "reasoning"),
        )
    return None


def _at(sweep: SweepDefinition, key: str) -> str:
    return f"grid.{key}" if key in sweep.grid else f"params.{key}"
