"""The report's examples show each prompt variant's own messages, readably: with two prompts
the second's outputs sat under the first prompt's raw JSON."""

from __future__ import annotations

import json
from pathlib import Path

from orkit import Sweep


def test_each_prompt_variant_is_shown_with_its_own_messages(tmp_path: Path) -> None:
    sweep = Sweep(
        dataset=[{"id": f"q{i}", "question": f"What is {i} + 1?"} for i in range(3)],
        models=["openai/gpt-4o-mini"],
        prompts={
            "terse": {"template": "{{ question }}", "system": "Answer only."},
            "chatty": {"template": "Please think about it: {{ question }}"},
        },
        params={"max_tokens": 8},
        endpoint="sim",
        sim={"time_scale": 0.0},
        out=str(tmp_path / "runs"),
    )
    run = sweep.run(progress=False)
    html = Path(run.report(str(tmp_path / "r.html"))).read_text()
    assert "system: Answer only.\nuser: What is 0 + 1?" in html
    assert "user: Please think about it: What is 0 + 1?" in html
    assert '<div class="muted">terse</div>' in html and '<div class="muted">chatty</div>' in html
    assert json.dumps([{"content": "Answer only.", "role": "system"}])[:20] not in html
    # each item's outputs in the contestants' order, as the table lists them
    examples = html[html.index("<h2>Examples") :]
    labels = [f'<span class="muted">openai/gpt-4o-mini · {p}</span>' for p in ("terse", "chatty")]
    for item in ("q0", "q1", "q2"):
        start = examples.index(f"<b>{item}</b>")
        row = examples[start : examples.index("</tr>", start)]
        assert row.index(labels[0]) < row.index(labels[1])
