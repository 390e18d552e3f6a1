"""What the console progress display says: the run's line and the per-contestant lines.

Pure text from a `Snapshot` (the run's totals, the router's status and the time), fitted
to a width by `_progress_fit`. The same words serve the redrawn bar and the plain periodic
lines, so a log file reads like the terminal did. Unknown is never shown as 0: a cost not
yet known is counted apart ("$0.0123 + 20 unknown"), an ETA is left out until there is a
rate to base it on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orkit import _format
from orkit.batch import ModelTotals
from orkit.progress._contestants import SEP, ContestantCounts
from orkit.progress._fit import ELLIPSIS, Part, cells, fit, render, truncate

__all__ = ["Snapshot", "contestant_lines", "cost_text", "duration", "run_line"]

_BAR_MIN = 8
_BAR_MAX = 30
_INDENT = "  "
_PIECE_MIN = 4
"""A label piece cut shorter than this says too little: the label is cut at its end."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    name: str
    total: int
    totals: ModelTotals
    status: Mapping[str, Any]
    """The router's `status()` (in_flight, waiting), or {} when there is none."""
    elapsed_s: float
    deferred_until: str | None = None
    """When deferred tasks' quota resets, formatted; None when no task is deferred."""
    finished: str | None = None
    """The run's end status, once it ended ("completed", "cancelled", ...)."""


def duration(seconds: float) -> str:
    if seconds < 0.5:
        return "<1s"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def cost_text(t: ModelTotals) -> str:
    """The spend so far; rows whose cost is not known are counted, never taken as $0."""
    return _format.spend_text(t.cost_usd, t.cost_unknown)


def _eta(snap: Snapshot) -> str | None:
    done = snap.totals.tasks
    if snap.finished is not None:
        return f"{snap.finished} in {duration(snap.elapsed_s)}"
    # No rate yet, no guess: a first second of cached answers says little of the rest.
    if done == 0 or snap.elapsed_s < 1.0 or done >= snap.total:
        return None
    left = (snap.total - done) * snap.elapsed_s / done
    return f"ETA {duration(left)}"


def _bar(fraction: float, width: int) -> str:
    filled = math.floor(fraction * width)
    return "█" * filled + "░" * (width - filled)


