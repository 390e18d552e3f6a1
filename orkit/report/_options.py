"""What a report shows and leaves out: the settings `orkit report`, `Run.report` and
`Run.show` share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["REDACTIONS", "Redaction", "ReportOptions"]

Redaction = Literal["prompts", "outputs", "all"]
REDACTIONS: tuple[Redaction, ...] = ("prompts", "outputs", "all")


@dataclass(frozen=True)
class ReportOptions:
    """The report's settings; the defaults keep a 10,000-item × 10-contestant run under
    10 MB."""

    title: str | None = None
    """The page's title (default: the run's name or id)."""
    max_items: int = 10_000
    """Items in the drill-down. A run with more keeps the items where contestants disagree
    or one failed first, then a seeded sample of the rest, this many in all (a sample of
    the disputed ones when they alone are more)."""
    redact: Redaction | None = None
    """Leave out the prompts (dataset text and templates), the outputs (answers, reasoning,
    judge rationales) or both; statistics stay."""
    max_text_chars: int = 2_000
    """Each embedded text is cut at this many characters; the full text stays in Parquet."""
    seed: int = 0
    """Seed of the drill-down's sample and the bootstrap intervals."""

    def __post_init__(self) -> None:
        if self.max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {self.max_items}")
        if self.max_text_chars < 1:
            raise ValueError(f"max_text_chars must be at least 1, got {self.max_text_chars}")
        if self.redact is not None and self.redact not in REDACTIONS:
            raise ValueError(f"redact must be one of {', '.join(REDACTIONS)}, got {self.redact!r}")
