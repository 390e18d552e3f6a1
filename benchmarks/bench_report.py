"""The report: how long it takes to write, how big it is, how fast it opens in a browser, and
how much memory writing it takes, for a large run and for the demo.

- **Large**: a synthetic run directory (`_synthetic_run`: the real schemas, texts of varied
  length, errors, fallbacks, cached rows, 429s) of 10,000 items × 10 contestants.
  `render_s`: `write_report` in this process (median of 2); `size_mb`: the file;
  `open_ms`: headless Chromium (Debian's, driven by playwright) from navigation start to the
  page's `orkit-table-drawn` mark (the drill-down's first page drawn), median of 3 loads from
  `file://`; `console_errors` and `external_requests` (any request but the file itself)
  over those loads. Baseline in the same run, `blank_open_ms`: a page of the same bytes that
  parses its data block and marks at once (what the browser alone needs for the file).
- **Memory**: `orkit report` in a child process on synthetic runs of 100,000 and 200,000
  tasks (10,000 and 20,000 items × 10: the drill-down holds 10,000 items in both); the
  figure is its peak RSS (`ru_maxrss` from `wait4`). `render_rss_slope_mb_per_10k` is the
  growth between the two. Baseline: the floor, a child that imports what `orkit report`
  imports and exits.
- **Demo**: the README's demo sweep on the emulator (`--no-report`), then the same figures
  for its report.

Targets (the process exits 1 after the JSON when one is missed): size_mb ≤ 10, open_ms ≤
2,000, console_errors = 0, external_requests = 0 (large and demo), render_peak_rss_mb < 400,
render_rss_slope_mb_per_10k ≤ 5. About 2 minutes on an idle 2-core machine.
Last line of output: one JSON object.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _harness import emit_checked, median, workdir
from _synthetic_run import write_synthetic_run

from orkit.report import write_report
from orkit.results import RunDir

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
READY_MARK = "orkit-table-drawn"

LARGE_ITEMS, CONTESTANTS = 10_000, 10
RSS_ITEMS = (10_000, 20_000)
"""Items of the two runs whose memory is measured: × 10 contestants, 100k and 200k tasks.
Both drill-downs hold 10,000 items (the default `max_items`), so the slope between them is
what grows with the run itself; the drill-down is bounded by `max_items`."""

SIZE_TARGET_MB = 10.0
OPEN_TARGET_MS = 2_000.0
RSS_TARGET_MB = 400.0
SLOPE_TARGET_MB_PER_10K = 5.0
FLOOR_IMPORTS = "import orkit.cli, orkit.cli._report, orkit.report, orkit.results"


def render(run: Path, out: Path) -> dict[str, Any]:
    """`write_report` twice (the median), and the file's size."""
    times = []
    for _ in range(2):
        start = time.perf_counter()
        write_report(RunDir.open(run), out)
        times.append(time.perf_counter() - start)
    return {"render_s": round(median(times), 3), "size_mb": round(out.stat().st_size / 1e6, 3)}


def blank_page(like: Path, out: Path) -> Path:
    """A page of the same bytes as `like` whose only script parses the data block and sets
    the ready mark: what opening a file this size costs the browser by itself."""
    text = like.read_text("utf-8")
    cut = text.index("<body")
    script = (
        "<script>const d=document.querySelector('script[id^=orkit-data]');"
        f"d&&d.textContent.length;performance.mark('{READY_MARK}');"
        "document.body.dataset.ready='1';</script>"
    )
    body = text[cut:]
    data_start = body.find("<script type=")
    data_end = body.find("</script>", data_start) + len("</script>")
    data = body[data_start:data_end] if data_start >= 0 else ""
    out.write_text(f"<!doctype html><html><head></head><body>{data}{script}</body></html>")
    return out


