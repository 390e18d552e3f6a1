"""`Catalog.load`: live list through a client, the disk cache and its TTL, and the fallbacks
(stale cache, then the bundled snapshot) that keep orkit working without a network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit._clock import FakeClock
from orkit.catalog import Catalog
from orkit.errors import ConfigError, ServiceUnavailableError

DAY = 86_400.0


# Blocking file helpers, kept out of the async tests (ruff ASYNC240).
def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


async def test_live_fetch_is_used_and_written_to_the_cache(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    client = lister()
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock)
    assert client.calls == 1
    assert cat.source == "live" and cat.note is None
    assert [m.id for m in cat] == ["live/model-a", "live/model-b"]
    assert cat.fetched_at == clock.wall() and cat.snapshot_date == "2026-09-21"
    cached = json.loads((cache_dir / "models.json").read_text())
    assert cached["fetched_at"] == clock.wall()
    assert [m["id"] for m in cached["data"]] == ["live/model-a", "live/model-b"]
    assert not files(cache_dir, ".models-*")  # no temp file left behind


async def test_cache_within_ttl_is_used_without_fetching(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    clock.advance(DAY - 1)
    client = lister(models=[])
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock)
    assert client.calls == 0
    assert cat.source == "cache" and cat.note is None and len(cat) == 2
    assert cat.fetched_at == clock.wall() - (DAY - 1)


async def test_stale_cache_is_refetched(
    lister, make_raw, clock: FakeClock, cache_dir: Path
) -> None:
    await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    clock.advance(DAY + 1)
    client = lister(models=[make_raw("live/model-c")])
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock)
    assert client.calls == 1 and cat.source == "live" and [m.id for m in cat] == ["live/model-c"]
    assert json.loads((cache_dir / "models.json").read_text())["data"][0]["id"] == "live/model-c"


async def test_ttl_is_configurable(lister, clock: FakeClock, cache_dir: Path) -> None:
    await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    clock.advance(61)
    client = lister()
    await Catalog.load(client=client, cache_dir=cache_dir, clock=clock, ttl_s=60)
    assert client.calls == 1


async def test_offline_uses_a_stale_cache_with_a_note(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    clock.advance(3 * DAY)
    client = lister()
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock, offline=True)
    assert client.calls == 0
    assert cat.source == "cache" and len(cat) == 2
    assert cat.note == "offline; using the model list cached 3 days ago"


async def test_offline_without_cache_uses_the_bundled_snapshot(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    client = lister()
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock, offline=True)
    assert client.calls == 0
    assert cat.source == "snapshot" and len(cat) == 414 and cat.snapshot_date == "2026-08-19"
    assert cat.note == "offline; using the bundled snapshot of 2026-08-19"
    assert not (cache_dir / "models.json").exists()


async def test_connection_error_falls_back_to_the_cache(
    lister, unreachable, clock: FakeClock, cache_dir: Path
) -> None:
    await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    clock.advance(2 * DAY)
    cat = await Catalog.load(client=unreachable, cache_dir=cache_dir, clock=clock)
    assert unreachable.calls == 1
    assert cat.source == "cache" and len(cat) == 2
    assert cat.note == (
        "could not fetch the model list (APIConnectionError: connection refused); "
        "using the model list cached 2 days ago"
    )


async def test_connection_error_without_cache_falls_back_to_the_snapshot(
    unreachable, clock: FakeClock, cache_dir: Path
) -> None:
    cat = await Catalog.load(client=unreachable, cache_dir=cache_dir, clock=clock)
    assert cat.source == "snapshot" and len(cat) == 414
    assert cat.note == (
        "could not fetch the model list (APIConnectionError: connection refused); "
        "using the bundled snapshot of 2026-08-19"
    )


async def test_an_error_status_also_falls_back(lister, clock: FakeClock, cache_dir: Path) -> None:
    client = lister(error=ServiceUnavailableError("no provider available", status_code=503))
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock)
    assert cat.source == "snapshot"
    assert cat.note and "ServiceUnavailableError: no provider available" in cat.note


@pytest.mark.parametrize(
    ("models", "why"),
    [([], "it is empty"), ([{"name": "no id"}], "an entry has no 'id'")],
)
async def test_an_unusable_list_is_not_cached_and_falls_back(
    lister, clock: FakeClock, cache_dir: Path, models: list[dict[str, str]], why: str
) -> None:
    cat = await Catalog.load(client=lister(models=models), cache_dir=cache_dir, clock=clock)
    assert cat.source == "snapshot"
    assert (
        cat.note
        == f"the fetched model list is unusable ({why}); using the bundled snapshot of 2026-08-19"
    )
    assert not (cache_dir / "models.json").exists()


async def test_a_corrupt_cache_is_ignored_with_a_note(
    unreachable, clock: FakeClock, cache_dir: Path
) -> None:
    write(cache_dir / "models.json", "{not json")
    cat = await Catalog.load(client=unreachable, cache_dir=cache_dir, clock=clock)
    assert cat.source == "snapshot"
    assert cat.note and "ignored the unreadable cache" in cat.note and "models.json" in cat.note


async def test_a_corrupt_cache_is_replaced_by_a_fresh_fetch(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    write(cache_dir / "models.json", '{"format": 1, "data": "nope"}')
    cat = await Catalog.load(client=lister(), cache_dir=cache_dir, clock=clock)
    assert cat.source == "live"
    assert json.loads((cache_dir / "models.json").read_text())["format"] == 1


async def test_an_unwritable_cache_is_a_note_not_an_error(
    lister, clock: FakeClock, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cat = await Catalog.load(client=lister(), cache_dir=blocker, clock=clock)
    assert cat.source == "live" and len(cat) == 2
    assert cat.note and cat.note.startswith("could not write the catalog cache")


async def test_another_server_gets_its_own_cache_file(
    lister, clock: FakeClock, cache_dir: Path
) -> None:
    sim = lister(base_url="http://127.0.0.1:8765/api/v1")
    await Catalog.load(client=sim, cache_dir=cache_dir, clock=clock)
    assert not (cache_dir / "models.json").exists()
    (only,) = files(cache_dir, "models-*.json")
    assert json.loads(only.read_text())["base_url"] == "http://127.0.0.1:8765/api/v1"
    real = lister(base_url="https://openrouter.ai/api/v1")
    cat = await Catalog.load(client=real, cache_dir=cache_dir, clock=clock)
    assert real.calls == 1 and cat.source == "live"  # the sim's list was not taken for it
    assert (cache_dir / "models.json").exists()


async def test_the_default_cache_dir_comes_from_settings(
    lister, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORKIT_CACHE_DIR", str(tmp_path / "from-env"))
    await Catalog.load(client=lister(), clock=clock)
    assert (tmp_path / "from-env" / "models.json").exists()


async def test_without_a_client_or_key_the_default_client_cannot_fetch_and_it_falls_back(
    clock: FakeClock, cache_dir: Path
) -> None:
    cat = await Catalog.load(cache_dir=cache_dir, clock=clock)  # no OPENROUTER_API_KEY in tests
    assert cat.source == "snapshot"
    assert cat.note and "no OpenRouter API key" in cat.note


async def test_negative_ttl_is_a_config_error(lister, cache_dir: Path) -> None:
    with pytest.raises(ConfigError, match="ttl_s must be >= 0"):
        await Catalog.load(client=lister(), cache_dir=cache_dir, ttl_s=-1)


async def test_loaded_catalog_resolves_like_the_bundled_one(
    lister, make_raw, clock: FakeClock, cache_dir: Path
) -> None:
    client = lister(
        models=[
            make_raw("acme/widget", prompt="0.0000005"),
            make_raw("acme/widget:free", prompt="0", completion="0"),
        ]
    )
    cat = await Catalog.load(client=client, cache_dir=cache_dir, clock=clock)
    assert cat.require(["acme/widget:nitro"])[0].prompt_price_per_m == 0.5
    assert cat.get("acme/widget:free").is_free  # type: ignore[union-attr]
    assert cat.suggest("widget") == ["acme/widget"]
