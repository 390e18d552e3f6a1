"""The README's promises: two commands first, the second one is what CI runs, and every TOML
example in it is accepted by orkit's own loaders, each block on its own: the whole spec
loads and runs, each partial one completes a minimal spec, the emulator config loads."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from orkit import load_spec
from orkit.errors import ConfigError
from orkit.plan import SweepDefinition, spec_from_dict
from orkit.sim import SimConfig

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


# Every TOML block of the README, by its first line, and what it is. A block the README
# offers as a spec that runs must load and run as it stands; the others are deliberately
# partial (a table or two the reader adds to their spec) and are checked on their own,
# completed by MINIMAL_SPEC and nothing else; the emulator's config file is checked by the
# emulator's loader. A new block must be added here (the test below says so).
WHOLE_SPEC = "whole spec, runs as it stands"
FRAGMENT = "deliberately partial: tables added to a spec"
SIM_CONFIG = "an emulator config file (orkit sim --config), not a spec"
TOML_BLOCKS = {
    'name = "demo"': WHOLE_SPEC,
    "[prompts.terse]": FRAGMENT,
    "[prompt]": FRAGMENT,
    "[[scorers]]": FRAGMENT,
    '[limits."openai/gpt-4o-mini"]': FRAGMENT,
    "[routing]": FRAGMENT,
    "[fallbacks]": FRAGMENT,
    "[params]": FRAGMENT,
    "max_turns = 3": FRAGMENT,
    "models = [": FRAGMENT,
    "[response_format]": FRAGMENT,
    "[params.reasoning]": FRAGMENT,
    "local_server = true": SIM_CONFIG,
    "[faults]": SIM_CONFIG,
}
# What a fragment lacks to be a spec: a dataset, models (two: a pairwise judge needs one
# besides its baseline) and a prompt.
MINIMAL_SPEC = {
    "dataset": "items.jsonl",
    "models": ["openai/gpt-4o-mini", "openai/gpt-oss-20b:free"],
    "prompt": {"template": "{{ question }}"},
}


def first_line(text: str) -> str:
    return text.strip().splitlines()[0].split("#")[0].strip()


def toml_block(kind: str) -> list[str]:
    return [t for t in blocks("toml") if TOML_BLOCKS.get(first_line(t)) == kind]


def reader_files(where: Path) -> None:
    """The files the README's specs name next to themselves: a dataset, a prompt file and
    the `checks.py` of the python scorer."""
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)} for i in range(3)
    ]
    (where / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (where / "think-then-answer.j2").write_text("Think step by step, then answer: {{ question }}")
    (where / "checks.py").write_text("def polite(output):\n    return 'please' in output\n")
    (where / "shots.jsonl").write_text('{"input": "Capital of France?", "output": "Paris"}\n')


def test_every_toml_block_is_classified() -> None:
    found = [first_line(t) for t in blocks("toml")]
    assert sorted(found) == sorted(TOML_BLOCKS), "a README TOML block is new or gone"


@pytest.mark.integration
@pytest.mark.parametrize("text", toml_block(WHOLE_SPEC), ids=first_line)
def test_whole_specs_load_and_run(text: str, tmp_path: Path) -> None:
    reader_files(tmp_path)
    (tmp_path / "spec.toml").write_text(text)
    sweep = load_spec(tmp_path / "spec.toml")  # the spec loader `orkit run` uses
    assert tomllib.loads(text)["models"] == sweep.models
    run = sweep.run(progress=False)
    rows = run.to_pandas()
    assert run.manifest["status"] == "completed"
    assert len(rows) == 3 * len(sweep.models) and (rows["status"] == "ok").all()


@pytest.mark.parametrize("text", toml_block(FRAGMENT), ids=first_line)
def test_each_fragment_is_accepted_on_its_own(text: str, tmp_path: Path) -> None:
    reader_files(tmp_path)
    fragment = tomllib.loads(text)
    spec = {**MINIMAL_SPEC, **fragment}
    if "prompts" in fragment:
        del spec["prompt"]  # a spec gives [prompt] or [prompts.<id>]
    sweep: SweepDefinition = spec_from_dict(
        spec, base=tmp_path, where="README.md", into=SweepDefinition
    )
    for table in ("limits", "routing", "fallbacks", "grid"):
        if table in fragment:
            assert getattr(sweep, table), f"[{table}] was dropped"


def test_the_commented_provider_alternatives_are_accepted_too(tmp_path: Path) -> None:
    (params,) = [t for t in toml_block(FRAGMENT) if first_line(t) == "[params]"]
    alternatives = [
        line.removeprefix("# ").split("  #")[0]
        for line in params.splitlines()
        if line.startswith("# provider = ")
    ]
    assert len(alternatives) == 4
    for line in alternatives:
        provider = tomllib.loads(line)["provider"]
        spec = {**MINIMAL_SPEC, "params": {"provider": provider}}
        sweep = spec_from_dict(spec, base=tmp_path, where=line, into=SweepDefinition)
        assert sweep.params["provider"] == provider


@pytest.mark.parametrize("text", toml_block(SIM_CONFIG), ids=first_line)
def test_sim_config_examples_are_accepted_by_the_emulator(text: str) -> None:
    config = SimConfig.from_dict(tomllib.loads(text))
    if first_line(text) == "[faults]":  # the correlated-fault bursts, each as written
        assert config.faults is not None
        bursts = config.faults.bursts
        assert [(b.start_s, b.end_s, b.retry_after_s) for b in bursts] == [
            (2.0, 10.0, None),  # None: the profile's retry_after_s
            (3.0, 8.0, 1.0),
        ]
        assert bursts[1].providers == ("deepinfra",) and config.faults.status == {500: 0.02}
    else:
        assert config.local_server and config.max_concurrent == 1


def test_a_bad_key_in_one_fragment_is_caught_even_when_another_block_has_it_right(
    tmp_path: Path,
) -> None:
    # what merging every block into one dict let through: the typo is caught on its own
    (routing,) = [t for t in toml_block(FRAGMENT) if first_line(t) == "[routing]"]
    bad = tomllib.loads(routing.replace("max_attempts", "max_attemps"))
    with pytest.raises(ConfigError, match="max_attemps"):
        spec_from_dict(
            {**MINIMAL_SPEC, **bad}, base=tmp_path, where="README.md", into=SweepDefinition
        )


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
