"""Every file orkit keeps in the user cache dir is readable by its owner only (0600): the
response cache holds every prompt and answer, like the catalog and calibration files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import anyio
import pytest

from orkit import Sweep
from orkit._settings import load_settings
from orkit.api import run_sweep_async
from orkit.results._response_cache import ResponseCache

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_response_cache_is_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "responses.sqlite"
    cache = ResponseCache(path, "sim:{}")
    cache.close()
    assert _mode(path) == 0o600


def test_a_readable_cache_left_by_an_older_orkit_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "responses.sqlite"
    ResponseCache(path, "sim:{}").close()
    path.chmod(0o644)
    ResponseCache(path, "sim:{}").close()
    assert _mode(path) == 0o600


def test_after_a_cached_run_every_cache_file_is_owner_only(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(4))
    )
    sweep = Sweep(
        dataset=str(items),
        prompt="{{ question }}",
        models=["openai/gpt-4o-mini"],
        params={"temperature": 0, "max_tokens": 8},  # deterministic: answers are cached
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=str(tmp_path / "runs"),
    )
    anyio.run(lambda: run_sweep_async(sweep))
    cache_dir = load_settings().cache_dir
    files = [p for p in cache_dir.rglob("*") if p.is_file()]
    assert cache_dir / "responses.sqlite" in files
    loose = {str(p.relative_to(cache_dir)): oct(_mode(p)) for p in files if _mode(p) & 0o077}
    assert loose == {}


def test_the_free_quota_counter_is_owner_only(tmp_path: Path) -> None:
    from orkit.router import DailyQuota

    path = tmp_path / "free-quota" / "account.json"
    quota = DailyQuota(limit=50, path=path)
    assert quota.take(1_800_000_000.0)
    quota.save()
    assert _mode(path) == 0o600
    assert DailyQuota(limit=50, path=path).remaining(1_800_000_000.0) == 49
