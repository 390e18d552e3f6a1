"""Each of the report's browser test modules has one headless Chromium (Debian's, driven by
playwright; nothing is downloaded). Module scope, not session: playwright's sync API keeps
an event loop running in the main thread while it is open, and every async test after it
would fail with "Cannot run the event loop while another loop is running". Without
Chromium or playwright they are skipped, unless CI is set: then they fail, since .ci/run
installs both."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"


def need(what: str, present: bool) -> None:
    """Skip (fail under CI) when `what` is missing."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing and CI is set: .ci/run installs it")
    pytest.skip(f"{what} is missing (set CI to make this a failure)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    need("playwright", importlib.util.find_spec("playwright") is not None)
    need(CHROMIUM, Path(CHROMIUM).exists())
    sync_api = importlib.import_module("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()
