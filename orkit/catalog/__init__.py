"""The model catalog (layer 2): OpenRouter's models with prices, context lengths, variants and
capabilities, from the live `/models` (cached on disk) or the snapshot bundled with orkit.

Examples:
    >>> from orkit.catalog import Catalog
    >>> cat = Catalog.bundled()
    >>> cat.get("openai/gpt-4o-mini").prompt_price_per_m
    0.15
    >>> cat.suggest("gpt4o-mini")  # what `cat.require(["gpt4o-mini"])` raises with
    ['openai/gpt-4o-mini', 'openai/gpt-4.1-mini', 'openai/gpt-5.4-mini']

Public: the names in `__all__`, imported from `orkit.catalog`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.catalog._catalog import Catalog, Source
from orkit.catalog._endpoints import (
    EndpointLister,
    ProviderEndpoint,
    load_endpoints,
    parse_endpoints,
)
from orkit.catalog._load import ModelLister
from orkit.catalog._model import ModelInfo
from orkit.catalog._provider_filters import (
    ROUTED_PARAMETERS,
    FilterResult,
    filter_endpoints,
    has_provider_filters,
    routed_parameters,
)
from orkit.catalog._reasoning import ReasoningInfo

__all__ = [
    "ROUTED_PARAMETERS",
    "Catalog",
    "EndpointLister",
    "FilterResult",
    "ModelInfo",
    "ModelLister",
    "ProviderEndpoint",
    "ReasoningInfo",
    "Source",
    "filter_endpoints",
    "has_provider_filters",
    "load_endpoints",
    "parse_endpoints",
    "routed_parameters",
]

_exports.publish(globals())
