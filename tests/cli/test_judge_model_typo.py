"""A judge's model typo, in `orkit run` (and its dry run) and `orkit estimate`: one line
naming the spec file and `scorers[i].model`, with a did-you-mean, exit 2, nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main

SPEC = """dataset = "items.jsonl"
models = ["openai/gpt-4o-mini"]
endpoint = "sim"

[prompt]
template = "{{ question }}"

[[scorers]]
kind = "exact"
expected = "answer"

[[scorers]]
kind = "judge_rubric"
model = "openai/gpt-4o-mni"
rubric = "Correct."
"""


@pytest.mark.parametrize(
    "argv",
    [["run", "--dry-run"], ["run", "--yes"], ["estimate"]],
    ids=["dry-run", "run", "estimate"],
)
def test_a_judge_model_typo_names_its_scorer(argv, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "items.jsonl").write_text(json.dumps({"question": "2+2?", "answer": "4"}) + "\n")
    (tmp_path / "spec.toml").write_text(SPEC)
    code = main([argv[0], "spec.toml", *argv[1:]])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert "spec.toml, field 'scorers[1].model'" in err[0]
    assert "did you mean openai/gpt-4o-mini" in err[0]
    assert not (tmp_path / "runs").exists()
