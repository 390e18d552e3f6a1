"""ipywidgets is an extra: importing orkit (and orkit.widgets) does not load it, and making a
widget without it says how to install it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orkit.cost import Estimate
from orkit.widgets import EstimateView


def test_importing_the_widgets_loads_no_ipywidgets() -> None:
    code = "import orkit, orkit.widgets, sys; print('ipywidgets' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_widget_without_ipywidgets_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # what `import` meets when absent
    estimate = Estimate(lines=[], duration_s=0.0, budget_usd=None, prices="test")
    with pytest.raises(ImportError, match=r"pip install 'orkit\[notebook\]'"):
        EstimateView(estimate)
