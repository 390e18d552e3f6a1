"""`KeyManager`: OpenRouter's management API (layer 1): credits, activity, and the inference
keys a management (provisioning) key creates, lists, changes and deletes.

Apart from `AsyncOpenRouter` because it speaks with another key, to other endpoints, with
verbs the inference backends do not have (PATCH, DELETE), a handful of times per run: one
plain httpx client is enough. Both keys are `Secret`s and go into the `Authorization`
header only: a created key comes back as a `Secret` too, and errors are scrubbed of both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from orkit._settings import PROVISIONING_KEY_ENV, load_settings
from orkit.client._http import host_of
from orkit.client._httpx import transport_error
from orkit.client._wire import error_from_response, invalid_response, load_json
from orkit.config import OPENROUTER_BASE_URL, Timeouts
from orkit.errors import ConfigError, InvalidResponseError, MissingAPIKeyError
from orkit.types import Secret

__all__ = ["CreatedKey", "KeyManager"]


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key `POST /keys` made: its `hash` (safe to store), the key itself (a `Secret`: use
    it as an API key, never write it), and what OpenRouter said of it (`limit`, `label`...)."""

    hash: str
    key: Secret = field(repr=False)
    data: Mapping[str, Any] = field(default_factory=dict)


class KeyManager:
    """Async client for OpenRouter's management endpoints, with a management key.

    Examples:
        ```python
        async with KeyManager() as keys:            # key from OPENROUTER_PROVISIONING_KEY
            made = await keys.create_key("nightly eval", limit_usd=5.0)
            ...                                      # AsyncOpenRouter(api_key=made.key)
            await keys.delete_key(made.hash)
        ```
    """

    def __init__(
        self,
        provisioning_key: str | Secret | None = None,
        *,
        base_url: str = OPENROUTER_BASE_URL,
        timeouts: Timeouts | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Raises `MissingAPIKeyError` without a key (argument or environment)."""
        key = provisioning_key if provisioning_key is not None else load_settings().provisioning_key
        if isinstance(key, str):
            key = Secret(key.strip()) if key.strip() else None
        if key is None:
            raise MissingAPIKeyError(
                f"no management key: export {PROVISIONING_KEY_ENV}=sk-or-v1-... "
                "(a provisioning key from https://openrouter.ai/settings/provisioning-keys)"
            )
        base = base_url.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {base!r}")
        self._key = key
        self._base_url = base
        t = timeouts or Timeouts(read=30.0)
        self._timeouts = t
        self._http = httpx.AsyncClient(
            transport=http_transport,
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"KeyManager(base_url={self._base_url!r}, key={self._key.masked()!r})"

    async def __aenter__(self) -> KeyManager:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ----------------------------------------------------------------------- endpoints

    async def get_credits(self) -> dict[str, Any]:
        """`GET /credits` → `{total_credits, total_usage}` (balance: their difference)."""
        return _object(await self._call("GET", "/credits"), "/credits")

    async def get_activity(
        self, *, date: str | None = None, api_key_hash: str | None = None
    ) -> list[dict[str, Any]]:
        """`GET /activity` → one row per day, model and provider endpoint of the last 30
        completed UTC days (`usage`, `requests`, token counts); `date="YYYY-MM-DD"` keeps one
        day, `api_key_hash` one key's."""
        params = {k: v for k, v in (("date", date), ("api_key_hash", api_key_hash)) if v}
        return _rows(await self._call("GET", "/activity", params=params), "/activity")

    async def list_keys(self, *, include_disabled: bool = False) -> list[dict[str, Any]]:
        """`GET /keys` → the account's inference keys (by hash; never the keys)."""
        params = {"include_disabled": "true"} if include_disabled else {}
        return _rows(await self._call("GET", "/keys", params=params), "/keys")

    async def create_key(
        self,
        name: str,
        *,
        limit_usd: float | None = None,
        limit_reset: str | None = None,
        include_byok_in_limit: bool = False,
    ) -> CreatedKey:
        """`POST /keys`: a new inference key spending at most `limit_usd` (None: no limit)
        per `limit_reset` period (`daily`, `weekly`, `monthly`; None: in all)."""
        body: dict[str, Any] = {"name": name, "include_byok_in_limit": include_byok_in_limit}
        if limit_usd is not None:
            body["limit"] = limit_usd
        if limit_reset is not None:
            body["limit_reset"] = limit_reset
        answer = await self._call("POST", "/keys", body=body)
        data, key = answer.get("data"), answer.get("key")
        if not isinstance(data, dict) or not isinstance(data.get("hash"), str):
            raise InvalidResponseError("POST /keys: the answer has no key hash")
        if not isinstance(key, str) or not key:
            raise InvalidResponseError("POST /keys: the answer has no key")
        return CreatedKey(hash=data["hash"], key=Secret(key), data=data)

    async def get_key_by_hash(self, key_hash: str) -> dict[str, Any]:
        """`GET /keys/{hash}` → the key's limit, usage and state."""
        return _object(await self._call("GET", _key_path(key_hash)), "/keys/{hash}")

    async def update_key(self, key_hash: str, **fields: Any) -> dict[str, Any]:
        """`PATCH /keys/{hash}` with `name`, `disabled`, `limit`, `limit_reset` or
        `include_byok_in_limit`."""
        answer = await self._call("PATCH", _key_path(key_hash), body=fields)
        return _object(answer, "/keys/{hash}")

    async def delete_key(self, key_hash: str) -> None:
        """`DELETE /keys/{hash}`: the key stops working at once (`NotFoundError` if there
        is no such key, e.g. deleted already)."""
        await self._call("DELETE", _key_path(key_hash))

    # ----------------------------------------------------------------------- plumbing

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = self._base_url + path
        # built per request so the plain key lives only in the request being sent
        headers = {"Authorization": "Bearer " + self._key.reveal()}
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, separators=(",", ":")).encode()
        try:
            resp = await self._http.request(
                method, url, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            raise transport_error(
                exc, host_of(url), self._timeouts, headers, waiting="read"
            ) from exc
        if resp.status_code >= 300:
            raise error_from_response(
                resp.status_code, resp.headers, resp.content, secret=self._key
            )
        try:
            obj = load_json(resp.content)
        except ValueError:
            raise invalid_response(resp.status_code, resp.content, self._key, model=None) from None
        if not isinstance(obj, dict):
            raise invalid_response(
                resp.status_code, resp.content, self._key, model=None, what="JSON object"
            )
        return obj


def _key_path(key_hash: str) -> str:
    if not key_hash:
        raise ConfigError("a key hash must not be empty")
    return "/keys/" + quote(key_hash, safe="")


def _object(answer: dict[str, Any], path: str) -> dict[str, Any]:
    data = answer.get("data")
    if not isinstance(data, dict):
        raise InvalidResponseError(f"{path}: the answer has no `data` object")
    return data


def _rows(answer: dict[str, Any], path: str) -> list[dict[str, Any]]:
    data = answer.get("data")
    if not isinstance(data, list):
        raise InvalidResponseError(f"{path}: the answer has no `data` list")
    return [row for row in data if isinstance(row, dict)]