def open_in_chromium(page: Path, loads: int = 3) -> dict[str, Any]:
    """Median load-to-mark time over `loads` fresh pages, console errors and requests."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    external: list[str] = []
    times = []
    url = page.resolve().as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(loads):
                tab = browser.new_page(viewport={"width": 1400, "height": 900})
                tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                tab.on("pageerror", lambda e: errors.append(str(e)))
                tab.on("request", lambda r: None if r.url == url else external.append(r.url))
                tab.goto(url)
                # a selector, not wait_for_function: the page's CSP refuses string evaluation
                tab.wait_for_selector("body[data-ready='1']", state="attached", timeout=60_000)
                times.append(
                    tab.evaluate(f"performance.getEntriesByName('{READY_MARK}')[0].startTime")
                )
                tab.close()
        finally:
            browser.close()
    return {
        "open_ms": round(median(times), 1),
        "console_errors": len(errors),
        "external_requests": len(external),
        **({"first_console_error": errors[0][:300]} if errors else {}),
        **({"first_external_request": external[0][:300]} if external else {}),
    }


_REAPER = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "_, status, usage = os.wait4(p.pid, 0); "
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)"
)
"""Starts `argv` and prints its exit code and peak RSS. On Linux a child's `ru_maxrss`
counts the memory it was forked with, before its exec: forked from this benchmark (some
hundreds of MB by then) every figure would be at least that. Forked from this small
process it counts some 10 MB of it, well under the import floor that is measured the same
way."""


def child_peak_rss_mb(argv: list[str], cwd: Path) -> float:
    """Peak RSS of a child running `argv` (its `ru_maxrss`, reaped with `wait4`)."""
    done = subprocess.run(
        [sys.executable, "-c", _REAPER, *argv], cwd=cwd, capture_output=True, text=True, check=True
    )
    code, kib = (int(v) for v in done.stdout.split())
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}")
    return kib / 1024


def memory(tmp: Path) -> dict[str, Any]:
    floor = child_peak_rss_mb([sys.executable, "-c", FLOOR_IMPORTS], tmp)
    peaks = {}
    for items in RSS_ITEMS:
        run = write_synthetic_run(tmp / f"rss{items}", items=items, models=CONTESTANTS)
        out = tmp / f"rss{items}.html"
        argv = [sys.executable, "-m", "orkit", "report", str(run), "-o", str(out)]
        peaks[items * CONTESTANTS] = child_peak_rss_mb(argv, tmp)
        shutil.rmtree(run)
    (small, small_mb), (large, large_mb) = sorted(peaks.items())
    return {
        "render_peak_rss_mb": round(large_mb, 1),
        "render_peak_rss_mb_100k": round(small_mb, 1),
        "render_rss_slope_mb_per_10k": round((large_mb - small_mb) / ((large - small) / 1e4), 2),
        "floor_rss_mb": round(floor, 1),
    }


def demo(tmp: Path) -> dict[str, Any]:
    """The README's demo sweep on the emulator, then its report's figures."""
    shutil.copytree(ROOT / "datasets", tmp / "datasets")
    argv = [sys.executable, "-m", "orkit", "run", "datasets/demo/sweep.toml"]
    subprocess.run([*argv, "--no-report", "--no-cache", "-q"], cwd=tmp, check=True)
    (run,) = (tmp / "runs").iterdir()
    out = tmp / "demo.html"
    return {**render(run, out), **open_in_chromium(out)}


def missed_targets(result: dict[str, Any]) -> list[str]:
    missed = []
    for name, figures in (("large", result), ("demo", result["demo"])):
        if not figures["size_mb"] <= SIZE_TARGET_MB:
            missed.append(f"{name}: size {figures['size_mb']} MB > {SIZE_TARGET_MB:g}")
        if not figures["open_ms"] <= OPEN_TARGET_MS:
            missed.append(f"{name}: open {figures['open_ms']} ms > {OPEN_TARGET_MS:g}")
        for key in ("console_errors", "external_requests"):
            if figures[key] != 0:
                missed.append(f"{name}: {key} = {figures[key]}")
    if not result["render_peak_rss_mb"] < RSS_TARGET_MB:
        missed.append(f"peak RSS at 200k tasks {result['render_peak_rss_mb']} MB >= 400")
    if not result["render_rss_slope_mb_per_10k"] <= SLOPE_TARGET_MB_PER_10K:
        missed.append(
            f"RSS slope {result['render_rss_slope_mb_per_10k']} MB per 10k tasks "
            f"> {SLOPE_TARGET_MB_PER_10K:g}"
        )
    return missed


def main() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with workdir() as tmp:
        run = write_synthetic_run(tmp / "large", items=LARGE_ITEMS, models=CONTESTANTS)
        out = tmp / "large.html"
        large = render(run, out)
        print("large:", large, flush=True)
        large.update(open_in_chromium(out))
        large["blank_open_ms"] = open_in_chromium(blank_page(out, tmp / "blank.html"))["open_ms"]
        large["open_vs_blank"] = round(large["open_ms"] / max(large["blank_open_ms"], 1.0), 2)
        print("large:", large, flush=True)
        shutil.rmtree(run)
        mem = memory(tmp)
        print("memory:", mem, flush=True)
        result: dict[str, Any] = {
            "items": LARGE_ITEMS,
            "contestants": CONTESTANTS,
            **large,
            **mem,
            "demo": demo(tmp),
        }
    emit_checked(result, missed_targets(result))


if __name__ == "__main__":
    main()
