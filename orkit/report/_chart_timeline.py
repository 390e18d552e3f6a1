"""What happened over the run besides plain answers: errors by type, 429s, fallbacks and
cache hits per time bin, stacked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import altair as alt

from orkit.report._chart_style import finish, note_title

__all__ = ["timeline_chart"]

# Fixed colours per kind, apart from the contestants' palette: these are events, not
# contestants. Errors are reds (darker for each further type), the rest calm hues.
_KIND_COLOURS: Final = {"429": "#f0a830", "fallback": "#8e6cc0", "cache_hit": "#5fa2ce"}
_ERROR_REDS: Final = ("#c8423c", "#e07b5f", "#96281b", "#f0b29e", "#6e1f1a", "#d95f5f")
_KIND_NAMES: Final = {
    "429": "429 (rate limited, retried)",
    "fallback": "served by a fallback",
    "cache_hit": "cache hit",
}
_UNITS: Final = ((3 * 3600.0, 3600.0, "h"), (300.0, 60.0, "min"), (0.0, 1.0, "s"))


def _kind_name(kind: str) -> str:
    if kind.startswith("error:"):
        return "error: " + (kind.removeprefix("error:") or "unknown")
    return _KIND_NAMES.get(kind, kind)


def _unit(span_s: float) -> tuple[float, str]:
    """Seconds per axis unit and its name: minutes past 5 minutes, hours past 3 hours."""
    return next((size, name) for above, size, name in _UNITS if span_s > above or above == 0)


def timeline_chart(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """Events per time bin, stacked by kind; None when the run had none (`ok` answers are
    not drawn: they would dwarf the events this chart is for)."""
    timeline = payload.get("timeline") or {}
    series = [s for s in timeline.get("series") or [] if s.get("kind") != "ok" and s.get("count")]
    if not series:
        return None
    bin_s = float(timeline.get("bin_s") or 1.0)
    # the whole run on the axis (plain answers included), so a burst of 429s reads as
    # early or late in the run rather than filling the chart
    span = max(float(s["t"]) for s in timeline["series"]) + bin_s
    size, unit = _unit(span)
    errors = sorted({s["kind"] for s in series if str(s["kind"]).startswith("error:")})
    others = [k for k in _KIND_COLOURS if any(s["kind"] == k for s in series)]
    unknown = sorted({s["kind"] for s in series} - set(errors) - set(others))
    kinds = [*errors, *others, *unknown]
    colours = [
        *(_ERROR_REDS[i % len(_ERROR_REDS)] for i in range(len(errors))),
        *(_KIND_COLOURS[k] for k in others),
        *("#9ca3af" for _ in unknown),
    ]
    rows = [
        {
            "start": float(s["t"]) / size,
            "end": (float(s["t"]) + bin_s) / size,
            "kind": _kind_name(str(s["kind"])),
            "order": kinds.index(s["kind"]),
            "count": int(s["count"]),
            "window": f"{float(s['t']):,.1f}–{float(s['t']) + bin_s:,.1f} s",
        }
        for s in series
    ]
    names = [_kind_name(k) for k in kinds]
    chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(opacity=0.9, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "start:Q",
                title=f"Time since the run started ({unit})",
                scale=alt.Scale(domain=[0, span / size], nice=False),
                # "~r": 10 reads 10, not 1e+1
                axis=alt.Axis(format="~r", labelOverlap="greedy"),
            ),
            x2="end:Q",
            y=alt.Y(
                "sum(count):Q",
                title="Events per bin",
                stack="zero",
                axis=alt.Axis(format="~d", tickMinStep=1, tickCount=5),
            ),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=names, range=colours)),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("window:N", title="Time"),
                alt.Tooltip("kind:N", title="Event"),
                alt.Tooltip("count:Q", title="Count", format=","),
            ],
        )
    )
    lines = [f"Bins of {bin_s:g} s. Answers that came back without incident are not drawn."]
    chart = chart.properties(height=220, title=note_title(lines))
    return finish(chart, description="Errors, 429s, fallbacks and cache hits over the run")
