"""Statistics over run results (layer 2, pure numerics)."""

from __future__ import annotations

from orkit.stats._summary import summarize

__all__ = ["summarize"]
