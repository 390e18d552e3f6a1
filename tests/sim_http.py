"""The emulator's own HTTP controls, as tests read them: its counters and bill
(`/_sim/stats`) and a fresh start (`/_sim/reset`), given the API base URL a sweep uses."""

from __future__ import annotations

from typing import Any, cast

import httpx

__all__ = ["reset", "stats"]


def _root(url: str) -> str:
    return url.rsplit("/api/v1", 1)[0]


def stats(url: str) -> dict[str, Any]:
    return cast("dict[str, Any]", httpx.get(f"{_root(url)}/_sim/stats").json())


def reset(url: str) -> None:
    httpx.post(f"{_root(url)}/_sim/reset")
