"""`client.embed()` against the emulator's `POST /embeddings`: vectors, dimensions, encodings,
usage and cost (equal to the emulator's bill), and the errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import httpx
import pytest

from orkit import errors
from orkit.client import AsyncOpenRouter, Embeddings
from orkit.sim import SimConfig, create_app
from orkit.sim.embeddings import MAX_INPUTS, dimensions_of, embed_text, embedding_models
from orkit.sim.tokenizer import count_tokens

SMALL = "openai/text-embedding-3-small"
KEY = "sk-or-v1-embedtest0000"


def _cos(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / (
        math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    )


@pytest.fixture
def app() -> object:
    return create_app(SimConfig(seed=0, time_scale=0))


def _client(app: object) -> AsyncOpenRouter:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return AsyncOpenRouter(api_key=KEY, base_url="http://sim/api/v1", http_transport=transport)


async def test_embed_returns_vectors_in_order_with_usage_and_cost(app: object) -> None:
    texts = ["Paris", "paris.", "banana", "The capital of France is Paris"]
    async with _client(app) as client:
        result = await client.embed(SMALL, texts)
    assert isinstance(result, Embeddings)
    assert result.dimensions == 1536 and len(result.vectors) == 4
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0) for v in result.vectors)
    paris, paris_dot, banana, sentence = result.vectors
    assert _cos(paris, paris_dot) > 0.95 > _cos(paris, sentence) > _cos(paris, banana)
    assert abs(_cos(paris, banana)) < 0.2
    tokens = sum(count_tokens(t) for t in texts)
    assert result.prompt_tokens == result.total_tokens == tokens
    price = Decimal(embedding_models()[SMALL]["pricing"]["prompt"])
    assert result.cost_usd == pytest.approx(float(price * tokens), abs=1e-15)
    assert result.is_byok is False
    stats = app.state.sim.stats_json()  # type: ignore[attr-defined]
    assert stats["billed_total_usd"] == pytest.approx(result.cost_usd, abs=1e-12)
    assert stats["billed_count"] == 1 and stats["by_model"] == {SMALL: 1}


async def test_embed_is_deterministic_per_model_and_text(app: object) -> None:
    async with _client(app) as client:
        first = await client.embed(SMALL, "hello world")
        again = await client.embed(SMALL, ["hello world"])
        other = await client.embed("baai/bge-m3", "hello world")
    assert first.vectors == again.vectors
    assert other.dimensions == 1024 == dimensions_of("baai/bge-m3")
    assert first.vectors[0][:1024] != other.vectors[0]


async def test_base64_decodes_to_the_float_vectors(app: object) -> None:
    async with _client(app) as client:
        plain = await client.embed(SMALL, ["one", "two"])
        packed = await client.embed(SMALL, ["one", "two"], encoding_format="base64")
    for a, b in zip(plain.vectors, packed.vectors, strict=True):
        assert len(a) == len(b) == 1536
        assert max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-6  # float32


async def test_dimensions_are_honoured_where_supported(app: object) -> None:
    async with _client(app) as client:
        short = await client.embed("openai/text-embedding-3-large", "x y z", dimensions=256)
        assert short.dimensions == 256
        assert math.isclose(math.fsum(v * v for v in short.vectors[0]), 1.0)
        with pytest.raises(errors.BadRequestError, match="dimensions"):
            await client.embed("baai/bge-m3", "x", dimensions=256)
        with pytest.raises(errors.BadRequestError, match="dimensions"):
            await client.embed(SMALL, "x", dimensions=4096)


async def test_chat_and_unknown_models_answer_404(app: object) -> None:
    async with _client(app) as client:
        for model in ("openai/gpt-4o-mini", "nobody/no-such-embedder"):
            with pytest.raises(errors.NotFoundError, match=model) as caught:
                await client.embed(model, "hello")
            assert caught.value.model == model
    assert app.state.sim.stats_json()["billed_count"] == 0  # type: ignore[attr-defined]


async def test_batch_limits_and_bad_input(app: object) -> None:
    async with _client(app) as client:
        with pytest.raises(errors.BadRequestError, match="at most 2048"):
            await client.embed(SMALL, ["x"] * (MAX_INPUTS + 1))
        with pytest.raises(errors.BadRequestError, match="empty string"):
            await client.embed(SMALL, ["ok", ""])
        with pytest.raises(errors.BadRequestError, match="at most 512"):
            await client.embed("baai/bge-base-en-v1.5", "word " * 600)
        with pytest.raises(errors.ConfigError, match="empty list"):
            await client.embed(SMALL, [])


async def test_free_embedding_model_costs_zero_not_unknown(app: object) -> None:
    async with _client(app) as client:
        result = await client.embed("nvidia/nemotron-3-embed-1b:free", "hi")
    assert result.cost_usd == 0.0 and result.dimensions == 1024


def test_embed_text_separates_near_and_far_texts() -> None:
    near = _cos(embed_text(SMALL, "The cat sat", 512), embed_text(SMALL, "the cat sat.", 512))
    far = _cos(embed_text(SMALL, "The cat sat", 512), embed_text(SMALL, "quantum flux", 512))
    assert near > 0.99 and far < 0.3


def test_every_bundled_embedding_model_has_a_price_and_a_size() -> None:
    models = embedding_models()
    assert len(models) >= 16 and SMALL in models
    for model_id, model in models.items():
        assert model["architecture"]["output_modalities"] == ["embeddings"], model_id
        assert Decimal(model["pricing"]["prompt"]) >= 0
        assert dimensions_of(model_id) > 0
