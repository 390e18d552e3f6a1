"""`POST /api/v1/embeddings`: deterministic, roughly meaningful vectors, billed like chat.

Vectors: each text is cut into features (its lower-cased words and the character trigrams
of each word), every feature is hashed (with the model id) to a few signed coordinates,
and the sum is unit-normalised. Texts that share most words and spellings ("Paris" and
"paris.") land close together, unrelated ones ("Paris" and "banana") near orthogonal, and
the same text always gives the same vector for the same model and size.

Dimensions are the models' published sizes (`DIMENSIONS`; `DEFAULT_DIMENSIONS` for a model
not listed); `dimensions` in the request is honoured by the models that offer shortened
embeddings (`RESIZABLE`) and refused with a 400 by the others, as their providers do.

Limits (what OpenAI's endpoint enforces, which OpenRouter passes through): at most
`MAX_INPUTS` inputs per request, no empty string, each input within the model's
`context_length` (counted with the emulator's tokenizer, `orkit.sim.tokenizer`).

Usage and cost: `prompt_tokens` = `total_tokens` = the tokens of every input; cost = tokens x
the model's `pricing.prompt`, billed to the key's account and the emulator's statistics
exactly as a chat completion is (so a client's recorded spend equals the bill). As a local
server (`SimConfig.local_server`), every model it serves embeds, and `usage` has the token
counts only (no cost: it bills nobody).

The embedding models come from their own bundled snapshot
(`orkit/_bundled/embedding-models-*.json.gz`), loaded on the first embeddings request: the
text `/models` listing and the emulator's start-up do not pay for it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
import re
import struct
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from orkit.sim._hashing import body_hash
from orkit.sim.activity import Billed
from orkit.sim.errors import SimError, bad_request, error, not_found
from orkit.sim.tokenizer import count_tokens

if TYPE_CHECKING:
    from orkit.sim.simulator import Simulator

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DIMENSIONS",
    "MAX_INPUTS",
    "RESIZABLE",
    "embed_text",
    "embedding_models",
    "embeddings",
]

_SNAPSHOT_PREFIX = "embedding-models-"
MAX_INPUTS = 2048
"""Inputs per request (OpenAI's limit on `/embeddings`)."""
DEFAULT_DIMENSIONS = 1024
"""The size of a model whose dimension is not in `DIMENSIONS`."""

DIMENSIONS: dict[str, int] = {
    "openai/text-embedding-3-small": 1536,
    "openai/text-embedding-3-large": 3072,
    "openai/text-embedding-ada-002": 1536,
    "google/gemini-embedding-001": 3072,
    "google/gemini-embedding-2": 3072,
    "google/gemini-embedding-2-preview": 3072,
    "mistralai/mistral-embed-2312": 1024,
    "mistralai/codestral-embed-2505": 1536,
    "qwen/qwen3-embedding-8b": 4096,
    "qwen/qwen3-embedding-4b": 2560,
    "baai/bge-base-en-v1.5": 768,
    "baai/bge-large-en-v1.5": 1024,
    "baai/bge-m3": 1024,
    "thenlper/gte-base": 768,
    "thenlper/gte-large": 1024,
    "intfloat/e5-base-v2": 768,
    "intfloat/e5-large-v2": 1024,
    "intfloat/multilingual-e5-large": 1024,
    "sentence-transformers/all-minilm-l6-v2": 384,
    "sentence-transformers/all-minilm-l12-v2": 384,
    "sentence-transformers/paraphrase-minilm-l6-v2": 384,
    "sentence-transformers/all-mpnet-base-v2": 768,
    "sentence-transformers/multi-qa-mpnet-base-dot-v1": 768,
    "perplexity/pplx-embed-v1-4b": 2560,
    "perplexity/pplx-embed-v1-0.6b": 1024,
}
"""Published embedding sizes (`:batch` and `:free` variants take their base model's)."""

RESIZABLE = ("openai/text-embedding-3-", "google/gemini-embedding", "voyageai/", "qwen/qwen3-emb")
"""Id prefixes of the models that accept `dimensions` (Matryoshka-trained)."""

_WORD_RE = re.compile(r"\w+")
_HASHES_PER_FEATURE = 4


@lru_cache(maxsize=1)
def embedding_models() -> dict[str, dict[str, Any]]:
    """The bundled embedding models by id (loaded once, on first use)."""
    folder = resources.files("orkit").joinpath("_bundled")
    names = sorted(e.name for e in folder.iterdir() if e.name.startswith(_SNAPSHOT_PREFIX))
    if not names:
        raise FileNotFoundError("no embedding-models-*.json.gz snapshot in orkit/_bundled")
    body = json.loads(gzip.decompress(folder.joinpath(names[-1]).read_bytes()))
    return {m["id"]: m for m in body["data"]}


def dimensions_of(model_id: str) -> int:
    """The model's native embedding size."""
    return DIMENSIONS.get(model_id.split(":")[0], DEFAULT_DIMENSIONS)


def _features(text: str) -> list[str]:
    words = _WORD_RE.findall(text.lower())
    if not words:
        return ["\x00empty"]
    out = []
    for word in words:
        out.append("w:" + word)
        padded = f" {word} "
        out.extend("c:" + padded[i : i + 3] for i in range(len(padded) - 2))
    return out


def embed_text(model_id: str, text: str, size: int) -> list[float]:
    """The unit vector of `text` for `model_id` at `size` dimensions (see the module doc)."""
    vector = [0.0] * size
    salt = model_id.split(":")[0].encode()
    for feature in _features(text):
        digest = hashlib.blake2b(feature.encode(), digest_size=4 * _HASHES_PER_FEATURE, key=salt)
        for (word,) in struct.iter_unpack("<I", digest.digest()):
            # low bit: the sign; the rest: the coordinate
            vector[(word >> 1) % size] += 1.0 if word & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def _inputs(body: dict[str, Any]) -> list[str]:
    raw = body.get("input")
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise bad_request("input must be a string or a non-empty list of strings")
    if len(raw) > MAX_INPUTS:
        raise bad_request(f"input has {len(raw)} items; at most {MAX_INPUTS} per request")
    texts = []
    for i, item in enumerate(raw):
        if not isinstance(item, str):
            raise bad_request(f"input[{i}] must be a string (token arrays are not emulated)")
        if not item:
            raise bad_request(f"input[{i}] cannot be an empty string")
        texts.append(item)
    return texts


def _size(model_id: str, body: dict[str, Any]) -> int:
    native = dimensions_of(model_id)
    wanted = body.get("dimensions")
    if wanted is None:
        return native
    if not model_id.startswith(RESIZABLE):
        raise bad_request(f"{model_id} does not support the dimensions parameter")
    if not isinstance(wanted, int) or isinstance(wanted, bool) or not 1 <= wanted <= native:
        raise bad_request(f"dimensions must be an integer from 1 to {native}")
    return wanted


def _encode(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":  # little-endian float32, as OpenAI sends it
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector


def answer(sim: Simulator, key: str, raw: bytes) -> dict[str, Any]:
    """The response body of one embeddings request (raises `SimError`); bills it."""
    sim.admit_inference(key)
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("Invalid JSON body") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    model_id = body.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise bad_request("model is required")
    if sim.config.local_server:
        return _local_answer(sim, key, body, model_id)
    model = embedding_models().get(model_id)
    if model is None:
        # A chat model (or an unknown id) has no embeddings endpoint: OpenRouter's 404.
        raise error(404, f"No endpoints found for {model_id}.", user_id=sim.config.user_id)
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise bad_request("encoding_format must be 'float' or 'base64'")
    texts = _inputs(body)
    size = _size(model_id, body)
    counts = [count_tokens(t) for t in texts]
    limit = int(model.get("context_length") or 0)
    for i, n in enumerate(counts):
        if limit and n > limit:
            raise bad_request(f"input[{i}] has {n} tokens; {model_id} takes at most {limit}")
    tokens = sum(counts)
    cost = Decimal(str(model["pricing"].get("prompt", "0"))) * tokens
    _bill(sim, key, model_id, body_hash(body), cost, tokens)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": _encode(embed_text(model_id, t, size), encoding),
        }
        for i, t in enumerate(texts)
    ]
    return {
        "id": f"gen-emb-{sim.next_sequence():012d}",
        "object": "list",
        "data": data,
        "model": model_id,
        "usage": {
            "prompt_tokens": tokens,
            "total_tokens": tokens,
            "cost": float(cost),
            "is_byok": False,
            "cost_details": {"upstream_inference_cost": float(cost)},
        },
    }


