"""The README's "Comparing models" section: its commands parse, its Python runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from stats_runs import ALSO_STRONG, STRONG, WEAK, make_run

import orkit
from orkit.batch import Run
from orkit.cli import build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def readme_section() -> str:
    start = README.index("## Comparing models")
    return README[start : README.index("\n## ", start + 1)]


def test_readme_compare_commands_parse() -> None:
    lines = [
        line
        for block in re.findall(r"```bash\n(.*?)```", readme_section(), flags=re.S)
        for line in block.splitlines()
        if line.startswith("orkit compare")
    ]
    assert len(lines) == 2
    for line in lines:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.func.__module__ == "orkit.cli._compare"


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", readme_section(), flags=re.S)
    run_dir = make_run(tmp_path, "r1", {"a/x": STRONG, "b/y": WEAK, "c/z": ALSO_STRONG})
    monkeypatch.setattr(orkit, "open_run", lambda path: Run(run_dir), raising=False)
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["pairs"] is not None
