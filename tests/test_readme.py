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
    first, second = blocks("bash")[:2]
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
