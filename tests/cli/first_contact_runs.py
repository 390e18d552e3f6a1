"""A small finished run on the in-process emulator, with one sync scorer and two LLM judges
on the same judge model: what issue 12's new user re-scored, compared and listed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from orkit.cli import main

JUDGE = "openai/gpt-4o-mini"


def write_items(folder: Path, n: int = 12) -> Path:
    path = folder / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def write_spec(folder: Path, *, judges: bool = True, models: str = "") -> Path:
    write_items(folder)
    tables = '[[scorers]]\nkind = "exact"\nexpected = "answer"\n'
    if judges:
        tables += (
            f'[[scorers]]\nkind = "judge_reference"\nmodel = "{JUDGE}"\nexpected = "answer"\n'
            f'[[scorers]]\nname = "rubric"\nkind = "judge_rubric"\nmodel = "{JUDGE}"\n'
            'rubric = "Correct and terse."\n'
        )
    spec = folder / "spec.toml"
    spec.write_text(
        'dataset = "items.jsonl"\n'
        + (models or 'models = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]\n')
        + f'endpoint = "sim"\nout = "{folder / "runs"}"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\ntemperature = 0\nmax_tokens = 8\n'
        f"{tables}[sim]\ntime_scale = 0.0\nseed = 3\n"
    )
    return spec


def finished_run(folder: Path, **kw: object) -> Path:
    """Run the spec in `folder` to completion; the run directory."""
    spec = write_spec(folder, **kw)  # type: ignore[arg-type]
    assert main(["run", str(spec), "-q", "--no-report", "--no-estimate"]) == 0
    (run,) = (folder / "runs").iterdir()
    return run


def copy_run(run: Path, folder: Path) -> Path:
    """A copy of a module's run for one test to change."""
    return Path(shutil.copytree(run, folder / "runs" / run.name))
