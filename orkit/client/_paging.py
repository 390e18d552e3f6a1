"""Paging through `GET /models` (layer 1, pure): query parameters and the next page's query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["next_page", "query_params"]


def query_params(query: Mapping[str, object]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[name] = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            params[name] = ",".join(str(v) for v in value)
        else:
            params[name] = str(value)
    return params


def next_page(
    body: Mapping[str, Any], params: dict[str, str], page_len: int, seen: int, paged: bool
) -> dict[str, str] | None:
    """Query of the next `/models` page, or None when this was the last one."""
    if page_len == 0:
        return None
    links = body.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if isinstance(nxt, str) and nxt:
        # Keep our own base URL and filters; take only the query of the link.
        merged = {**params, **dict(parse_qsl(urlsplit(nxt).query))}
        return merged if merged != params else None
    total = body.get("total_count")
    if paged and isinstance(total, int) and seen < total:
        try:
            offset = int(params.get("offset") or 0) + page_len
        except ValueError:
            return None
        return {**params, "offset": str(offset)}
    return None
