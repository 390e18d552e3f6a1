"""The messages each item was sent with, per prompt id: read once per (item, prompt id)
from the first cell's row under that prompt (every contestant under one prompt got the same
messages for an item; parameters do not change them), shown as a chat, not JSON."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from orkit.report._cells import Texts
from orkit.report._columns import each_part
from orkit.report._items import Selection
from orkit.report._several import Loaded

__all__ = ["item_messages", "parts_text", "prompt_key"]

Chat = list[dict[str, str]]


def prompt_key(prompt_id: Any) -> str:
    """A prompt id as the key of `items.messages` ("" for a row without one)."""
    return "" if prompt_id is None else str(prompt_id)


def item_messages(
    loaded: Loaded, selection: Selection, texts: Texts
) -> dict[str, list[Chat | None]]:
    """{prompt id: per item shown, its messages (None: no row under that prompt)}."""
    rows = loaded.rows
    n = len(selection.items)
    prompt_of_group = [prompt_key(p) for p in rows.groups["prompt_id"].tolist()]
    wanted: dict[int, tuple[str, int]] = {}  # results row -> (prompt, item slot)
    seen: set[tuple[str, int]] = set()
    for slot, cells in enumerate(selection.cell_row.tolist()):
        for row in cells:
            if row < 0:
                continue
            key = (prompt_of_group[int(rows.group[row])], slot)
            if key not in seen:
                seen.add(key)
                wanted[row] = key
    out: dict[str, list[Chat | None]] = {}
    for prompt, _ in sorted(seen):
        out.setdefault(prompt, [None] * n)
    positions = np.array(sorted(wanted), dtype=np.int64)
    for start, table in each_part(loaded.runs, loaded.starts, ["messages_json"]):
        here = _within(positions, start, table.num_rows)
        if not len(here):
            continue
        taken = table.take(pa.array(here - start))["messages_json"].to_pylist()
        for row, text in zip(here.tolist(), taken, strict=True):
            prompt, slot = wanted[row]
            out[prompt][slot] = parse_messages(text, texts)
    return out


def _within(positions: npt.NDArray[np.int64], start: int, size: int) -> npt.NDArray[np.int64]:
    return positions[(positions >= start) & (positions < start + size)]


def parse_messages(text: str | None, texts: Texts) -> Chat | None:
    """Stored `messages_json` as [{role, content}], each content cut; None if unreadable.
    Content parts show as text and `[image: …]` / `[PDF: …]` lines; a trailing assistant
    message (a prefill) is marked `prefill`."""
    if not text:
        return None
    try:
        messages = json.loads(text)
    except ValueError:
        return None
    if not isinstance(messages, list):
        return None
    out = []
    for m in messages:
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, list):
            content = parts_text(content)
        elif not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        cut_text, cut = texts(content)
        message: dict[str, Any] = {"role": str(m.get("role")), "content": cut_text or ""}
        if cut:
            message["cut"] = True  # the page marks it, as it marks a cut answer
        out.append(message)
    if out and out[-1]["role"] == "assistant":
        out[-1]["prefill"] = True  # sent last: the model's answer continues it
    return out


def parts_text(parts: list[Any]) -> str:
    """Content parts as the page shows them: the text parts' text, and a line naming each
    image or PDF (`[image: cat.png]`), never its data."""
    lines = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "text":
            lines.append(str(part.get("text", "")))
            continue
        found = part.get("attachment")
        meta: dict[str, Any] = found if isinstance(found, dict) else {}
        if kind == "image_url":
            url = str((part.get("image_url") or {}).get("url", ""))
            name = meta.get("file") or (url if not url.startswith(("data:", "sha256:")) else None)
            lines.append(f"[image: {name or meta.get('column') or 'inline'}]")
        elif kind == "file":
            name = meta.get("file") or (part.get("file") or {}).get("filename") or "file"
            pages = meta.get("pages")
            lines.append(f"[PDF: {name}{f', {pages} pages' if pages else ''}]")
        else:
            lines.append(f"[{kind}]")
    return "\n".join(lines)
