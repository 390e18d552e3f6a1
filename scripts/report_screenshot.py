"""Write the README's picture of the report: reports/report-screenshot.png.

    python scripts/report_screenshot.py [REPORT.html] [-o reports/report-screenshot.png]

With a report file, photographs it; without one, renders the synthetic payload of the
page's tests (tests/report/_payloads.py). Needs Debian's chromium and playwright (the test
extra); nothing is downloaded and the page fetches nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 1000}


def screenshot(page: Any, out: Path) -> Path:
    """Photograph an opened report `page` (a playwright Page) with an item's side panel
    open, so the picture shows the leaderboard, the drill-down and one answer in full."""
    page.wait_for_selector("body[data-ready='1']")
    page.locator("#dd-body tr th button").first.click()
    page.wait_for_selector("#panel:not([hidden])")
    page.evaluate("window.scrollTo(0, document.getElementById('leaderboard').offsetTop - 40)")
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out), full_page=False)
    return out


def _synthetic_report(folder: Path) -> Path:
    import vl_convert

    sys.path.insert(0, str(REPO))
    from orkit.report._options import ReportOptions
    from orkit.report._page import render_page
    from tests.report._payloads import bar_chart, make_payload

    payload = make_payload(items=200, contestants=4, grid=True, hostile=False)
    html = render_page(payload, [bar_chart()], vl_convert.javascript_bundle(), ReportOptions())
    path = folder / "report.html"
    path.write_text(html, "utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", nargs="?", type=Path, help="a report HTML file")
    parser.add_argument(
        "-o", "--out", type=Path, default=REPO / "reports" / "report-screenshot.png"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        report = args.report or _synthetic_report(Path(tmp))
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(report.resolve().as_uri())
        sys.stdout.write(f"{screenshot(page, args.out)}\n")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
