"""The chat demo (`datasets/chat`): a conversation column, image and PDF columns and a
few-shot file, run against the emulator as the README shows it; every request succeeds and
records its attachments as digests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit import load_spec


@pytest.mark.integration
def test_the_chat_demo_runs_against_the_emulator(repo: Path, tmp_path: Path) -> None:
    sweep = load_spec(repo / "datasets/chat/sweep.toml", {"out": str(tmp_path / "runs")})
    run = sweep.run(progress=False)
    rows = run.to_pandas()
    assert run.manifest["status"] == "completed"
    assert len(rows) == 4 * len(sweep.models) and (rows["status"] == "ok").all()
    first = json.loads(rows.sort_values("item_id")["messages_json"].iloc[0])
    # the invoice row: system, the few-shot pair, its two turns, the question with the PDF
    roles = [m["role"] for m in first]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    kinds = [p["type"] for p in first[-1]["content"]]
    assert kinds == ["text", "file"] and "base64" not in rows["messages_json"].str.cat()
