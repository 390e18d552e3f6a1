"""Router ids (`openrouter/auto`, `openrouter/free`, any `openrouter/*`) pick the model that
answers: their rows are scored under the id that was asked for, with the served model
recorded, not flagged as fallbacks (which left every router score as "–")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit import Sweep

pytestmark = pytest.mark.integration  # on real time: see README, Development

REPO = Path(__file__).resolve().parents[2]
ROUTERS = ["openrouter/auto", "openrouter/free"]


@pytest.fixture
def items(tmp_path: Path) -> Path:
    """The demo's first 20 questions (ones the emulator can answer)."""
    lines = (REPO / "datasets/demo/items.jsonl").read_text("utf-8").splitlines()[:20]
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_router_rows_are_scored_under_the_router_id(tmp_path: Path, items: Path) -> None:
    sweep = Sweep(
        dataset=str(items),
        models=[*ROUTERS, "openai/gpt-4o-mini"],
        prompt="{{ question }}",
        system="Answer with the answer only.",
        params={"temperature": 0},
        scorers=[{"kind": "exact", "expected": "answer"}],
        endpoint="sim",
        sim={"time_scale": 0.01, "window_scale": 0.01, "seed": 7},
        out=tmp_path / "runs",
    )
    run = sweep.run()
    rows = run.to_pandas()
    routed = rows[rows["model"].isin(ROUTERS)]
    assert len(routed) == 40 and (routed["status"] == "ok").all()
    assert not routed["is_fallback"].any()
    # the served model is recorded, and it is never the router id itself
    assert routed["served_model"].notna().all()
    assert not routed["served_model"].isin(ROUTERS).any()
    summary = run.summary()
    assert list(summary.index) == [*ROUTERS, "openai/gpt-4o-mini"]
    assert summary.loc[ROUTERS, "n_exact"].tolist() == [20, 20]
    assert summary.loc[ROUTERS, "score_exact"].notna().all()
    assert (summary.loc[ROUTERS, "fallback_rows"] == 0).all()
    # what each router picked, scored per served model
    picked = run.summary(by=["model", "served_model"])
    auto = picked[picked["model"] == "openrouter/auto"]
    assert auto["rows"].sum() == 20 and set(auto["served_model"]) == set(
        routed.loc[routed["model"] == "openrouter/auto", "served_model"]
    )
    manifest = json.loads((run.path / "manifest.json").read_text("utf-8"))
    assert manifest["totals"]["all"]["fallback_rows"] == 0
    # a router spreads over providers by design: no "pin one provider" advice for it
    assert not [w for w in manifest["warnings"] if w.startswith("openrouter/")]
