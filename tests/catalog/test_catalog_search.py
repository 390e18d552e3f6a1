"""`Catalog.search`: each filter on its own, then together."""

from __future__ import annotations

from orkit.catalog import Catalog


def test_no_filters_returns_every_model_in_catalog_order(catalog: Catalog) -> None:
    assert catalog.search() == list(catalog)


def test_query_words_must_all_match_id_or_name_case_insensitively(catalog: Catalog) -> None:
    ids = [m.id for m in catalog.search("GPT-4o mini")]
    assert ids == [
        "openai/gpt-4o-mini",
        "openai/gpt-4o-mini-2024-07-18",
        "openai/gpt-4o-mini:batch",
    ]
    names = [m.id for m in catalog.search("Claude Haiku 4.5")]  # words, not a phrase
    assert names == ["anthropic/claude-haiku-4.5", "anthropic/claude-haiku-4.5:batch"]
    assert catalog.search("no-such-model-anywhere") == []


def test_free(catalog: Catalog) -> None:
    free = catalog.search(free=True)
    assert len(free) == 20  # 17 `:free` ids, openrouter/free and two 0-priced previews
    assert all(m.is_free for m in free)
    assert {m.id for m in free} >= {"openai/gpt-oss-20b:free", "openrouter/free"}
    assert len(catalog.search(free=False)) == len(catalog) - 20


def test_max_prompt_price_is_per_million_tokens_and_skips_dynamic_prices(catalog: Catalog) -> None:
    cheap = catalog.search(max_prompt_price_per_m=0.15)
    assert cheap and all(
        m.prompt_price_per_m is not None and m.prompt_price_per_m <= 0.15 for m in cheap
    )
    assert "openai/gpt-4o-mini" in {m.id for m in cheap}
    assert "openrouter/auto" not in {m.id for m in catalog.search(max_prompt_price_per_m=1e9)}


def test_max_completion_price(catalog: Catalog) -> None:
    found = catalog.search(max_completion_price_per_m=0.6)
    assert found and all((m.completion_price_per_m or 0) <= 0.6 for m in found)
    assert "openai/gpt-4o-mini" in {m.id for m in found}
    assert "openai/gpt-4o" not in {m.id for m in found}


def test_min_context(catalog: Catalog) -> None:
    big = catalog.search(min_context=1_000_000)
    assert big and all((m.context_length or 0) >= 1_000_000 for m in big)
    assert "openai/gpt-4o-mini" not in {m.id for m in big}


def test_supports_needs_every_parameter(catalog: Catalog) -> None:
    tools = catalog.search(supports=["tools"])
    both = catalog.search(supports=("tools", "structured_outputs"))
    assert all(m.supports("tools") for m in tools)
    assert all(m.supports("tools") and m.supports("structured_outputs") for m in both)
    assert 0 < len(both) < len(tools) < len(catalog)
    assert catalog.search(supports="tools") == tools  # one name, not its letters


def test_modalities(catalog: Catalog) -> None:
    vision = catalog.search(input_modality="image")
    audio_out = catalog.search(output_modality="audio")
    assert vision and all("image" in m.input_modalities for m in vision)
    assert {m.id for m in audio_out} >= {"google/lyria-3-pro-preview"}
    assert all("audio" in m.output_modalities for m in audio_out)


def test_filters_combine(catalog: Catalog) -> None:
    found = catalog.search(
        "openai",
        free=False,
        max_prompt_price_per_m=0.2,
        max_completion_price_per_m=1.0,
        min_context=100_000,
        supports=["tools", "structured_outputs"],
        input_modality="image",
    )
    assert "openai/gpt-4o-mini" in {m.id for m in found}
    for m in found:
        assert "openai" in m.id.lower() or "openai" in m.name.lower()
        assert not m.is_free and m.prompt_price_per_m is not None and m.prompt_price_per_m <= 0.2
        assert (m.context_length or 0) >= 100_000 and "image" in m.input_modalities
