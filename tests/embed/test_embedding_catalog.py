"""The bundled embedding models: apart from the text catalog (text stays the default, as on
OpenRouter's `/models`), reachable with `all_modalities` and `orkit models --output-modality`."""

from __future__ import annotations

import json

import pytest

from orkit.catalog import Catalog
from orkit.cli import main
from orkit.sim import SimConfig, serve_in_thread

SMALL = "openai/text-embedding-3-small"


def test_the_text_catalog_holds_no_embedding_model() -> None:
    assert Catalog.bundled().get(SMALL) is None
    assert not Catalog.bundled().search(output_modality="embeddings")


def test_all_modalities_adds_the_embedding_models_with_their_prices() -> None:
    text, every = Catalog.bundled(), Catalog.bundled(all_modalities=True)
    embedders = every.search(output_modality="embeddings")
    assert len(every) == len(text) + len(embedders) and len(embedders) >= 16
    small = every.get(SMALL)
    assert small is not None and small.prompt_price_per_m == pytest.approx(0.02)
    assert every.get("openai/gpt-4o-mini") == text.get("openai/gpt-4o-mini")


def test_orkit_models_filters_by_output_modality(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "--output-modality", "embeddings", "--json"]) == 0
    ids = [m["id"] for m in json.loads(capsys.readouterr().out)["models"]]
    assert SMALL in ids and "openai/gpt-4o-mini" not in ids
    assert main(["models", "text-embedding", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["models"] == []  # text is the default


def test_live_asks_the_server_for_the_output_modality(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 18: `--live` fetched `/models` (text models) whatever was asked
    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        argv = ["models", "--live", "--base-url", url, "--output-modality", "embeddings"]
        assert main([*argv, "--json"]) == 0
        body = json.loads(capsys.readouterr().out)
        assert body["source"] == "live" and body["note"] is None
        ids = [m["id"] for m in body["models"]]
        assert SMALL in ids and "openai/gpt-4o-mini" not in ids
        assert all(m["output_modalities"] == ["embeddings"] for m in body["models"])
        assert main(["models", "--live", "--base-url", url, "--json", "gpt-4o-mini"]) == 0
        text = [m["id"] for m in json.loads(capsys.readouterr().out)["models"]]
        assert "openai/gpt-4o-mini" in text and SMALL not in text  # text stays the default


def test_live_falls_back_to_the_snapshot_when_the_server_is_not_there(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["models", "--live", "--base-url", "http://127.0.0.1:9/api/v1"]
    assert main([*argv, "--output-modality", "embeddings", "--json"]) == 0
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    assert body["source"] == "snapshot" and SMALL in [m["id"] for m in body["models"]]
    assert captured.err.startswith("orkit: note: could not fetch the embeddings models (")
