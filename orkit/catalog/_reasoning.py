"""What a model's catalog entry says of its reasoning (`reasoning` in `GET /models`): whether
it always reasons, which efforts it takes, whether it takes a token budget (layer 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ReasoningInfo", "reasoning_from_raw"]


@dataclass(frozen=True, slots=True)
class ReasoningInfo:
    """A reasoning model's entry. None in a field: the catalog does not say."""

    mandatory: bool | None = None
    """Reasoning cannot be turned off (`effort = "none"`, `enabled = false`)."""
    default_enabled: bool | None = None
    default_effort: str | None = None
    supported_efforts: tuple[str, ...] | None = None
    """The efforts it takes, highest first; None: any (the catalog lists none)."""
    supports_max_tokens: bool | None = None
    """It takes `reasoning.max_tokens`; None: the catalog does not say."""


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def reasoning_from_raw(raw: Any) -> ReasoningInfo | None:
    """The `reasoning` object of a `/models` entry, or None when absent (not a reasoning
    model, or a router)."""
    if not isinstance(raw, Mapping):
        return None
    efforts = raw.get("supported_efforts")
    effort = raw.get("default_effort")
    return ReasoningInfo(
        mandatory=_bool(raw.get("mandatory")),
        default_enabled=_bool(raw.get("default_enabled")),
        default_effort=effort if isinstance(effort, str) else None,
        supported_efforts=(
            tuple(e for e in efforts if isinstance(e, str)) if isinstance(efforts, list) else None
        ),
        supports_max_tokens=_bool(raw.get("supports_max_tokens")),
    )
