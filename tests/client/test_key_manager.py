"""`KeyManager`: OpenRouter's management API against the emulator; neither the management
key nor a created key ever shows in a repr or an error."""

from __future__ import annotations

import pytest

from orkit.client import KeyManager
from orkit.errors import MissingAPIKeyError, NotFoundError, PermissionDeniedError
from orkit.sim import SIM_API_KEY, SimConfig, StreamingASGITransport, create_app

MANAGER = "sk-or-v1-" + "8" * 64
BASE = "http://sim.local/api/v1"


def manager(key: str = MANAGER) -> KeyManager:
    app = create_app(SimConfig(time_scale=0, management_keys=(MANAGER,)))
    return KeyManager(key, base_url=BASE, http_transport=StreamingASGITransport(app))


async def test_create_get_update_list_and_delete_a_key() -> None:
    async with manager() as keys:
        made = await keys.create_key("eval", limit_usd=3.0, limit_reset="weekly")
        secret = made.key.reveal()
        assert secret.startswith("sk-or-v1-") and secret not in repr(made)
        assert made.data["limit"] == 3.0 and made.data["limit_reset"] == "weekly"
        assert (await keys.get_key_by_hash(made.hash))["name"] == "eval"
        assert (await keys.update_key(made.hash, disabled=True))["disabled"] is True
        assert await keys.list_keys() == []
        assert [k["hash"] for k in await keys.list_keys(include_disabled=True)] == [made.hash]
        assert await keys.get_credits() == {"total_credits": 1_000_000.0, "total_usage": 0}
        assert await keys.get_activity(date="2026-08-05") == []
        await keys.delete_key(made.hash)
        with pytest.raises(NotFoundError):
            await keys.delete_key(made.hash)


async def test_keys_stay_out_of_reprs_and_errors() -> None:
    keys = manager(SIM_API_KEY)  # an inference key: refused
    assert SIM_API_KEY not in repr(keys) and SIM_API_KEY[9:] not in repr(keys)
    with pytest.raises(PermissionDeniedError) as refused:
        await keys.create_key("x")
    assert SIM_API_KEY[9:] not in str(refused.value)
    await keys.aclose()


def test_no_management_key_anywhere_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_PROVISIONING_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="OPENROUTER_PROVISIONING_KEY"):
        KeyManager()
