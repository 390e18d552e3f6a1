"""The report's examples show each prompt variant's own messages, readably: with two prompts
the second's outputs sat under the first prompt's raw JSON."""

from __future__ import annotations

from pathlib import Path

from orkit import Sweep
from tests.report.page_data import page_data


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
    payload = page_data(Path(run.report(str(tmp_path / "r.html"))).read_text())
    items = payload["items"]
    assert items["id"] == ["q0", "q1", "q2"]
    # each variant's own messages, as role and content (the page draws them as a chat),
    # not one prompt's raw JSON for all
    messages = items["messages"]
    assert set(messages) == {"terse", "chatty"}
    assert messages["terse"][0] == [
        {"role": "system", "content": "Answer only."},
        {"role": "user", "content": "What is 0 + 1?"},
    ]
    assert messages["chatty"][0] == [
        {"role": "user", "content": "Please think about it: What is 0 + 1?"}
    ]
    assert [m[0]["content"] for m in messages["chatty"]] == [
        f"Please think about it: What is {i} + 1?" for i in range(3)
    ]
    # each item's outputs in the contestants' order, as the leaderboard lists them, each
    # column under its own variant
    contestants = payload["contestants"]
    assert [c["label"] for c in contestants] == [
        f"openai/gpt-4o-mini · {p}" for p in ("terse", "chatty")
    ]
    rows = run.to_pandas().set_index(["prompt_id", "item_id"])["output_text"]
    for contestant, cell in zip(contestants, items["cells"], strict=True):
        expected = [rows[(contestant["prompt_id"], item)] for item in items["id"]]
        assert cell["text"] == expected, contestant["label"]
