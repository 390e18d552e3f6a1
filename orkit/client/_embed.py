"""`POST /embeddings`: the request body and the typed result (layer 1, pure; no I/O).

Vectors come back in input order whatever order the server lists them in (each `data`
entry carries its `index`); `encoding_format="base64"` (little-endian float32, a third of
the JSON size) is decoded here, so callers always get floats. Unknown usage stays None.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from orkit.client._values import as_float, as_int
from orkit.errors import ConfigError, InvalidResponseError

__all__ = ["EmbeddingFormat", "Embeddings", "embedding_body", "embeddings_from"]

EmbeddingFormat = Literal["float", "base64"]


@dataclass(frozen=True, slots=True)
class Embeddings:
    """What `AsyncOpenRouter.embed` returns."""

    model: str
    vectors: tuple[tuple[float, ...], ...]
    """One vector per input, in input order."""
    prompt_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    """`usage.cost` (None: the server did not say; never 0 for unknown)."""
    is_byok: bool | None = None
    upstream_cost_usd: float | None = None
    """`usage.cost_details.upstream_inference_cost` (the provider's share, BYOK)."""
    id: str | None = None
    latency_s: float | None = None

    @property
    def dimensions(self) -> int | None:
        """The vectors' size (None when there are none)."""
        return len(self.vectors[0]) if self.vectors else None


def embedding_body(
    model: str,
    inputs: str | Sequence[str],
    *,
    dimensions: int | None,
    encoding_format: EmbeddingFormat,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON body of an embeddings request (raises ConfigError on bad arguments)."""
    if not model:
        raise ConfigError("embed: model is required")
    if isinstance(inputs, str):
        texts: str | list[str] = inputs
    else:
        texts = list(inputs)
        if not texts:
            raise ConfigError("embed: input is an empty list")
        bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
        if bad is not None:
            raise ConfigError(f"embed: input[{bad}] is not a string")
    if encoding_format not in ("float", "base64"):
        raise ConfigError(
            f"embed: encoding_format must be float or base64, not {encoding_format!r}"
        )
    body: dict[str, Any] = {**(extra or {}), "model": model, "input": texts}
    body["encoding_format"] = encoding_format
    if dimensions is not None:
        body["dimensions"] = dimensions
    return body


def embeddings_from(obj: Mapping[str, Any], model: str, count: int) -> Embeddings:
    """Parse a 200 body holding `count` vectors."""
    data = obj.get("data")
    if not isinstance(data, list) or len(data) != count:
        got = len(data) if isinstance(data, list) else "no"
        raise InvalidResponseError(
            f"POST /embeddings: expected {count} vectors, got {got}", model=model
        )
    vectors: list[tuple[float, ...] | None] = [None] * count
    for position, entry in enumerate(data):
        entry = entry if isinstance(entry, Mapping) else {}
        index = entry.get("index", position)
        if not isinstance(index, int) or not 0 <= index < count or vectors[index] is not None:
            raise InvalidResponseError(f"POST /embeddings: bad index {index!r}", model=model)
        vectors[index] = _vector(entry.get("embedding"), model)
    usage = _table(obj.get("usage"))
    details = _table(usage.get("cost_details"))
    byok = usage.get("is_byok")
    return Embeddings(
        model=str(obj.get("model") or model),
        vectors=tuple(v for v in vectors if v is not None),
        prompt_tokens=as_int(usage.get("prompt_tokens")),
        total_tokens=as_int(usage.get("total_tokens")),
        cost_usd=as_float(usage.get("cost")),
        is_byok=byok if isinstance(byok, bool) else None,
        upstream_cost_usd=as_float(details.get("upstream_inference_cost")),
        id=obj.get("id") if isinstance(obj.get("id"), str) else None,
    )


def _table(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _vector(raw: object, model: str) -> tuple[float, ...]:
    if isinstance(raw, str):
        try:
            packed = base64.b64decode(raw, validate=True)
        except ValueError:
            raise InvalidResponseError("POST /embeddings: bad base64 vector", model=model) from None
        if len(packed) % 4:
            raise InvalidResponseError("POST /embeddings: base64 vector not float32", model=model)
        return struct.unpack(f"<{len(packed) // 4}f", packed)
    if isinstance(raw, list) and all(isinstance(x, int | float) for x in raw):
        return tuple(float(x) for x in raw)
    raise InvalidResponseError("POST /embeddings: a vector is not a list of numbers", model=model)
