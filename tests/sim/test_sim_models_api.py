"""`/models` filters and paging, `/models/count`, `/model/{a}/{s}`, `/models/{a}/{s}/endpoints`."""

from __future__ import annotations

import pytest

from orkit.catalog import Catalog

EMBEDDERS = len(Catalog.bundled(all_modalities=True).search(output_modality="embeddings"))


async def test_models_without_params_is_the_full_snapshot(make_sim, catalog) -> None:
    sim = await make_sim(headers={})
    response = await sim.http.get("/models")  # public: no key needed
    assert response.status_code == 200
    body = response.json()
    assert body["total_count"] == len(body["data"]) == 414
    assert body["links"] == {"next": None}
    assert body["data"][0] == catalog.models[0]


async def test_output_modalities_filter(make_sim) -> None:
    sim = await make_sim()
    everything = (await sim.http.get("/models", params={"output_modalities": "all"})).json()
    images = (await sim.http.get("/models", params={"output_modalities": "image"})).json()
    assert everything["total_count"] == 414 + EMBEDDERS  # the embedding models too
    assert 0 < images["total_count"] < 414
    assert all("image" in m["architecture"]["output_modalities"] for m in images["data"])


async def test_embedding_models_are_listed_when_asked_for(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.http.get("/models", params={"output_modalities": "embeddings"})).json()
    ids = {m["id"] for m in body["data"]}
    assert body["total_count"] == len(ids) == EMBEDDERS
    assert "openai/text-embedding-3-small" in ids
    assert all(m["architecture"]["output_modalities"] == ["embeddings"] for m in body["data"])
    text = (await sim.http.get("/models", params={"output_modalities": "text"})).json()
    assert not ids & {m["id"] for m in text["data"]}


async def test_supported_parameters_and_query_filters(make_sim) -> None:
    sim = await make_sim()
    wanted = {"tools", "structured_outputs", "seed"}
    body = (await sim.http.get("/models", params={"supported_parameters": ",".join(wanted)})).json()
    assert 0 < body["total_count"] < 414
    assert all(wanted <= set(m["supported_parameters"]) for m in body["data"])
    found = (await sim.http.get("/models", params={"q": "gpt-4o-mini"})).json()
    assert {m["id"] for m in found["data"]} >= {"openai/gpt-4o-mini"}
    assert all("gpt-4o-mini" in m["id"] for m in found["data"])


async def test_paging_with_total_count_and_next_link(make_sim) -> None:
    sim = await make_sim()
    first = (await sim.http.get("/models", params={"offset": 0, "limit": 200})).json()
    assert len(first["data"]) == 200
    assert first["total_count"] == 414
    assert first["links"]["next"] == "/api/v1/models?offset=200&limit=200"
    last = (await sim.http.get("/models", params={"offset": 400, "limit": 200})).json()
    assert len(last["data"]) == 14
    assert last["links"]["next"] is None
    bad = await sim.http.get("/models", params={"limit": "many"})
    assert bad.status_code == 400


async def test_count_and_single_model(make_sim) -> None:
    sim = await make_sim()
    assert (await sim.http.get("/models/count")).json() == {"data": {"count": 414}}
    one = (await sim.http.get("/model/openai/gpt-4o-mini")).json()["data"]
    assert one["id"] == "openai/gpt-4o-mini"
    free = (await sim.http.get("/model/openai/gpt-oss-20b:free")).json()["data"]
    assert free["id"] == "openai/gpt-oss-20b:free"
    missing = await sim.http.get("/model/openai/gpt-99")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 404


@pytest.mark.parametrize("path", ["openai/gpt-4o-mini", "qwen/qwen3.8-27b-20260814"])
async def test_endpoints_list_providers_with_real_field_names(make_sim, path: str) -> None:
    sim = await make_sim()
    data = (await sim.http.get(f"/models/{path}/endpoints")).json()["data"]
    assert list(data)[:5] == ["id", "name", "created", "description", "architecture"]
    endpoint = data["endpoints"][0]
    for field in (
        "name",
        "model_id",
        "provider_name",
        "tag",
        "context_length",
        "max_completion_tokens",
        "quantization",
        "pricing",
        "supported_parameters",
        "status",
        "uptime_last_30m",
        "latency_last_30m",
        "throughput_last_30m",
    ):
        assert field in endpoint
    assert endpoint["name"] == f"{endpoint['provider_name']} | {data['id']}"
    assert endpoint["status"] == 0
    assert endpoint["latency_last_30m"]["p50"] > 0  # signed-in caller sees live stats


async def test_endpoint_prices_follow_the_provider_multiplier(make_sim, catalog) -> None:
    sim = await make_sim(headers={})
    model = "meta-llama/llama-3.3-70b-instruct"
    endpoints = (await sim.http.get(f"/models/{model}/endpoints")).json()["data"]["endpoints"]
    runtime = sim.sim.book.get(model)
    for endpoint, expected in zip(endpoints, runtime.endpoints, strict=True):
        assert endpoint["tag"] == expected.provider.slug
        assert endpoint["latency_last_30m"] is None  # anonymous caller
        prompt = (
            float(catalog.by_id[model]["pricing"]["prompt"]) * expected.provider.price_multiplier
        )
        assert float(endpoint["pricing"]["prompt"]) == pytest.approx(prompt)
