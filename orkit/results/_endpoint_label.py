"""How a run's endpoint is named to a person: its URL, or the emulator's name.

Read from the manifest's `endpoint` entry (`Endpoint.describe()`), so a report of an old run
names it the same way as the dry run that planned it. Only the scheme, host, port and path
of a URL are shown: credentials in its user part or a key in its query string must never
reach a terminal or a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["endpoint_label", "endpoints_label"]

IN_PROCESS_EMULATOR = "emulator (in-process)"


def endpoint_label(described: Mapping[str, Any] | None) -> str:
    """`https://openrouter.ai/api/v1`, `http://127.0.0.1:8080/v1`, `emulator (in-process)`;
    `unknown` when the manifest has no endpoint."""
    if not described:
        return "unknown"
    if described.get("kind") == "sim":
        return IN_PROCESS_EMULATOR
    url = str(described.get("base_url") or "")
    if not url:
        return str(described.get("kind") or "unknown")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address goes back in its brackets
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # an out-of-range port: show none rather than fail a report
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def endpoints_label(
    described: Mapping[str, Any] | None, per_model: Mapping[str, Mapping[str, Any]] | None
) -> str:
    """The run's endpoint, then each model that had its own: `https://openrouter.ai/api/v1;
    qwen3-8b: http://127.0.0.1:8000/v1` (just the first for a run with one endpoint)."""
    shown = endpoint_label(described)
    for model, endpoint in (per_model or {}).items():
        shown += f"; {model}: {endpoint_label(endpoint)}"
    return shown
