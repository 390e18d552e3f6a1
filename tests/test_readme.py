"""The README's promises: two commands first, the second one is what CI runs, and every TOML
example in it parses (and the routing ones build a valid Sweep)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from orkit.batch import Sweep

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second(repo: Path) -> None:
    setup, first, second = blocks("bash")[:3]
    # a newcomer first gets the code and a venv (issue 12), then the two commands
    assert setup.splitlines()[0].startswith("git clone ")
    assert "-m venv .venv && . .venv/bin/activate" in setup
    assert first.strip() == "pip install -e . && orkit run datasets/demo/sweep.toml"
    assert second.strip() == "pip install -e '.[test]' && python -m pytest"
    assert second.strip() in (repo / ".ci/run").read_text()
    assert README.index(first) < README.index("##")


@pytest.mark.parametrize("text", blocks("toml"), ids=lambda t: t.strip().splitlines()[0][:40])
def test_toml_examples_parse(text: str) -> None:
    tomllib.loads(text)


def test_routing_examples_make_a_valid_sweep() -> None:
    tables = [tomllib.loads(t) for t in blocks("toml")]
    merged: dict[str, dict] = {}
    for t in tables:
        for key in ("limits", "routing", "fallbacks"):
            merged.setdefault(key, {}).update(t.get(key, {}))
    Sweep(dataset="x.jsonl", models=["a/b"], prompt="{{ q }}", **merged)


def test_scorer_examples_build() -> None:
    from orkit.scorers import scorer_from_spec

    tables = [s for t in blocks("toml") for s in tomllib.loads(t).get("scorers", [])]
    kinds = {s["kind"] for s in tables}
    assert {"multiple_choice", "json_schema", "python", "judge_rubric", "judge_pairwise"} <= kinds
    for spec in tables:
        if spec["kind"] != "python":  # its checks.py lives next to the reader's spec
            scorer_from_spec(spec)


def test_rescore_examples_parse() -> None:
    import shlex

    from orkit.cli import build_parser

    lines = [
        line.split("#")[0] if " #" in line else line
        for block in blocks("bash")
        for line in block.splitlines()
        if line.startswith("orkit rescore")
    ]
    assert len(lines) == 3
    for line in lines:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.func.__name__ == "rescore"
