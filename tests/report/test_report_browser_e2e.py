"""Reports of real emulator runs in headless Chromium, end to end (`orkit run` → `orkit
report` → the page): hostile dataset text and a key in it run nothing and show nothing;
two runs in one report pair by item; the side panel shows an item's chat and answers.

Skipped when Chromium or playwright is missing, unless CI is set (then it fails)."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from orkit.cli import main

from ._payloads import FAKE_KEY, HOSTILE
from .page_data import page_data

READY = "body[data-ready='1']"

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two emulator runs, one model each, of a dataset whose every question and expected
    answer is hostile (markup, script, a key)."""
    root = tmp_path_factory.mktemp("e2e")
    items = root / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"{text} What is {i} + 1?", "answer": f"{i + 1} {text}"}
        for i, text in enumerate(HOSTILE * 2)
    ]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    for model in ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"):
        spec = root / f"{model.split('/')[0]}.toml"
        spec.write_text(
            f'dataset = "{items}"\nmodels = ["{model}"]\nendpoint = "sim"\n'
            '[prompt]\ntemplate = "{{ question }}"\n'
            '[[scorers]]\nkind = "exact"\nexpected = "answer"\n'
        )
        argv = ["run", str(spec), "--out", str(root / "runs")]
        assert main([*argv, "--yes", "--no-cache", "--no-report", "-q"]) == 0
    return sorted((root / "runs").iterdir())


def _open(browser: Browser, path: Path) -> tuple[Any, dict[str, list[str]]]:
    seen: dict[str, list[str]] = {"errors": [], "requests": [], "dialogs": []}
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    url = path.as_uri()

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            seen["requests"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url)
    page.wait_for_selector(READY, timeout=30_000)
    return page, seen


def test_hostile_dataset_text_runs_nothing_and_no_key_is_shown(browser, runs, tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(runs[0]), "-o", str(out)]) == 0
    html = out.read_text("utf-8")
    assert FAKE_KEY not in html
    page, seen = _open(browser, out)
    page.locator("#dd-body tr th button").first.click()  # the side panel: the chat in full
    page.wait_for_selector("#panel:not([hidden])")
    assert "What is 0 + 1?" in page.locator("#panel").inner_text()
    page.fill("#dd-search", "window.__pwned")
    page.dispatch_event("#dd-search", "input")
    assert int(page.locator("#dd-count").get_attribute("data-matching") or -1) > 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert seen == {"errors": [], "requests": [], "dialogs": []}
    assert FAKE_KEY not in page.content()
    assert page.locator("img, iframe, a[href^='javascript']").count() == 0
    page.close()


def test_two_runs_in_one_report_pair_by_item(browser, runs, tmp_path):
    out = tmp_path / "two.html"
    assert main(["report", *map(str, runs), "-o", str(out)]) == 0
    data = page_data(out.read_text("utf-8"))
    assert [c["model"] for c in data["contestants"]] == [
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4.5",
    ]
    assert data["items"]["shown"] == len(HOSTILE) * 2
    assert {p["n"] for p in data["pairs"]} == {len(HOSTILE) * 2}  # every item paired
    page, seen = _open(browser, out)
    headers = page.locator("#dd-table thead th").all_text_contents()
    assert headers[-2:] == ["openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"]
    assert page.locator("#pairs .matrix tbody tr").count() == 2
    assert page.locator("#runs article.run").count() == 2
    assert seen == {"errors": [], "requests": [], "dialogs": []}
    page.close()


def test_the_notebook_frame_draws_and_its_section_links_stay_in_the_report(browser, runs, tmp_path):
    """`Run.show()`'s sandboxed srcdoc frame: the page draws, and a "#items" link scrolls
    inside it (resolved against the host's URL, it used to load the host into the frame)."""
    from orkit.report import ReportFrame, render_report
    from orkit.results import RunDir

    frame = ReportFrame(render_report(RunDir.open(runs[0])))
    host = tmp_path / "notebook.html"
    host.write_text(f'<!doctype html><meta charset="utf-8"><h1>notebook</h1>{frame._repr_html_()}')
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # over http, as Jupyter serves it: a file:// host cannot be loaded into the frame at all
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _check_frame(page, f"http://127.0.0.1:{server.server_port}/notebook.html", errors)
    finally:
        server.shutdown()
        server.server_close()
        page.close()


def _check_frame(page: Any, url: str, errors: list[str]) -> None:
    page.goto(url)
    inner = page.frame_locator("iframe")
    inner.locator("body[data-ready='1']").wait_for(state="attached", timeout=30_000)
    inner.locator("a[href='#items']").click()
    assert inner.locator("#dd-body tr").count() > 0  # still the report, scrolled
    assert page.locator("h1").count() == 1 and inner.locator("h1", has_text="notebook").count() == 0
    assert errors == []
