"""Provider filters applied to a model's endpoints as OpenRouter applies them: what the
estimate prices from, and what the pre-run check refuses when nothing is left."""

from __future__ import annotations

from typing import Any

import pytest

from orkit.catalog import Catalog, ProviderEndpoint, filter_endpoints, parse_endpoints
from orkit.cost import price_band


def endpoint(name: str, per_m: float = 1.0, **traits: Any) -> ProviderEndpoint:
    base: dict[str, Any] = {
        "provider": name,
        "tag": name.lower(),
        "prompt": per_m / 1e6,
        "completion": 2 * per_m / 1e6,
        "request": 0.0,
        "cache_read": None,
        "context_length": None,
        "max_completion_tokens": None,
        "quantization": None,
        "status": 0,
    }
    return ProviderEndpoint(**{**base, **traits})


CHEAP = endpoint(
    "Cheap",
    0.5,
    quantization="fp8",
    data_collection="allow",
    zdr=False,
    supported_parameters=frozenset({"temperature"}),
)
DEAR = endpoint(
    "Dear",
    3.0,
    tag="dear/turbo",
    quantization="bf16",
    data_collection="deny",
    zdr=True,
    supported_parameters=frozenset({"temperature", "top_k"}),
)
BOTH = [CHEAP, DEAR]

CASES: list[tuple[dict[str, Any], frozenset[str], list[str]]] = [
    ({"only": ["cheap"]}, frozenset(), ["Cheap"]),
    ({"only": ["dear"]}, frozenset(), ["Dear"]),  # a base slug matches its variants
    ({"ignore": ["Cheap"]}, frozenset(), ["Dear"]),
    ({"order": ["dear/turbo"], "allow_fallbacks": False}, frozenset(), ["Dear"]),
    ({"order": ["dear/turbo"]}, frozenset(), ["Cheap", "Dear"]),  # an order, not a filter
    ({"quantizations": ["fp8"]}, frozenset(), ["Cheap"]),
    ({"data_collection": "deny"}, frozenset(), ["Dear"]),
    ({"data_collection": "allow"}, frozenset(), ["Cheap", "Dear"]),
    ({"zdr": True}, frozenset(), ["Dear"]),
    ({"require_parameters": True}, frozenset({"top_k"}), ["Dear"]),
    ({"require_parameters": False}, frozenset({"top_k"}), ["Cheap", "Dear"]),
    ({"max_price": {"prompt": 1, "completion": 2}}, frozenset(), ["Cheap"]),
    ({"max_price": {"prompt": "3"}}, frozenset(), ["Cheap", "Dear"]),  # at the cap passes
    ({"sort": "price"}, frozenset(), ["Cheap", "Dear"]),
]


@pytest.mark.parametrize(("prefs", "requested", "kept"), CASES, ids=[str(c[0]) for c in CASES])
def test_each_filter_keeps_what_openrouter_keeps(
    prefs: dict[str, Any], requested: frozenset[str], kept: list[str]
) -> None:
    result = filter_endpoints(BOTH, prefs, requested)
    assert [e.provider for e in result.kept] == kept
    assert result.removed_by is None


def test_the_filter_that_removed_the_last_endpoint_is_named() -> None:
    result = filter_endpoints([CHEAP], {"only": ["cheap"], "data_collection": "deny"})
    assert result.kept == [] and result.removed_by == "provider.data_collection = 'deny'"
    result = filter_endpoints(BOTH, {"zdr": True, "max_price": {"prompt": 1}})
    assert result.removed_by is not None and result.removed_by.startswith("provider.max_price")


def test_a_trait_the_server_did_not_give_keeps_the_endpoint() -> None:
    unknown = endpoint("Unknown")  # no data policy, quantization or parameter list
    prefs = {"data_collection": "deny", "zdr": True, "quantizations": ["int4"]}
    assert filter_endpoints([unknown], prefs).kept == [unknown]
    assert filter_endpoints([unknown], {"require_parameters": True}, frozenset({"top_k"})).kept


def test_the_endpoint_traits_are_parsed_when_given_and_none_when_not() -> None:
    raw = {
        "endpoints": [
            {"provider_name": "A", "tag": "a", "pricing": {}, "data_collection": "deny"},
            {"provider_name": "B", "zdr": True, "supported_parameters": ["seed"]},
            {"provider_name": "C", "data_collection": "sometimes", "zdr": "yes"},
        ]
    }
    a, b, c = parse_endpoints(raw)
    assert (a.data_collection, a.zdr, a.supported_parameters) == ("deny", None, None)
    assert (b.data_collection, b.zdr, b.supported_parameters) == (None, True, frozenset({"seed"}))
    assert (c.data_collection, c.zdr) == (None, None)


def test_the_price_band_comes_from_the_endpoints_that_pass() -> None:
    info = Catalog.bundled().get("deepseek/deepseek-v3.2")
    assert info is not None
    open_band = price_band(info, BOTH, {})
    assert open_band.low.prompt == CHEAP.prompt and open_band.high.prompt == DEAR.prompt
    private = price_band(info, BOTH, {"provider": {"data_collection": "deny"}})
    assert private.low.prompt == private.high.prompt == DEAR.prompt
    capped = price_band(info, BOTH, {"provider": {"max_price": {"prompt": 1}}})
    assert capped.high.prompt == CHEAP.prompt
    needs_top_k = price_band(info, BOTH, {"top_k": 5, "provider": {"require_parameters": True}})
    assert needs_top_k.low.prompt == DEAR.prompt
