"""The bundled catalog: what it holds, how ids (variants, aliases) resolve, and the
suggestions an unknown id gets."""

from __future__ import annotations

import pytest

from orkit.catalog import Catalog, ModelInfo
from orkit.errors import ConfigError, UnknownModelError


def test_bundled_snapshot_has_414_text_models_of_2026_08_19(catalog: Catalog) -> None:
    assert len(catalog) == 414
    assert catalog.source == "snapshot"
    assert catalog.snapshot_date == "2026-08-19"
    assert catalog.fetched_at is None and catalog.note is None
    assert sum(1 for m in catalog if m.id.endswith(":free")) == 17
    assert all(isinstance(m, ModelInfo) for m in catalog)


def test_bundled_is_parsed_once_per_process() -> None:
    assert Catalog.bundled() is Catalog.bundled()


def test_model_fields_are_parsed_from_the_wire_strings(catalog: Catalog) -> None:
    m = catalog.get("openai/gpt-4o-mini")
    assert m is not None
    assert (m.prompt_price, m.completion_price) == (0.00000015, 0.0000006)
    assert (m.prompt_price_per_m, m.completion_price_per_m) == (0.15, 0.6)
    assert m.cache_read_price == 0.000000075
    assert m.request_price is None and m.web_search_price is None and m.cache_write_price is None
    assert (m.context_length, m.max_completion_tokens) == (128_000, 16_384)
    assert m.tokenizer == "GPT"
    assert m.input_modalities == ("text", "image", "file")
    assert m.output_modalities == ("text",)
    assert m.supports("tools") and m.supports("structured_outputs") and not m.supports("reasoning")
    assert m.pricing["prompt"] == "0.00000015"
    assert m.is_moderated and not m.is_free and not m.is_router
    assert m.variant is None and m.base_id == "openai/gpt-4o-mini"
    assert m.name == "OpenAI: GPT-4o-mini" and m.created and m.description


def test_model_info_is_frozen(catalog: Catalog) -> None:
    m = catalog.get("openai/gpt-4o-mini")
    with pytest.raises(AttributeError):
        m.prompt_price = 0.0  # type: ignore[misc,union-attr]


def test_free_variant_is_its_own_entry_with_zero_prices(catalog: Catalog) -> None:
    m = catalog.get("openai/gpt-oss-20b:free")
    assert m is not None and m.is_free
    assert (m.prompt_price, m.completion_price) == (0.0, 0.0)
    assert m.variant is None and m.base_id == "openai/gpt-oss-20b"


@pytest.mark.parametrize(
    "model_id", ["qwen/qwen-plus-2025-07-28:thinking", "openai/gpt-4o-mini:batch"]
)
def test_static_variants_resolve_only_as_listed_entries(catalog: Catalog, model_id: str) -> None:
    m = catalog.get(model_id)
    assert m is not None and m.id == model_id and m.variant is None


@pytest.mark.parametrize(
    "model_id",
    ["openai/gpt-4o-mini:free", "openai/gpt-4o-mini:thinking", "openai/gpt-4o-mini:extended"],
)
def test_static_variant_not_in_the_list_is_unknown(catalog: Catalog, model_id: str) -> None:
    assert catalog.get(model_id) is None
    assert model_id not in catalog


@pytest.mark.parametrize("suffix", [":nitro", ":floor", ":exacto"])
def test_dynamic_variant_resolves_to_the_base_model(catalog: Catalog, suffix: str) -> None:
    base = catalog.get("anthropic/claude-haiku-4.5")
    m = catalog.get("anthropic/claude-haiku-4.5" + suffix)
    assert m is not None and base is not None
    assert m.id == "anthropic/claude-haiku-4.5" + suffix
    assert m.variant == suffix and m.base_id == "anthropic/claude-haiku-4.5"
    assert (m.prompt_price, m.completion_price, m.request_price) == (
        base.prompt_price,
        base.completion_price,
        base.request_price,
    )


def test_online_variant_adds_the_model_web_search_price_per_request(catalog: Catalog) -> None:
    m = catalog.get("anthropic/claude-haiku-4.5:online")
    assert m is not None and m.variant == ":online"
    assert m.web_search_price == 0.01  # the model's own `web_search` price
    assert m.request_price == 0.01


def test_online_variant_without_own_search_price_uses_the_exa_price(catalog: Catalog) -> None:
    m = catalog.get("openai/gpt-4o-mini:online")
    assert m is not None and m.web_search_price == 0.007 and m.request_price == 0.007


def test_online_on_a_free_model_is_still_a_free_model_but_search_costs(catalog: Catalog) -> None:
    m = catalog.get("openai/gpt-oss-20b:free:online")
    assert m is not None and m.is_free and m.request_price and m.request_price > 0


def test_dynamic_variant_of_an_unknown_model_is_unknown(catalog: Catalog) -> None:
    assert catalog.get("nope/nothing:nitro") is None


