"""Which of a model's providers a request's `provider` preferences leave, as OpenRouter
filters them: `only`, `ignore`, `order` without fallbacks, `quantizations`,
`data_collection`, `zdr`, `require_parameters`, `max_price` (USD per million tokens, or
per request). The estimate prices from the endpoints that pass, and a model none of whose
endpoints passes is an error before the run: OpenRouter would answer each request 404
("No endpoints found matching your data policy").

A filter on a trait the endpoint data does not give (an older cache, a server that does not
say) keeps the endpoint: unknown is not a reason to drop it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit.catalog._endpoints import ProviderEndpoint

__all__ = [
    "ROUTED_PARAMETERS",
    "FilterResult",
    "filter_endpoints",
    "has_provider_filters",
    "routed_parameters",
]

ROUTED_PARAMETERS = frozenset(
    {
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "top_a",
        "frequency_penalty",
        "presence_penalty",
        "repetition_penalty",
        "seed",
        "stop",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning",
        "include_reasoning",
        "reasoning_effort",
        "prediction",
        "verbosity",
        "web_search_options",
    }
)
"""Fields a model's `supported_parameters` speaks for: a provider that does not support one
drops it silently, or is skipped under `provider.require_parameters` (as OpenRouter and the
emulator count them: the output caps are not among them)."""


def routed_parameters(params: Mapping[str, Any]) -> frozenset[str]:
    """The body fields of `params` that `require_parameters` counts; a `json_schema`
    response_format also needs `structured_outputs` (`response_format` alone is JSON mode)."""
    found = ROUTED_PARAMETERS.intersection(params)
    response_format = params.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") == "json_schema":
        found = found | {"structured_outputs"}
    return found


Keep = Callable[[ProviderEndpoint], bool]


@dataclass(frozen=True, slots=True)
class FilterResult:
    kept: list[ProviderEndpoint]
    removed_by: str | None = None
    """The filter that removed the last endpoint (`provider.zdr = true`); None if any pass."""


def _names(e: ProviderEndpoint) -> set[str]:
    return {e.tag.lower(), e.tag.split("/")[0].lower(), e.provider.lower()}


def _listed(prefs: Mapping[str, Any], key: str) -> set[str] | None:
    value = prefs.get(key)
    if not isinstance(value, list | tuple):
        return None
    return {str(x).lower() for x in value}


def _per_token(value: Any) -> float | None:
    """A `max_price` entry (USD per million tokens, number or numeric string) per token."""
    try:
        return float(value) / 1_000_000
    except (TypeError, ValueError):
        return None


def _max_price(cap: Mapping[str, Any]) -> Keep:
    prompt, completion = _per_token(cap.get("prompt")), _per_token(cap.get("completion"))
    try:
        request = float(cap["request"]) if cap.get("request") is not None else None
    except (TypeError, ValueError):
        request = None

    def keep(e: ProviderEndpoint) -> bool:
        # a float's last bit must not drop the endpoint whose price equals the cap
        slack = 1e-12
        return (
            (prompt is None or e.prompt <= prompt + slack)
            and (completion is None or e.completion <= completion + slack)
            and (request is None or e.request <= request + slack)
        )

    return keep


def _filters(prefs: Mapping[str, Any], requested: frozenset[str]) -> list[tuple[str, Keep]]:
    """(what the user wrote, the endpoint test), in OpenRouter's (and the emulator's) order."""
    out: list[tuple[str, Keep]] = []
    only, ignore = _listed(prefs, "only"), _listed(prefs, "ignore")
    if only is not None:
        out.append((f"provider.only = {sorted(only)}", lambda e: bool(_names(e) & only)))
    if ignore:
        out.append((f"provider.ignore = {sorted(ignore)}", lambda e: not _names(e) & ignore))
    order = _listed(prefs, "order")
    if order and prefs.get("allow_fallbacks") is False:
        out.append(
            ("provider.order with allow_fallbacks = false", lambda e: bool(_names(e) & order))
        )
    quants = _listed(prefs, "quantizations")
    if quants is not None:
        out.append(
            (
                f"provider.quantizations = {sorted(quants)}",
                lambda e: e.quantization is None or e.quantization.lower() in quants,
            )
        )
    if prefs.get("data_collection") == "deny":
        out.append(
            (
                "provider.data_collection = 'deny'",
                lambda e: e.data_collection is None or e.data_collection == "deny",
            )
        )
    if prefs.get("zdr") is True:
        out.append(("provider.zdr = true", lambda e: e.zdr is None or e.zdr))
    if prefs.get("require_parameters") is True and requested:
        listed = ", ".join(sorted(requested))
        out.append(
            (
                f"provider.require_parameters = true (with {listed})",
                lambda e: e.supported_parameters is None or requested <= e.supported_parameters,
            )
        )
    cap = prefs.get("max_price")
    if isinstance(cap, Mapping):
        out.append((f"provider.max_price = {dict(cap)}", _max_price(cap)))
    return out


def has_provider_filters(prefs: Any) -> bool:
    """Whether a `provider` object holds any filter (not only ordering or preferences)."""
    # any requested parameter: `require_parameters = true` filters whatever is sent
    return isinstance(prefs, Mapping) and bool(_filters(prefs, frozenset({"temperature"})))


def filter_endpoints(
    endpoints: Sequence[ProviderEndpoint],
    prefs: Mapping[str, Any],
    requested: frozenset[str] = frozenset(),
) -> FilterResult:
    """The endpoints `prefs` leave, filter by filter; `requested` are the request's
    parameters that `require_parameters` counts."""
    kept = list(endpoints)
    for name, keep in _filters(prefs, requested):
        kept = [e for e in kept if keep(e)]
        if not kept:
            return FilterResult([], removed_by=name)
    return FilterResult(kept)
