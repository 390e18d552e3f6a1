"""The charts in real headless Chromium, under the report's Content-Security-Policy (scripts
by hash only, no `unsafe-eval`, nothing to connect to): every chart draws, nothing is
fetched, the console stays clean, and a hostile label in a tooltip is text.

Debian's `/usr/bin/chromium` driven by `playwright` (no browser download). Without them the
test is skipped, except on CI (`CI` set), where it fails."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from orkit.report._charts import chart_specs
from orkit.report._vega import EMBED_OPTIONS, vega_bundle

from .chart_payload import HOSTILE, chart_payload

pytestmark = pytest.mark.slow


# Draws each chart in a figure, then marks the body; any failure goes to the console.
_MAIN = """
const data = JSON.parse(document.getElementById("data").textContent);
const root = document.getElementById("charts");
Promise.all(data.charts.map((chart) => {
  const figure = document.createElement("figure");
  const caption = document.createElement("figcaption");
  caption.textContent = chart.title;
  const holder = document.createElement("div");
  holder.className = "chart";
  holder.dataset.id = chart.id;
  figure.append(caption, holder);
  root.append(figure);
  return vegaEmbed(holder, chart.spec, data.options);
})).then(
  () => { document.body.dataset.drawn = "1"; },
  (error) => { console.error("chart failed", error); document.body.dataset.drawn = "error"; },
);
"""


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _page(charts: list[dict[str, Any]], bundle: str) -> str:
    data = json.dumps({"charts": charts, "options": EMBED_OPTIONS})
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    csp = (
        f"default-src 'none'; script-src {_sha256(bundle)} {_sha256(_MAIN)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
    )
    # `.vega-embed { display: block }`: vega-embed makes its element an inline-block,
    # which shrinks to its content and defeats `width: "container"`.
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        "<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:960px}"
        "figure{margin:0 0 24px}.chart,.vega-embed{display:block;width:100%}</style></head>"
        "<body><div id='charts'></div>"
        f'<script type="application/json" id="data">{data}</script>'
        f"<script>{bundle}</script><script>{_MAIN}</script></body></html>"
    )


def test_charts_draw_under_the_strict_csp_with_nothing_fetched(
    browser: Any, tmp_path: Path
) -> None:
    charts = chart_specs(chart_payload())
    page_file = tmp_path / "charts.html"
    bundle = vega_bundle()
    # inline-safe: nothing that ends a script element or opens an HTML comment inside one
    assert "</script" not in bundle.lower() and "<!--" not in bundle
    page_file.write_text(_page(charts, bundle), "utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    messages: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function("document.body.dataset.drawn", timeout=60_000)
        assert page.evaluate("document.body.dataset.drawn") == "1", messages
        drawn = page.evaluate(
            "[...document.querySelectorAll('.chart')].map(el => "
            "[el.dataset.id, el.querySelectorAll('svg.marks').length, "
            "el.getBoundingClientRect().width])"
        )
        assert [d[0] for d in drawn] == [c["id"] for c in charts]
        assert all(svgs == 1 for _, svgs, _ in drawn), drawn
        assert all(width > 900 for *_, width in drawn), drawn  # as wide as the page
        assert [m for m in messages if m.startswith(("error", "pageerror"))] == []
        assert requests == [page_file.as_uri()]

        # A tooltip shows the hostile label as text: no element made of it, nothing run.
        # The latency chart's boxes (and median ticks) in the payload's order: the 4th box
        # is the hostile contestant's.
        boxes = page.locator(".chart[data-id='latency'] g.mark-rect path")
        assert boxes.count() == 8
        boxes.nth(3).hover(force=True)  # its median tick lies on top: either has the tooltip
        tooltip = page.locator("#vg-tooltip-element")
        tooltip.wait_for(state="visible", timeout=30_000)
        assert HOSTILE in tooltip.inner_text(), tooltip.inner_text()
        assert page.locator("#vg-tooltip-element img, #vg-tooltip-element script").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert requests == [page_file.as_uri()]
    finally:
        page.close()
