"""The report's charts as Vega-Lite specs, built with altair from the payload's aggregates
(never from raw rows), each ready for `vegaEmbed(element, spec, EMBED_OPTIONS)`.

Every spec carries its data inline and no URL, fills its container's width, and colours
contestant i with the same colour in every chart. A chart with nothing to show (no known
cost, no timeline, no scorer) is left out rather than drawn empty; what a chart leaves out
is said in the small print above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orkit.report._chart_quality import quality_chart
from orkit.report._chart_spread import latency_chart, spend_chart
from orkit.report._chart_style import contestant_names
from orkit.report._chart_timeline import timeline_chart

__all__ = ["chart_specs"]


def chart_specs(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The charts of a report payload (see the report's design: `contestants`, `scorers`,
    `pareto`, `latency`, `timeline`), as `{"id", "title", "spec"}` in page order."""
    names = contestant_names(payload.get("contestants") or [])
    built = [
        ("quality-cost", "Quality vs cost", quality_chart(payload, names, "cost")),
        ("quality-latency", "Quality vs latency", quality_chart(payload, names, "latency")),
        ("latency", "Latency per contestant", latency_chart(payload, names)),
        ("spend", "Spend by contestant", spend_chart(payload, names)),
        ("timeline", "Errors, 429s, fallbacks and cache hits over time", timeline_chart(payload)),
    ]
    return [{"id": key, "title": title, "spec": spec} for key, title, spec in built if spec]
