"""`--provision-key LIMIT`: a run spends through a key of its own whose credit limit the
server enforces, so no second process, bug or runaway retry can spend more than LIMIT.

With a management key (`OPENROUTER_PROVISIONING_KEY`) the run creates an inference key
named `orkit run <run-id>` with `limit=LIMIT` USD, sends every request of the run with it
(chat, judges, embeddings: they share the run's client), and deletes it when the run ends,
however it ends (success, error, Ctrl-C or cancel: the delete is shielded from the
cancellation). The key itself lives only in memory, as a `Secret`; the manifest records
only its hash and the limit (`Manifest.provisioned_key`), so a resume after a `kill -9`
deletes the orphan by hash first and then provisions a fresh key with what is left of
LIMIT (LIMIT less what the run spent). The server's 403 once the limit is spent stops the
run (`router._policy`: `key_limit`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import anyio

from orkit._format import usd
from orkit._settings import PROVISIONING_KEY_ENV, load_settings
from orkit.client import KeyManager
from orkit.errors import APIError, APIStatusError, ConfigError, NotFoundError, RunError
from orkit.plan import Endpoint
from orkit.results import Manifest, RunDir
from orkit.types import Secret

__all__ = [
    "Provisioning",
    "check_provision_limit",
    "forget_key",
    "provisioned",
    "provisioning_for",
    "record_key",
]

_log = logging.getLogger("orkit")

_SMALLEST_LIMIT_USD = 1e-6
"""Below this, what is left of a limit is nothing: a key that could not pay for a token."""


@dataclass(frozen=True, slots=True)
class Provisioning:
    """A run that spends through a key it provisions: the total `limit_usd` and the
    management key that creates and deletes it (never shown: a `Secret`)."""

    limit_usd: float
    management_key: Secret


SMALLEST_KEY_LIMIT_USD = 1e-6
"""The least a provisioned key's limit may be: below it the key could not pay for one
request (a short answer of a cheap model costs about this), so the run would stop at once
with its key spent ($0) rather than say that the limit was a typo."""


def check_provision_limit(value: Any, what: str = "--provision-key") -> float:
    """A provisioned key's limit in USD: a finite number of at least
    `SMALLEST_KEY_LIMIT_USD` (`ConfigError` naming `what`)."""
    try:
        limit = float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{what}: the key's limit must be a number of USD, got {value!r}"
        ) from None
    if isinstance(value, bool) or not math.isfinite(limit):
        raise ConfigError(f"{what}: the key's limit must be a finite amount of USD, got {value!r}")
    if limit <= 0:
        raise ConfigError(f"{what}: the key's limit must be more than 0 USD, got {value!r}")
    if limit < SMALLEST_KEY_LIMIT_USD:
        raise ConfigError(
            f"{what}: the key's limit of {value} USD is less than one request costs; "
            f"give at least {SMALLEST_KEY_LIMIT_USD:.6f}"
        )
    return limit


def provisioning_for(
    limit_usd: Any, endpoint: Endpoint, *, what: str = "--provision-key"
) -> Provisioning | None:
    """The run's `Provisioning` (None without a limit), checked before anything is sent: a
    limit > 0, a management key, and an endpoint that keeps the keys it creates."""
    if limit_usd is None:
        return None
    limit = check_provision_limit(limit_usd, what)
    key = load_settings().provisioning_key
    if key is None:
        raise ConfigError(
            f"{what} needs a management key: export {PROVISIONING_KEY_ENV}=sk-or-v1-... "
            "(create one at https://openrouter.ai/settings/provisioning-keys)"
        )
    if endpoint.kind == "sim":
        # every client of `--endpoint sim` gets an emulator of its own, which would not
        # know the key another one created
        raise ConfigError(
            f"{what} needs a server that keeps the keys it creates: serve the emulator with "
            "`orkit sim --config FILE` (management_keys in FILE) and pass its URL as --endpoint"
        )
    return Provisioning(limit_usd=limit, management_key=key)


@asynccontextmanager
async def provisioned(
    provisioning: Provisioning | None,
    endpoint: Endpoint,
    run_id: str,
    *,
    spent_usd: float = 0.0,
    orphan_hash: str | None = None,
    on_deleted: Callable[[], None] | None = None,
) -> AsyncIterator[tuple[Endpoint, str | None]]:
    """`endpoint` with a key of its own for the run, and that key's hash; the endpoint as
    it is (and None) without `provisioning`.

    `orphan_hash`: a key an earlier execution of the run provisioned and never deleted (it
    was killed): deleted first. The new key's limit is what is left of the run's after
    `spent_usd`. `on_deleted` is called once the key is gone, to record it.
    """
    if provisioning is None:
        yield endpoint, None
        return
    left = provisioning.limit_usd - spent_usd
    async with KeyManager(provisioning.management_key, base_url=endpoint.base_url) as keys:
        if orphan_hash:
            await _delete(keys, orphan_hash, missing_ok=True)
        if left < _SMALLEST_LIMIT_USD:
            raise RunError(
                f"the run's key limit of {usd(provisioning.limit_usd)} is spent "
                f"({usd(spent_usd)}): resume with a larger --provision-key to go on"
            )
        try:
            created = await keys.create_key(f"orkit run {run_id}", limit_usd=left)
        except APIStatusError as exc:
            if exc.status_code in (401, 403):
                raise ConfigError(
                    f"{endpoint.base_url} refused the management key in "
                    f"{PROVISIONING_KEY_ENV} ({exc.message}); nothing was sent"
                ) from None
            raise
        try:
            yield replace(endpoint, api_key=created.key), created.hash
        finally:
            with anyio.CancelScope(shield=True):
                deleted = await _delete(keys, created.hash, missing_ok=True)
            if deleted and on_deleted is not None:
                on_deleted()


async def _delete(keys: KeyManager, key_hash: str, *, missing_ok: bool) -> bool:
    """Delete a provisioned key; whether it is gone. A failure is logged (naming the hash,
    never the key), not raised: the run's own outcome matters more, and the manifest keeps
    the hash so a resume deletes it."""
    try:
        await keys.delete_key(key_hash)
    except NotFoundError:
        return missing_ok
    except APIError as exc:
        _log.warning(
            "could not delete the run's provisioned key %s (%s); delete it at "
            "https://openrouter.ai/settings/keys or resume the run",
            key_hash,
            exc.message,
        )
        return False
    return True


def record_key(manifest: Manifest, provisioning: Provisioning | None, key_hash: str | None) -> None:
    """Note in the manifest that the run provisions keys, and the live key's hash."""
    if provisioning is not None:
        manifest.provisioned_key = {"limit_usd": provisioning.limit_usd, "hash": key_hash}


def forget_key(run: RunDir | None, manifest: Manifest | None) -> None:
    """The run's key is deleted: the manifest says so (no hash left for a resume to delete)."""
    if run is None or manifest is None or manifest.provisioned_key is None:
        return
    manifest.provisioned_key = {**manifest.provisioned_key, "hash": None}
    run.write_manifest(manifest)
