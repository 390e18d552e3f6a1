"""One small finished run on the in-process emulator, shared by the widget tests of a
module: two models, six items, an exact scorer, and a few injected HTTP 400s (error rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from orkit.api import Run, Sweep

MODELS = ["openai/gpt-4o-mini", "anthropic/claude-3-haiku"]


def small_sweep(out: Path, **changes: Any) -> Sweep:
    fields: dict[str, Any] = {
        "dataset": [
            {"id": f"t{i}", "q": f"What is {i}+1?", "answer": str(i + 1)} for i in range(6)
        ],
        "models": MODELS,
        "prompt": "{{ q }}",
        "endpoint": "sim",
        "sim": {"time_scale": 0.0, "seed": 7},
        "out": str(out),
        "scorers": [{"kind": "exact"}],
        "budget_usd": 1.0,
        "cache": False,
        **changes,
    }
    return Sweep(**fields)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    sim = {"time_scale": 0.0, "seed": 7, "faults": {"status": {400: 0.25}}}
    sweep = small_sweep(tmp_path_factory.mktemp("runs"), sim=sim)
    return sweep.run(progress=False)