def test_latest_alias_carries_its_target(catalog: Catalog) -> None:
    m = catalog.get("~anthropic/claude-haiku-latest")
    target = catalog.get("anthropic/claude-haiku-4.5")
    assert m is not None and target is not None
    assert m.alias_target == "anthropic/claude-haiku-4.5" and m.base_id == target.id
    assert (m.prompt_price, m.completion_price) == (target.prompt_price, target.completion_price)
    assert not m.is_router


def test_alias_with_a_dynamic_variant(catalog: Catalog) -> None:
    m = catalog.get("~anthropic/claude-haiku-latest:nitro")
    assert (
        m is not None and m.variant == ":nitro" and m.alias_target == "anthropic/claude-haiku-4.5"
    )


def test_dated_canonical_slug_resolves_to_the_plain_entry(catalog: Catalog) -> None:
    m = catalog.get("qwen/qwen3.8-27b-20260814")
    assert m is not None and m.id == "qwen/qwen3.8-27b"


def test_routers(catalog: Catalog) -> None:
    auto = catalog.get("openrouter/auto")
    free = catalog.get("openrouter/free")
    assert auto is not None and free is not None
    assert auto.is_router and auto.prompt_price is None and auto.completion_price is None  # "-1"
    assert auto.prompt_price_per_m is None and not auto.is_free
    assert free.is_router and free.is_free


def test_ids_are_stripped(catalog: Catalog) -> None:
    padded = catalog.get("  openai/gpt-4o-mini\n")
    assert padded is not None and padded.id == "openai/gpt-4o-mini"
    assert padded == catalog.get("openai/gpt-4o-mini")
    # padding around an id with a dynamic variant (the suffix is read after stripping)
    nitro = catalog.get(" openai/gpt-4o-mini:nitro\t")
    assert nitro is not None and nitro.id == "openai/gpt-4o-mini:nitro"
    assert nitro.variant == ":nitro" and nitro.base_id == "openai/gpt-4o-mini"
    assert [m.id for m in catalog.require(["\tdeepseek/deepseek-v3.2 "])] == [
        "deepseek/deepseek-v3.2"
    ]


def test_require_returns_models_in_order(catalog: Catalog) -> None:
    ids = [
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4.5",
        "deepseek/deepseek-v3.2",
        "openai/gpt-oss-20b:free",
    ]
    assert [m.id for m in catalog.require(ids)] == ids
    assert [m.id for m in catalog.require("openai/gpt-4o-mini")] == ["openai/gpt-4o-mini"]


def test_require_raises_for_the_first_unknown_id(catalog: Catalog) -> None:
    with pytest.raises(UnknownModelError) as info:
        catalog.require(["openai/gpt-4o-mini", "gpt4o-mini", "claude-haiku-4.5"])
    err = info.value
    assert isinstance(err, ConfigError)
    assert err.model == "gpt4o-mini"
    assert err.suggestions[0] == "openai/gpt-4o-mini" and len(err.suggestions) <= 3
    assert str(err) == (
        "unknown model id 'gpt4o-mini'; "
        "did you mean openai/gpt-4o-mini, openai/gpt-4.1-mini, openai/gpt-5.4-mini?"
    )
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("typo", "best"),
    [
        ("gpt4o-mini", "openai/gpt-4o-mini"),  # no vendor, no hyphen
        ("openai/gpt-4o-mni", "openai/gpt-4o-mini"),  # a typo in the slug
        ("claude-haiku-4.5", "anthropic/claude-haiku-4.5"),  # a bare vendor name
        ("claude-sonnet-4-6", "anthropic/claude-sonnet-4.6"),  # vendor spelling of a version
        ("anthropic/claude-3-5-haiku", "anthropic/claude-3-haiku"),
        ("deepseek-v3.2", "deepseek/deepseek-v3.2"),
        ("OpenAI/GPT-4o-mini", "openai/gpt-4o-mini"),  # case
        ("openai/gpt-4o-mni:nitro", "openai/gpt-4o-mini:nitro"),  # keeps a dynamic suffix
        ("openai/gpt-4o-mini:free", "openai/gpt-4o-mini"),  # no such free variant
    ],
)
def test_unknown_ids_get_close_matches(catalog: Catalog, typo: str, best: str) -> None:
    with pytest.raises(UnknownModelError) as info:
        catalog.require([typo])
    assert info.value.suggestions[0] == best


def test_suggestions_prefer_plain_ids_over_batch_and_free_entries(catalog: Catalog) -> None:
    assert all(":" not in s for s in catalog.suggest("gpt-4o"))


def test_nothing_close_means_no_suggestions(catalog: Catalog) -> None:
    with pytest.raises(UnknownModelError) as info:
        catalog.require(["xyzzy"])
    assert info.value.suggestions == ()
    assert str(info.value) == "unknown model id 'xyzzy'"
