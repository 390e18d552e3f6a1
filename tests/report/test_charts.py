"""The report's charts: valid Vega-Lite that renders offline, no URL anywhere, the payload's
frontier, stable contestant colours, honest omissions, hostile labels kept as plain data."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import vl_convert

from orkit.report._chart_quality import cost_per_answer
from orkit.report._chart_style import (
    NOTE_CHARS,
    PALETTE,
    contestant_names,
    is_fraction,
    note_title,
    scale_type,
)
from orkit.report._chart_timeline import _unit
from orkit.report._charts import chart_specs

from .chart_payload import HOSTILE, LONG, chart_payload

ALL = ["quality-cost", "quality-latency", "latency", "spend", "timeline"]


def _by_id(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {chart["id"]: chart["spec"] for chart in chart_specs(payload)}


def _walk(node: Any) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair of a JSON tree; list members come with key None."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield None, value
            yield from _walk(value)


def _rows(spec: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """A view's rows: inline values, or a named dataset of the spec (altair gathers the
    data of a chart's layers there, once)."""
    if "values" in data:
        return list(data["values"])
    return list(spec["datasets"][data["name"]])


def _datasets(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [_rows(spec, value) for key, value in _walk(spec) if key == "data"]


def _layer_data(spec: dict[str, Any], mark: str) -> list[dict[str, Any]]:
    """The rows of the layer drawn with `mark` (its own data, or the chart's)."""
    for layer in spec.get("layer", [spec]):
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if kind == mark:
            return _rows(spec, layer.get("data") or spec["data"])
    raise AssertionError(f"no {mark} layer")


def _colour_scales(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        value["scale"]
        for key, value in _walk(spec)
        if key == "color" and isinstance(value, dict) and value.get("field") == "contestant"
    ]


def test_every_chart_of_a_full_payload_renders_offline_in_order() -> None:
    charts = chart_specs(chart_payload())
    assert [c["id"] for c in charts] == ALL
    assert all(c["title"] for c in charts)
    for chart in charts:
        svg = vl_convert.vegalite_to_svg(chart["spec"])
        assert svg.lstrip().startswith("<svg"), chart["id"]
        assert chart["spec"]["width"] == "container"


def test_no_spec_holds_a_url_or_a_link() -> None:
    for chart in chart_specs(chart_payload()):
        text = json.dumps(chart["spec"])
        assert "http" not in text and "//" not in text, chart["id"]
        keys = {key for key, _ in _walk(chart["spec"])}
        assert not keys & {"$schema", "url", "href"}, chart["id"]
        assert _datasets(chart["spec"]), chart["id"]  # data inline, as values


def test_the_frontier_drawn_is_the_payloads_in_cost_order() -> None:
    payload = chart_payload()
    spec = _by_id(payload)["quality-cost"]
    line = _layer_data(spec, "line")
    # per answer: gemini is free, claude $0.0912 over its 297 priced rows
    assert [row["index"] for row in line] == [4, 1]
    assert [row["x"] for row in line] == [0.0, pytest.approx(0.0912 / 297)]
    points = _layer_data(spec, "point")
    assert {row["index"] for row in points if row["frontier"]} == {4, 1}

    payload["pareto"]["cost"] = [0]
    line = _layer_data(_by_id(payload)["quality-cost"], "line")
    assert [row["index"] for row in line] == [0]


def test_latency_frontier_and_its_points() -> None:
    spec = _by_id(chart_payload())["quality-latency"]
    assert [row["index"] for row in _layer_data(spec, "line")] == [3, 0, 1]
    points = _layer_data(spec, "point")
    assert [row["index"] for row in points] == [0, 1, 2, 3]  # gemini: all cached, no latency
    assert "google/gemini-2.5-flash" in " ".join(spec["title"]["text"])


def test_no_frontier_draws_no_line() -> None:
    payload = chart_payload()
    payload["pareto"] = {"cost": [], "latency": []}
    spec = _by_id(payload)["quality-cost"]
    with pytest.raises(AssertionError, match="no line layer"):
        _layer_data(spec, "line")
    assert "Pareto" not in " ".join(spec["title"]["text"])


def test_unknown_cost_is_left_out_and_said() -> None:
    charts = _by_id(chart_payload())
    points = _layer_data(charts["quality-cost"], "point")
    assert 3 not in {row["index"] for row in points}
    note = " ".join(charts["quality-cost"]["title"]["text"])
    assert "unknown cost" in note and "onerror" in note
    spend = charts["spend"]
    assert [row["index"] for row in _layer_data(spend, "bar")] == [0, 1, 2, 4]
    spend_note = " ".join(spend["title"]["text"])
    assert "anthropic/claude-sonnet-4.5 (3 rows)" in spend_note
    assert "no known cost" in spend_note


def test_charts_with_nothing_to_show_are_left_out() -> None:
    payload = chart_payload()
    for c in payload["contestants"]:
        c["cost_usd"] = None
    assert [c["id"] for c in chart_specs(payload)] == ["quality-latency", "latency", "timeline"]

    payload = chart_payload()
    payload["timeline"]["series"] = [s for s in payload["timeline"]["series"] if s["kind"] == "ok"]
    assert "timeline" not in _by_id(payload)
    del payload["timeline"]
    assert "timeline" not in _by_id(payload)

    payload = chart_payload()
    payload["scorers"] = []
    payload["latency"] = []
    assert [c["id"] for c in chart_specs(payload)] == ["spend", "timeline"]

    payload = chart_payload()
    for c in payload["contestants"]:
        c["scores"] = [None]
    assert "quality-cost" not in _by_id(payload) and "quality-latency" not in _by_id(payload)

    assert chart_specs({"version": 1, "contestants": [], "scorers": []}) == []


def test_a_contestant_keeps_its_colour_in_every_chart() -> None:
    payload = chart_payload()
    names = contestant_names(payload["contestants"])
    charts = _by_id(payload)
    scales = [scale for cid in ALL[:4] for scale in _colour_scales(charts[cid])]
    assert len(scales) >= 4
    for scale in scales:
        assert scale["domain"] == names  # all of them, even where some are left out
        assert scale["range"] == list(PALETTE[: len(names)])
    bars = _layer_data(charts["spend"], "bar")
    assert [row["contestant"] for row in bars] == [names[i] for i in (0, 1, 2, 4)]


def test_the_contestants_order_is_the_payloads() -> None:
    payload = chart_payload()
    payload["contestants"].reverse()
    payload["latency"] = [{**e, "contestant": 4 - e["contestant"]} for e in payload["latency"]]
    spec = _by_id(payload)["latency"]
    labels = [c["label"] for c in payload["contestants"] if c["latency_p50_s"] is not None]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == labels


def test_hostile_labels_stay_plain_data() -> None:
    charts = _by_id(chart_payload())
    latency = _layer_data(charts["latency"], "rule")
    assert HOSTILE in {row["contestant"] for row in latency}
    assert LONG in {row["contestant"] for row in latency}
    svg = vl_convert.vegalite_to_svg(charts["latency"])
    assert "<img" not in svg and "</script" not in svg
    assert "&lt;img src=x onerror" in svg or "&lt;/script&gt;" in svg  # drawn as text


def test_scores_are_percentages_only_when_they_are_fractions() -> None:
    spec = _by_id(chart_payload())["quality-cost"]
    axes = {v["axis"]["format"] for k, v in _walk(spec) if k == "y" and "axis" in v}
    assert axes == {".0%"}
    payload = chart_payload()
    for c in payload["contestants"]:
        for s in c["scores"]:
            if s:
                s.update(mean=s["mean"] * 10, lo=s["lo"] * 10, hi=s["hi"] * 10)
    spec = _by_id(payload)["quality-cost"]
    axes = {v["axis"]["format"] for k, v in _walk(spec) if k == "y" and "axis" in v}
    assert axes == {"~g"}


def test_timeline_stacks_events_by_kind_with_errors_first() -> None:
    spec = _by_id(chart_payload())["timeline"]
    rows = _layer_data(spec, "bar")
    assert {r["kind"] for r in rows} == {
        "error: rate_limited",
        "error: timeout",
        "429 (rate limited, retried)",
        "served by a fallback",
        "cache hit",
    }
    assert spec["encoding"]["color"]["scale"]["domain"][:2] == [
        "error: rate_limited",
        "error: timeout",
    ]
    assert sum(r["count"] for r in rows if r["kind"] == "cache hit") == 300
    assert all(r["end"] - r["start"] == pytest.approx(2.0) for r in rows)  # seconds


def test_time_unit_grows_with_the_run() -> None:
    assert _unit(120.0) == (1.0, "s")
    assert _unit(301.0) == (60.0, "min")
    assert _unit(4 * 3600.0) == (3600.0, "h")


def test_cost_per_answer_divides_by_priced_ok_rows() -> None:
    assert cost_per_answer({"cost_usd": 0.3, "ok": 100, "cost_unknown_rows": 40}) == pytest.approx(
        0.005
    )
    assert cost_per_answer({"cost_usd": None, "ok": 100, "cost_unknown_rows": 0}) is None
    assert cost_per_answer({"cost_usd": 0.0, "ok": 5, "cost_unknown_rows": 5}) is None
    assert cost_per_answer({"cost_usd": 0.0, "ok": 5, "cost_unknown_rows": 0}) == 0.0


def test_shared_labels_are_told_apart_by_id() -> None:
    names = contestant_names([{"id": "a1", "label": "m"}, {"id": "b2", "label": "m"}, {"id": "c"}])
    assert names == ["m [a1]", "m [b2]", "c"]


def test_scale_and_fraction_helpers() -> None:
    assert scale_type([0.001, 0.5]) == "log"
    assert scale_type([0.01, 0.5]) == "linear"
    assert scale_type([0.0, 0.5]) == "linear"  # a free contestant: no log axis
    assert scale_type([]) == "linear"
    assert is_fraction([0.0, 1.0, None]) and not is_fraction([0.5, 1.2])


def test_notes_are_wrapped_to_fit_a_narrow_chart() -> None:
    title = note_title(["word " * 40])
    assert title is not None
    assert len(title.text) > 1 and all(len(line) <= NOTE_CHARS for line in title.text)
    assert note_title([]) is None


def test_costs_spread_over_orders_of_magnitude_get_a_log_axis() -> None:
    payload = chart_payload()
    payload["contestants"][4]["cost_usd"] = 0.00001  # no longer free: every cost is positive
    spec = _by_id(payload)["quality-cost"]
    encodings = [v for k, v in _walk(spec) if k == "x" and isinstance(v, dict)]
    scales = [v["scale"] for v in encodings if "scale" in v]
    assert scales and all(scale["type"] == "log" for scale in scales)
    assert all("zero" not in scale for scale in scales)
    assert any("log scale" in v.get("title", "") for v in encodings)


def test_more_contestants_than_colours_reuse_the_palette_in_order() -> None:
    payload = chart_payload()
    template = payload["contestants"][0]
    payload["contestants"] = [{**template, "label": f"m{i}", "id": f"c{i}"} for i in range(23)]
    payload["latency"] = []
    scale = _colour_scales(_by_id(payload)["spend"])[0]
    assert scale["range"][:20] == list(PALETTE) and scale["range"][20:] == list(PALETTE[:3])