def run_line(snap: Snapshot, width: int, *, colour: bool, bar: bool) -> str:
    """The run in one line of at most `width` cells: counts, then what the router is
    doing, spend and time; the least telling parts are dropped first when it must shrink."""
    t, s = snap.totals, snap.status
    fraction = min(1.0, t.tasks / snap.total) if snap.total else 1.0
    # Floored: 999,999 of 1,000,000 is not "100%".
    shown = math.floor(fraction * 100)
    # Padded on the bar, so the redrawn line does not shift as 9% becomes 10%.
    percent = Part(f"{shown:3d}%" if bar else f"{shown}%", keep=90)
    parts = [
        Part(snap.name, keep=45, style="bold"),
        percent,
        Part(f"{t.tasks:,}/{snap.total:,}", keep=100),
        Part(f"ok {t.ok:,}", keep=50, style="ok" if t.ok else None),
        # No errors yet says less than the ok count: it goes first when room is short.
        Part(f"err {t.errors:,}", keep=80 if t.errors else 40, style="error" if t.errors else None),
    ]
    in_flight, waiting = int(s.get("in_flight", 0) or 0), int(s.get("waiting", 0) or 0)
    if snap.finished is None:
        parts.append(Part(f"in flight {in_flight:,}", keep=40))
        parts.append(Part(f"waiting {waiting:,}", keep=35, style="warn" if waiting else None))
    if t.rate_limited:
        parts.append(Part(f"429s {t.rate_limited:,}", keep=30, style="warn"))
    if t.deferred:
        until = f" until {snap.deferred_until}" if snap.deferred_until else ""
        parts.append(Part(f"deferred {t.deferred:,}{until}", keep=55, style="warn"))
    if t.skipped_budget:
        parts.append(Part(f"over budget {t.skipped_budget:,}", keep=55, style="warn"))
    if t.cached:
        parts.append(Part(f"cached {t.cached:,}", keep=25, style="dim"))
    parts.append(Part(cost_text(t), keep=70))
    eta = _eta(snap)
    if snap.finished == "incomplete":  # tasks left for a resume (the budget, a quota)
        parts.append(Part(eta or "", keep=95, style="warn"))
    elif snap.finished not in (None, "completed"):
        parts.append(Part(eta or "", keep=95, style="error"))  # cancelled, failed, stopped
    elif eta is not None:
        parts.append(Part(eta, keep=60, style="dim"))
    if not bar:
        return render(fit(parts, width), colour=colour)
    # The words come first: the bar gets the cells they leave (up to its usual length,
    # which depends on the width only) and is left out rather than cost them a part.
    words = fit(parts, width)
    for bar_cells in range(max(_BAR_MIN, min(_BAR_MAX, width // 6)), _BAR_MIN - 1, -1):
        kept = fit(parts, width - bar_cells - 2)
        if len(kept) == len(words):
            at = next((i + 1 for i, p in enumerate(kept) if p is percent), 0)
            style = "ok" if fraction >= 1 else None
            kept.insert(at, Part(_bar(fraction, bar_cells), style=style))
            return render(kept, colour=colour)
    return render(words, colour=colour)


def _cut_middle(text: str, width: int) -> str:
    """`text` in `width` cells, its middle replaced by "…" (both ends kept: a model's
    family and size, a param's name and value)."""
    if cells(text) <= width:
        return text
    if width <= 1:
        return truncate(text, width)
    head_w = (width - 1) // 2
    tail_w = width - 1 - head_w
    head = truncate(text, head_w + 1)[:-1] if head_w else ""
    tail, used = "", 0
    for ch in reversed(text):
        if used + cells(ch) > tail_w:
            break
        tail, used = ch + tail, used + cells(ch)
    return head + ELLIPSIS + tail


def _short_label(label: str, width: int) -> str:
    """Cut to `width` so that contestants stay told apart: the model's vendor prefix goes
    first, then the longest of model, prompt and params is cut in its middle, one cell at
    a time, so every piece keeps both its ends."""
    if cells(label) <= width:
        return label
    pieces = label.split(SEP)
    if "/" in pieces[0]:
        pieces[0] = pieces[0].split("/", 1)[1]
    sizes = [cells(p) for p in pieces]
    room = width - cells(SEP) * (len(pieces) - 1)
    while sum(sizes) > room:
        longest = max(range(len(sizes)), key=lambda k: sizes[k])
        if sizes[longest] <= _PIECE_MIN:
            return truncate(SEP.join(pieces), width)
        sizes[longest] -= 1
    return SEP.join(_cut_middle(p, n) for p, n in zip(pieces, sizes, strict=True))


def contestant_lines(
    rows: Sequence[tuple[str, ContestantCounts]],
    width: int,
    *,
    colour: bool,
    max_lines: int,
) -> list[str]:
    """One line per contestant (label, done, errors, running), aligned and cut to
    `width`; past `max_lines`, the rest are summed on a "+N more" line."""
    if not rows or max_lines < 1:
        return []
    shown = list(rows) if len(rows) <= max_lines else list(rows[: max_lines - 1])
    rest = rows[len(shown) :]
    w_done = max(len(f"{c.done:,}") for _, c in rows)
    w_err = max(len(f"{c.errors:,}") for _, c in rows)
    w_run = max(len(f"{c.running:,}") for _, c in rows)
    if rest:
        more = ContestantCounts(
            done=sum(c.done for _, c in rest),
            errors=sum(c.errors for _, c in rest),
            running=sum(c.running for _, c in rest),
        )
        w_done = max(w_done, len(f"{more.done:,}"))
        w_err = max(w_err, len(f"{more.errors:,}"))
        w_run = max(w_run, len(f"{more.running:,}"))
    labels = [label for label, _ in shown] + ([f"+{len(rest):,} more"] if rest else [])
    counts = [c for _, c in shown] + ([more] if rest else [])
    label_w = max(cells(label) for label in labels)

    running = True

    def count_parts(c: ContestantCounts) -> list[Part]:
        parts = [
            Part(f"done {c.done:>{w_done},}", keep=90, style="ok" if c.done else None),
            Part(f"err {c.errors:>{w_err},}", keep=80, style="error" if c.errors else None),
        ]
        if running:
            parts.append(Part(f"running {c.running:>{w_run},}", keep=60))
        return parts

    def room_for_labels() -> int:
        numbers_w = cells("  ".join(p.text for p in count_parts(counts[0])))
        return width - len(_INDENT) - 2 - numbers_w

    # The counts keep their columns; the label gets what is left (at least a few cells).
    # A label that would be cut is worth more than the running column.
    if label_w > room_for_labels():
        running = False
    label_w = max(8, min(label_w, room_for_labels()))
    lines = []
    for label, c in zip(labels, counts, strict=True):
        short = _short_label(label, label_w)
        head = Part(short + " " * (label_w - cells(short)), keep=100, style="dim")
        kept = fit([head, *count_parts(c)], width - len(_INDENT))
        lines.append(_INDENT + render(kept, colour=colour))
    return lines
