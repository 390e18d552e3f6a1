"""Per-provider prices from `GET /models/{author}/{slug}/endpoints`: parsed, cached on disk,
and `None` (never an error) when they cannot be had; and `orkit models` capability filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orkit.catalog import load_endpoints, parse_endpoints
from orkit.cli import main
from orkit.errors import APIConnectionError, NotFoundError

DATA = {
    "id": "deepseek/deepseek-v3.2",
    "endpoints": [
        {
            "provider_name": "DeepInfra",
            "tag": "deepinfra/fp8",
            "pricing": {
                "prompt": "0.00000025",
                "completion": "0.0000004",
                "input_cache_read": "0.0000001",
            },
            "context_length": 163840,
            "max_completion_tokens": 65536,
            "quantization": "fp8",
            "status": 0,
        },
        {"provider_name": "Dear", "tag": "dear", "pricing": {"prompt": "-1", "completion": "x"}},
        "not an endpoint",
    ],
}


class FakeClient:
    def __init__(self, data: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        self.data, self.error = data, error
        self.calls: list[str] = []
        self.base_url = "https://example.test/api/v1"

    async def list_endpoints(self, model_id: str) -> dict[str, Any]:
        self.calls.append(model_id)
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return self.data


def test_endpoints_are_parsed_with_their_own_prices() -> None:
    eps = parse_endpoints(DATA)
    assert [e.provider for e in eps] == ["DeepInfra", "Dear"]
    first = eps[0]
    assert (first.prompt, first.completion, first.cache_read) == (2.5e-7, 4e-7, 1e-7)
    assert first.tag == "deepinfra/fp8" and first.quantization == "fp8"
    assert first.price_key == pytest.approx(0.65)
    assert (eps[1].prompt, eps[1].completion) == (0.0, 0.0)  # dynamic or broken prices


@pytest.mark.anyio
async def test_endpoints_are_cached_and_routing_suffixes_dropped(tmp_path: Path) -> None:
    client = FakeClient(DATA)
    first = await load_endpoints(client, "deepseek/deepseek-v3.2:nitro", cache_dir=tmp_path)
    again = await load_endpoints(client, "deepseek/deepseek-v3.2:floor", cache_dir=tmp_path)
    assert first == again and first is not None and len(first) == 2
    assert client.calls == ["deepseek/deepseek-v3.2"]  # the second came from the disk cache
    assert await load_endpoints(client, "x/y", cache_dir=tmp_path, offline=True) is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "error", [NotFoundError("no such model", status_code=404), APIConnectionError("refused")]
)
async def test_failures_are_none_not_errors(tmp_path: Path, error: Exception) -> None:
    assert await load_endpoints(FakeClient(error=error), "a/b", cache_dir=tmp_path) is None


def test_models_filters_by_any_supported_parameter_and_output_modality(capsys) -> None:
    assert main(["models", "--supports", "reasoning", "--supports", "seed", "--json"]) == 0
    import json

    body = json.loads(capsys.readouterr().out)
    assert body["count"] > 0
    from orkit.catalog import Catalog

    catalog = Catalog.bundled()
    for m in body["models"]:
        info = catalog.get(m["id"])
        assert info is not None and info.supports("reasoning") and info.supports("seed")
    assert main(["models", "--output-modality", "image", "--json"]) == 0
    images = json.loads(capsys.readouterr().out)
    assert all("image" in m["output_modalities"] for m in images["models"])
