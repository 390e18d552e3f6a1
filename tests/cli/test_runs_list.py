"""`orkit runs` says which run is which: a name column with the run's name, else the file
it came from (its spec, or the dataset of a flags-only run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main

pytestmark = pytest.mark.integration  # on real time: see README, Development


@pytest.fixture
def runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    items = tmp_path / "questions.jsonl"
    items.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(2))
    )
    out = tmp_path / "runs"
    common = ["--out", str(out), "--endpoint", "sim", "-q", "--no-report", "--no-estimate"]
    for name, spec_name in (("arith", "named.toml"), (None, "unnamed.toml")):
        spec = tmp_path / spec_name
        spec.write_text(
            (f'name = "{name}"\n' if name else "")
            + f'dataset = "{items.name}"\nmodels = ["openai/gpt-4o-mini"]\n'
            + '[prompt]\ntemplate = "{{ question }}"\n[sim]\ntime_scale = 0.0\n'
        )
        assert main(["run", str(spec), *common]) == 0
    flags = ["--dataset", str(items), "--prompt", "{{ question }}", "-m", "openai/gpt-4o-mini"]
    assert main(["run", *flags, *common]) == 0
    capsys.readouterr()
    return out


def test_orkit_runs_has_a_name_column(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", str(runs)]) == 0
    header, _rule, *rows = capsys.readouterr().out.splitlines()
    assert header.split()[:3] == ["run", "name", "status"]
    # runs made within one second list in any order
    names = sorted(row.split()[1] for row in rows[:3])
    assert names == ["arith", "questions.jsonl", "unnamed.toml"]


def test_orkit_runs_json_has_the_name(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", str(runs), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted(r["name"] for r in listed) == ["arith", "questions.jsonl", "unnamed.toml"]
