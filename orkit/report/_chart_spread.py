"""Per-contestant bars: latency distributions (box and whiskers from the payload's
quantiles, no raw rows) and spend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from orkit._format import cost_text, plural
from orkit.report._chart_style import (
    INK,
    contestant_colours,
    finish,
    note_title,
    scale_type,
    value_scale,
)

__all__ = ["latency_chart", "spend_chart"]

_QUANTILES = ("p05", "p25", "p50", "p75", "p95")
# Pixels per contestant: a horizontal band each, room for its name. A fixed height, not a
# Vega-Lite step: a step height makes Vega-Lite warn that it drops the "fit" of the width.
_ROW_STEP = 26


def _band_axis(names: Sequence[str]) -> alt.Y:
    """Contestants down the side, in the payload's order (long names stay readable there)."""
    return alt.Y("contestant:N", title=None, sort=list(names), axis=alt.Axis(labelPadding=6))


def latency_chart(payload: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any] | None:
    """Service time per contestant: whiskers p05–p95, box p25–p75, a tick at the median;
    None when no contestant has latency quantiles."""
    rows: list[dict[str, Any]] = []
    for entry in payload.get("latency") or []:
        q = entry.get("q") or {}
        if any(q.get(k) is None for k in _QUANTILES):
            continue
        i = int(entry["contestant"])
        rows.append(
            {
                "contestant": names[i],
                "index": i,
                **{k: float(q[k]) for k in _QUANTILES},
                "text": "  ".join(f"{k} {float(q[k]):.2f} s" for k in _QUANTILES),
            }
        )
    if not rows:
        return None
    rows.sort(key=lambda r: r["index"])
    drawn = {r["index"] for r in rows}
    missing = [n for i, n in enumerate(names) if i not in drawn]
    kind = scale_type(v for r in rows for v in (r["p05"], r["p95"]))
    x = alt.X(
        "p05:Q",
        title="Service time (s)" + (" · log scale" if kind == "log" else ""),
        scale=value_scale(kind, zero=True),
        axis=alt.Axis(format=".2~f", labelOverlap=True),
    )
    y = _band_axis([r["contestant"] for r in rows])
    colour = alt.Color("contestant:N", legend=None, scale=contestant_colours(names))
    tooltip = [
        alt.Tooltip("contestant:N", title="Contestant"),
        *(alt.Tooltip(f"{k}:Q", title=f"{k} (s)", format=".3f") for k in _QUANTILES),
    ]
    base = alt.Chart(alt.InlineData(values=rows)).encode(y=y, tooltip=tooltip)
    whisker = base.mark_rule(color=INK, strokeWidth=1).encode(x=x, x2="p95:Q")
    box = base.mark_bar(size=14, cornerRadius=2).encode(x=alt.X("p25:Q"), x2="p75:Q", color=colour)
    median = base.mark_tick(color="white", thickness=2.5, size=14).encode(x=alt.X("p50:Q"))
    lines = [
        "Answered requests not served from the cache. Whiskers: 5th to 95th percentile; "
        "box: 25th to 75th; white tick: median."
    ]
    if missing:
        lines.append(f"Not shown (no answered, uncached request): {', '.join(missing)}.")
    chart = alt.layer(whisker, box, median).properties(
        height=_ROW_STEP * len(rows), title=note_title(lines)
    )
    return finish(chart, description="Latency distribution per contestant")


def spend_chart(payload: Mapping[str, Any], names: Sequence[str]) -> dict[str, Any] | None:
    """Known spend per contestant as bars; None when no contestant's cost is known."""
    rows: list[dict[str, Any]] = []
    unknown_rows: list[str] = []
    no_cost: list[str] = []
    for i, c in enumerate(payload.get("contestants") or []):
        unknown = int(c.get("cost_unknown_rows") or 0)
        if c.get("cost_usd") is None:
            no_cost.append(names[i])
            continue
        if unknown:
            unknown_rows.append(f"{names[i]} ({plural(unknown, 'row')})")
        rows.append(
            {
                "contestant": names[i],
                "index": i,
                "cost": float(c["cost_usd"]),
                "cost_text": cost_text(c["cost_usd"], unknown),
                "rows": c.get("rows"),
                "cached": c.get("cached"),
            }
        )
    if not rows:
        return None
    x = alt.X(
        "cost:Q",
        title="Spend (USD)",
        scale=alt.Scale(zero=True, nice=True),
        axis=alt.Axis(format="$.2~g", labelOverlap=True),
    )
    tooltip = [
        alt.Tooltip("contestant:N", title="Contestant"),
        alt.Tooltip("cost_text:N", title="Spend"),
        alt.Tooltip("rows:Q", title="Rows", format=","),
        alt.Tooltip("cached:Q", title="Cached rows (free)", format=","),
    ]
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(size=16, cornerRadiusEnd=2)
        .encode(
            x=x,
            y=_band_axis([r["contestant"] for r in rows]),
            color=alt.Color("contestant:N", legend=None, scale=contestant_colours(names)),
            tooltip=tooltip,
        )
    )
    lines = []
    if unknown_rows:
        lines.append("Rows with no known cost are not counted: " + ", ".join(unknown_rows) + ".")
    if no_cost:
        lines.append(f"Not shown (no known cost): {', '.join(no_cost)}.")
    chart = chart.properties(height=_ROW_STEP * len(rows))
    title = note_title(lines)
    if title is not None:
        chart = chart.properties(title=title)
    return finish(chart, description="Spend per contestant")
