"""Write the README's picture of the run dashboard: notebooks/dashboard-screenshot.png.

    python scripts/notebook_screenshot.py [-o PNG] [--html-manager DIR]

Executes notebooks/quickstart.ipynb against the emulator (nbclient, storing the widget
state as JupyterLab saves it), renders the executed notebook to HTML with nbconvert (the
widget state embedded), and photographs its run dashboard with Debian's chromium
(playwright). Needs the notebook and test extras (`pip install -e '.[notebook,test]'`).

nbconvert's page loads its widget renderer, `@jupyter-widgets/html-manager`, from a CDN at
view time. No Python package ships that renderer's standalone bundle, so this script takes
the package from the npm registry (`npm pack`, into a temporary folder; or give an unpacked
copy with --html-manager) and points the page at the local `dist/embed.js`. The browser is
refused every request but local files: the picture shows what the saved notebook holds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = REPO / "notebooks" / "quickstart.ipynb"
HTML_MANAGER = "@jupyter-widgets/html-manager@1.0.15"
"""The renderer for ipywidgets 8 (widget protocol 2) that nbconvert's page would fetch."""
VIEWPORT = {"width": 1100, "height": 900}


def execute(folder: Path) -> Any:
    """quickstart.ipynb run in a copy under `folder` (its runs and report land there), with
    a response cache of its own, so the dashboard shows answers, not cache hits."""
    import nbclient
    import nbformat

    (folder / "notebooks").mkdir()
    (folder / "datasets").symlink_to(REPO / "datasets")
    os.environ["ORKIT_CACHE_DIR"] = str(folder / "cache")  # the kernel inherits it
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(folder / "notebooks")}},
    )
    client.execute()
    return nb


def html_manager(folder: Path, given: Path | None) -> Path:
    """The html-manager's standalone bundle, `dist/embed.js`: under `given` (the unpacked
    package or its dist/), else packed from the npm registry into `folder`."""
    if given is not None:
        for bundle in (given / "embed.js", given / "dist" / "embed.js"):
            if bundle.is_file():
                return bundle
        raise SystemExit(f"--html-manager {given}: no embed.js in it or in its dist/")
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            f"npm is needed to fetch {HTML_MANAGER} (or pass --html-manager DIR: "
            "an unpacked copy of that package)"
        )
    packed = subprocess.run(
        [npm, "pack", HTML_MANAGER, "--pack-destination", str(folder), "--silent"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    with tarfile.open(folder / packed) as archive:
        archive.extractall(folder / "html-manager", filter="data")
    return folder / "html-manager" / "package" / "dist" / "embed.js"


def render(nb: Any, bundle: Path, out: Path) -> Path:
    """The executed notebook as nbconvert's HTML, its widgets drawn by `bundle`."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.widget_renderer_url = bundle.as_uri()
    exporter.require_js_url = ""  # embed.js is standalone: no AMD loader wanted
    page, _ = exporter.from_notebook_node(nb)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, "utf-8")
    return out


def screenshot(page_path: Path, out: Path) -> Path:
    """Photograph the first run dashboard of the rendered page (local files only)."""
    from playwright.sync_api import Route, sync_playwright

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport=VIEWPORT)
        page.route("**/*", local_only)
        page.goto(page_path.resolve().as_uri())
        board = page.locator(".orkit-dashboard").first
        board.wait_for(state="visible", timeout=60_000)
        page.locator(".orkit-dashboard .widget-button").first.wait_for(state="visible")
        page.evaluate("document.fonts.ready")
        out.parent.mkdir(parents=True, exist_ok=True)
        board.screenshot(path=str(out))
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-o", "--out", type=Path, default=REPO / "notebooks" / "dashboard-screenshot.png"
    )
    parser.add_argument(
        "--html-manager", type=Path, help=f"an unpacked {HTML_MANAGER} (default: npm pack)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        nb = execute(folder)
        bundle = html_manager(folder, args.html_manager)
        page = render(nb, bundle, folder / "quickstart.html")
        shot = screenshot(page, args.out)
    sys.stdout.write(f"{shot}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
