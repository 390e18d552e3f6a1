"""Quality against cost and against latency: each contestant a point with its 95% interval
on the primary scorer, the Pareto frontier the payload names drawn as a step line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt

from orkit._format import usd
from orkit.report._chart_style import (
    INK,
    MUTED,
    contestant_colours,
    finish,
    is_fraction,
    note_title,
    scale_type,
    value_scale,
)

__all__ = ["cost_per_answer", "quality_chart"]


@dataclass(frozen=True)
class _Axis:
    key: str  # the payload's `pareto` key
    title: str
    unknown: str  # how the subtitle names contestants without a value
    format: str


_AXES = {
    "cost": _Axis("cost", "Cost per answer (USD)", "unknown cost", "$.2~g"),
    "latency": _Axis("latency", "Median latency (s)", "no latency (all cached or failed)", ".2~f"),
}


def cost_per_answer(contestant: Mapping[str, Any]) -> float | None:
    """Known spend over the ok rows whose cost is known: the summary's `cost_per_item_usd`,
    the cost the Pareto frontier is drawn on (None when no ok row has a known cost)."""
    cost = contestant.get("cost_usd")
    priced = (contestant.get("ok") or 0) - (contestant.get("cost_unknown_rows") or 0)
    if cost is None or priced <= 0:
        return None
    return float(cost) / priced


def _x_value(contestant: Mapping[str, Any], axis: _Axis) -> float | None:
    if axis.key == "cost":
        return cost_per_answer(contestant)
    value = contestant.get("latency_p50_s")
    return None if value is None else float(value)


def _score_text(score: Mapping[str, Any], percent: bool) -> str:
    def show(v: float) -> str:
        return f"{v:.1%}" if percent else f"{v:.3g}"

    text = show(score["mean"])
    if score.get("lo") is not None and score.get("hi") is not None:
        text += f"  [{show(score['lo'])}, {show(score['hi'])}]"
    return text


def _points(
    payload: Mapping[str, Any], names: Sequence[str], axis: _Axis
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """One record per contestant that has both a score and an x value; the names of those
    without a score, and of those without an x value."""
    frontier = set(payload.get("pareto", {}).get(axis.key) or [])
    rows: list[dict[str, Any]] = []
    unscored: list[str] = []
    no_x: list[str] = []
    scores = [(c.get("scores") or [None])[0] for c in payload["contestants"]]
    percent = is_fraction(v for s in scores if s for v in (s.get("mean"), s.get("lo"), s.get("hi")))
    for i, (contestant, score) in enumerate(zip(payload["contestants"], scores, strict=True)):
        x = _x_value(contestant, axis)
        if score is None or score.get("mean") is None:
            unscored.append(names[i])
            continue
        if x is None:
            no_x.append(names[i])
            continue
        latency = contestant.get("latency_p50_s")
        rows.append(
            {
                "contestant": names[i],
                "index": i,
                "x": x,
                "score": score["mean"],
                "lo": score.get("lo"),
                "hi": score.get("hi"),
                "frontier": i in frontier,
                "score_text": _score_text(score, percent),
                "n": score.get("n"),
                "cost_text": usd(cost_per_answer(contestant)),
                "spend_text": usd(contestant.get("cost_usd")),
                "latency_text": "unknown" if latency is None else f"{latency:.2f} s",
                "frontier_text": "yes" if i in frontier else "no",
            }
        )
    return rows, unscored, no_x


def _notes(
    axis: _Axis, scorer: str, rows: list[dict[str, Any]], left: dict[str, list[str]]
) -> list[str]:
    lines = []
    if any(r["frontier"] for r in rows):
        better = "cheaper" if axis.key == "cost" else "faster"
        lines.append(
            f"Primary scorer: {scorer}. The line joins the Pareto frontier: "
            f"no other contestant scores higher and is {better}."
        )
    else:
        lines.append(f"Primary scorer: {scorer}.")
    for why, who in left.items():
        if who:
            lines.append(f"Not shown ({why}): {', '.join(who)}.")
    return lines


def quality_chart(
    payload: Mapping[str, Any], names: Sequence[str], axis_key: str
) -> dict[str, Any] | None:
    """Quality (primary scorer) against `axis_key` (`cost` or `latency`), or None when no
    contestant has both."""
    axis = _AXES[axis_key]
    scorers = payload.get("scorers") or []
    if not scorers or not payload.get("contestants"):
        return None
    rows, unscored, no_x = _points(payload, names, axis)
    if not rows:
        return None
    scorer = str(scorers[0].get("name") or "primary")
    percent = is_fraction(v for r in rows for v in (r["score"], r["lo"], r["hi"]))
    kind = scale_type(r["x"] for r in rows)
    x = alt.X(
        "x:Q",
        title=axis.title + (" · log scale" if kind == "log" else ""),
        scale=value_scale(kind, zero=False),
        axis=alt.Axis(format=axis.format, labelOverlap="greedy", labelSeparation=8, tickCount=5),
    )
    y_axis = alt.Axis(format=".0%" if percent else "~g", tickCount=6)
    y = alt.Y(
        "score:Q", title=f"{scorer} (mean, 95% interval)", scale=alt.Scale(zero=False), axis=y_axis
    )
    colour = alt.Color("contestant:N", title=None, scale=contestant_colours(names))
    tooltip = [
        alt.Tooltip("contestant:N", title="Contestant"),
        alt.Tooltip("score_text:N", title=scorer),
        alt.Tooltip("n:Q", title="Items scored", format=","),
        alt.Tooltip("cost_text:N", title="Cost per answer"),
        alt.Tooltip("spend_text:N", title="Spend"),
        alt.Tooltip("latency_text:N", title="Median latency"),
        alt.Tooltip("frontier_text:N", title="On the frontier"),
    ]
    base = alt.Chart(alt.InlineData(values=rows))
    frontier = sorted((r for r in rows if r["frontier"]), key=lambda r: (r["x"], r["score"]))
    layers: list[alt.Chart] = []
    if frontier:
        line = alt.Chart(alt.InlineData(values=frontier)).mark_line(
            interpolate="step-after", color=MUTED, strokeDash=[5, 3], strokeWidth=1.5
        )
        layers.append(line.encode(x=x, y=y, order=alt.Order("x:Q")))
    bars = base.mark_rule(strokeWidth=2, opacity=0.55).encode(
        x=x, y=alt.Y("lo:Q"), y2=alt.Y2("hi:Q"), color=colour, tooltip=tooltip
    )
    rings = base.transform_filter(alt.FieldEqualPredicate(field="frontier", equal=True)).mark_point(
        size=240, color=INK, strokeWidth=1.2, opacity=0.9
    )
    dots = base.mark_point(size=90, filled=True, opacity=1, stroke="white", strokeWidth=1)
    layers += [
        bars,
        rings.encode(x=x, y=y, tooltip=tooltip),
        dots.encode(x=x, y=y, color=colour, tooltip=tooltip),
    ]
    left = {axis.unknown: no_x, f"no {scorer} score": unscored}
    chart = alt.layer(*layers).properties(height=340)
    title = note_title(_notes(axis, scorer, rows, left))
    if title is not None:
        chart = chart.properties(title=title)
    what = "cost per answer" if axis.key == "cost" else "median latency"
    return finish(chart, description=f"{scorer} score against {what}, one point per contestant")
