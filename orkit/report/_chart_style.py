"""The look every report chart shares: one palette, contestant colours that stay the same
from chart to chart, readable axes, and the finishing of an altair chart into a spec the
page can embed (full width, no URL)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal

import altair as alt

__all__ = [
    "FONT",
    "INK",
    "LABEL_LIMIT",
    "MUTED",
    "contestant_colours",
    "contestant_names",
    "finish",
    "is_fraction",
    "note_title",
    "scale_type",
    "value_scale",
]

# Tableau 10, then the lighter halves of Tableau 20 for an 11th to 20th contestant: ten
# well-separated hues first, since most reports compare fewer than ten.
PALETTE: Final = (
    *("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f"),
    *("#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"),
    *("#a0cbe8", "#ffbe7d", "#ff9d9a", "#8cd17d", "#b6992d"),
    *("#f1ce63", "#86bcb6", "#d4a6c8", "#fabfd2", "#d7b5a6"),
)
FONT: Final = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
INK: Final = "#24292f"
MUTED: Final = "#57606a"
GRID: Final = "#e5e7eb"
LABEL_LIMIT: Final = 220
"""Pixels of a contestant's name shown on an axis or legend (the tooltip has it whole)."""
NOTE_CHARS: Final = 64
"""Characters per line of a chart's small print: fits a chart 400 pixels wide."""


def contestant_names(contestants: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each contestant's label, made unique (a colour scale's domain is keyed by name): a
    label two contestants share gets the contestant's id after it."""
    labels = [str(c.get("label") or c.get("id") or f"#{i + 1}") for i, c in enumerate(contestants)]
    seen: dict[str, int] = {}
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
    names = []
    for i, (label, c) in enumerate(zip(labels, contestants, strict=True)):
        names.append(label if seen[label] == 1 else f"{label} [{c.get('id') or i + 1}]")
    return names


def contestant_colours(names: Sequence[str]) -> alt.Scale:
    """The colour scale of every chart: contestant i gets the palette's i-th colour, so a
    contestant keeps its colour across charts even when a chart leaves others out."""
    return alt.Scale(
        domain=list(names), range=[PALETTE[i % len(PALETTE)] for i in range(len(names))]
    )


def is_fraction(values: Iterable[float | None]) -> bool:
    """Whether the known values all lie in [0, 1] (shown as percentages)."""
    return all(0.0 <= v <= 1.0 for v in values if v is not None)


def scale_type(values: Iterable[float]) -> Literal["linear", "log"]:
    """`log` when the positive values spread over more than a factor of 100 (one slow or
    expensive contestant would squash the rest against the axis), else `linear`."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known or min(known) <= 0:
        return "linear"
    return "log" if max(known) / min(known) > 100 else "linear"


def value_scale(kind: Literal["linear", "log"], *, zero: bool) -> alt.Scale:
    """A continuous scale of `kind` (a log scale has no zero to include)."""
    return alt.Scale(type="log", nice=True) if kind == "log" else alt.Scale(zero=zero, nice=True)


def note_title(lines: Sequence[str]) -> alt.TitleParams | None:
    """The small print above a chart (what it leaves out, how to read it); the page shows the
    chart's own title, so the spec carries only these lines."""
    if not lines:
        return None
    # Vega does not wrap a title, and a line wider than the chart is cut off
    wrapped = [
        part for line in lines for part in textwrap.wrap(line, NOTE_CHARS, break_on_hyphens=False)
    ]
    return alt.TitleParams(
        text=wrapped,
        anchor="start",
        fontSize=11,
        fontWeight="normal",
        color=MUTED,
        lineHeight=15,
        offset=8,
    )


def finish(chart: alt.TopLevelMixin, *, description: str) -> dict[str, Any]:
    """The chart as a Vega-Lite dict: validated by altair, as wide as its container, in the
    report's style, with no URL in it (`$schema` is one; vega-embed is told the mode)."""
    styled = (
        chart.properties(
            width="container",
            # fit the width only: a height in steps (one band per contestant) stays as it is
            autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
            description=description,
        )
        .configure(font=FONT, padding={"left": 4, "right": 12, "top": 8, "bottom": 4})
        .configure_view(stroke=None)
        .configure_axis(
            labelColor=MUTED,
            titleColor=INK,
            labelFontSize=11,
            titleFontSize=12,
            titleFontWeight="normal",
            gridColor=GRID,
            domainColor="#9ca3af",
            tickColor="#9ca3af",
            labelLimit=LABEL_LIMIT,
        )
        # a tick every 0.1 s across a page-wide chart is noise: about eight, at round values
        .configure_axisQuantitative(tickCount=8)
        .configure_legend(
            labelColor=INK,
            titleColor=INK,
            labelFontSize=11,
            titleFontSize=12,
            titleFontWeight="normal",
            labelLimit=LABEL_LIMIT,
            symbolSize=80,
            symbolOpacity=1,
            # below the plot, one name a line: a legend beside it, or in columns, would
            # take the plot's width from long contestant names
            orient="bottom",
            direction="vertical",
        )
    )
    spec: dict[str, Any] = styled.to_dict()
    spec.pop("$schema", None)
    return spec