def _local_answer(sim: Simulator, key: str, body: dict[str, Any], model_id: str) -> dict[str, Any]:
    """A local server's answer (llama.cpp started with `--embeddings`, vLLM serving an
    embedding model): any model it serves embeds, in OpenAI's shape, and `usage` has token
    counts only: it bills nobody, so there is no cost to report (unknown, never 0)."""
    if model_id not in sim.config.models:
        raise not_found(f"The model `{model_id}` does not exist.")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise bad_request("encoding_format must be 'float' or 'base64'")
    texts = _inputs(body)
    size = _size(model_id, body)
    tokens = sum(count_tokens(t) for t in texts)
    _bill(sim, key, model_id, body_hash(body), Decimal(0), tokens)
    data = [
        {
            "object": "embedding",
            "index": i,
            "embedding": _encode(embed_text(model_id, t, size), encoding),
        }
        for i, t in enumerate(texts)
    ]
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return {"object": "list", "data": data, "model": model_id, "usage": usage}


_PROVIDER_NAMES = {"openai": "OpenAI", "google": "Google", "mistralai": "Mistral"}


def _bill(sim: Simulator, key: str, model_id: str, digest: str, cost: Decimal, tokens: int) -> None:
    account = sim.accounts.get(key)
    account.requests += 1
    stats = sim.stats
    stats.by_model[model_id] += 1
    stats.served_by_model[model_id] += 1
    stats.by_status["200"] += 1
    stats.delivered_count += 1
    stats.delivered_by_body_hash[digest] += 1
    day = sim.clock.emulated_day()
    account.bill(cost, day)
    stats.bill(digest, cost, aborted=False)
    # the provider is the model's author, who serves every embedding model of the catalog
    provider = _PROVIDER_NAMES.get(model_id.split("/")[0], model_id.split("/")[0])
    billed = Billed(
        model=model_id, permaslug=model_id, provider=provider, usage=cost, prompt_tokens=tokens
    )
    sim.activity.record(day, account.key_hash, billed)


async def embeddings(request: Request) -> Response:
    """The Starlette endpoint."""
    sim: Simulator = request.app.state.sim
    sim.stats.begin()
    try:
        try:
            key = sim.authenticate(request.headers.get("authorization"))
            payload = answer(sim, key, await request.body())
        except SimError as exc:
            sim.stats.by_status[str(exc.status)] += 1
            return Response(exc.encode(), exc.status, exc.headers, "application/json")
        return Response(json.dumps(payload).encode(), 200, media_type="application/json")
    finally:
        sim.stats.end()
