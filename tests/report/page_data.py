"""The data a report page embeds, read back the way its script reads it: the JSON block, or
the gzip + base85 block when the page compressed it. Tests check what a report says through
this, not by scraping its HTML."""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

from orkit.report._page import base85_bytes

_BLOCK = re.compile(
    r'<script type="application/(json|octet-stream)" id="(orkit-data(?:-gz)?)">(.*?)</script>',
    re.S,
)


def page_data(page: str) -> dict[str, Any]:
    """The payload embedded in `page` (exactly one data block must be there)."""
    (found,) = _BLOCK.findall(page)
    kind, _, body = found
    text = body if kind == "json" else gzip.decompress(base85_bytes(body)).decode("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
