"""Params a model does not support, per the catalog's `supported_parameters`.

OpenRouter drops a parameter the serving provider does not support, silently; with
`provider.require_parameters = true` it skips such providers instead, and a model none of
whose providers supports the parameter answers every request with a 404. The first is a
warning before the run, the second an error. Only models the catalog knows are checked
(OpenRouter and the emulator): a URL endpoint's models have no such list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orkit.catalog import Catalog, routed_parameters
from orkit.errors import SpecError
from orkit.plan._cache_breakpoints import idle_ttl_warning
from orkit.plan._reasoning_checks import reasoning_warnings

if TYPE_CHECKING:
    from orkit.plan._endpoint import Endpoint
    from orkit.plan._sweep import SweepDefinition

__all__ = ["check_param_support", "param_warnings", "requires_parameters"]


def requires_parameters(params: Mapping[str, Any]) -> bool:
    """`provider.require_parameters = true` in this params set."""
    prefs = params.get("provider")
    return isinstance(prefs, Mapping) and prefs.get("require_parameters") is True


def check_param_support(sweep: SweepDefinition, catalog: Catalog) -> list[str]:
    """Warnings for params a model ignores; raise SpecError where `require_parameters`
    makes one unservable."""
    warnings: dict[str, None] = {}
    param_sets = sweep.param_sets()
    for model in sweep.endpoint_model_ids:
        info = catalog.get(model)
        if info is None or info.is_router or not info.supported_parameters:
            continue  # unknown here (a router picks the model per request): no guess
        for params in param_sets:
            missing = sorted(routed_parameters(params) - info.supported_parameters)
            if not missing:
                continue
            listed = ", ".join(missing)
            if requires_parameters(params):
                raise SpecError(
                    f"model {model!r} does not support {listed} (catalog supported_parameters), "
                    "and provider.require_parameters = true leaves it no provider",
                    path=sweep.spec_path,
                    field="params.provider.require_parameters",
                )
            warnings[_unsupported(model, missing)] = None
    warnings.update(dict.fromkeys(reasoning_warnings(sweep, catalog)))
    idle_ttl = idle_ttl_warning(sweep.prompt_cache, sweep.cache_ttl)
    if idle_ttl:
        warnings[idle_ttl] = None
    unenforced = structured_outputs_advice(sweep, catalog)
    if unenforced:
        warnings[unenforced] = None
    return list(warnings)


def _unsupported(model: str, missing: list[str]) -> str:
    listed = ", ".join(missing)
    if "structured_outputs" in missing or "response_format" in missing:
        return (
            f"{model} does not support {listed} (catalog supported_parameters): OpenRouter "
            "sends the request without it and the answers need not fit the schema; "
            "provider.require_parameters = true routes only to providers that enforce it "
            "(and makes a model with none an error before the run)"
        )
    return (
        f"{model} does not support {listed} (catalog supported_parameters): "
        "OpenRouter drops it silently; provider.require_parameters = true makes "
        "this an error"
    )


def param_warnings(sweep: SweepDefinition, endpoint: Endpoint) -> list[str]:
    """`check_param_support` where the catalog speaks for the endpoint's models (OpenRouter
    and the emulator); nothing for a URL endpoint."""
    return check_param_support(sweep, Catalog.bundled()) if endpoint.uses_catalog else []


def structured_outputs_advice(sweep: SweepDefinition, catalog: Catalog) -> str | None:
    """A warning when a schema is sent without `provider.require_parameters = true` to
    models the catalog says support it: `supported_parameters` is the union of a model's
    providers, and OpenRouter may route to one that ignores the schema (reference §13)."""
    loose = [
        p
        for p in sweep.param_sets()
        if "structured_outputs" in routed_parameters(p) and not requires_parameters(p)
    ]
    if not loose:
        return None
    models = []
    for model in sweep.endpoint_model_ids:
        info = catalog.get(model)
        if info is not None and not info.is_router and info.supports("structured_outputs"):
            models.append(model)
    if not models:
        return None  # those lacking it entirely have their own warning
    shown = ", ".join(models[:3]) + (f" and {len(models) - 3} more" if len(models) > 3 else "")
    return (
        f"structured outputs: not every provider of {shown} enforces a schema; set "
        "provider.require_parameters = true so OpenRouter routes only to those that do"
    )
