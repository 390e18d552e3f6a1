"""A router id (`openrouter/auto`: `"-1"` prices in /models) bills the model it picks per
request: its estimate is unknown, never $0, and the totals say they leave it out."""

from __future__ import annotations

import json
from pathlib import Path

from orkit.cli import main


def test_a_router_ids_cost_is_unknown_in_the_estimate(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.jsonl").write_text(
        "".join(json.dumps({"question": f"What is {i} + 1?"}) + "\n" for i in range(5))
    )
    argv = ["estimate", "q.jsonl", "-m", "openrouter/auto", "-m", "openai/gpt-4o-mini"]
    assert main([*argv, "--prompt", "{{ question }}", "--endpoint", "sim"]) == 0
    out = capsys.readouterr().out
    auto = next(line for line in out.splitlines() if line.startswith("openrouter/auto"))
    assert auto.count("unknown") == 3 and "$0" not in auto
    total = next(line for line in out.splitlines() if line.startswith("TOTAL"))
    assert total.count("+ 1 unknown") == 3
    assert "openrouter/auto has no listed price" in out

    assert main([*argv, "--prompt", "{{ question }}", "--endpoint", "sim", "--json"]) == 0
    lines = {line["model"]: line for line in json.loads(capsys.readouterr().out)["lines"]}
    assert lines["openrouter/auto"]["cost_high_usd"] is None
    assert lines["openai/gpt-4o-mini"]["cost_high_usd"] > 0
