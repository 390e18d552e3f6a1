"""Tasks: one request to send, keyed by a hash of everything that defines it.

A task's key is a hash of (dataset row content, rendered messages, model, params, repeat), so
the same work always gets the same key: resume and the response cache both rely on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orkit._hashing import canonical_json, content_hash
from orkit.types import ChatRequest

__all__ = ["Task", "canonical_json", "content_hash", "task_key"]


def task_key(item_hash: str, messages_json: str, model: str, params_json: str, repeat: int) -> str:
    return content_hash(item_hash, messages_json, model, params_json, str(repeat))


@dataclass(frozen=True, slots=True, kw_only=True)
class Task:
    key: str
    item_index: int
    item_id: str
    prompt_id: str
    model: str
    params_json: str
    repeat: int
    messages_json: str
    request: ChatRequest
    fields: Mapping[str, Any]
    """The dataset row, for scorers."""
    sent_model: str | None = None
    """The model id sent, when the contestant is named otherwise (`model`: a label, or
    `id @ host` for one model on two endpoints); the request carries the name until the
    endpoint's completer sends it as this id."""
