"""`orkit run --connect-timeout/--first-byte-timeout/--idle-timeout/--read-timeout`: they
override the spec, reach the client of the run, are kept in the manifest for a resume, and
a bad value is one line naming the setting with nothing sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import orkit.plan._assemble as runner
from orkit.cli import main
from orkit.config import Timeouts
from orkit.plan import open_client

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"question": f"q{i}?"}) + "\n" for i in range(3)))
    path = tmp_path / "s.toml"
    path.write_text(
        f'dataset = "{items}"\nmodels = ["{MODEL}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\nidle_timeout_s = 50\nfirst_byte_timeout_s = 40\n'
        '[prompt]\ntemplate = "{{ question }}"\n[sim]\ntime_scale = 0\n'
    )
    return path


def test_flags_override_the_spec_and_reach_the_client(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    seen: list[Timeouts] = []
    real_open_client = open_client

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["timeouts"])
        return real_open_client(*args, **kwargs)

    monkeypatch.setattr(runner, "open_client", spy)
    flags = ["--idle-timeout", "7", "--connect-timeout", "4", "--read-timeout", "90"]
    code = main(["run", str(spec), *flags, "-q", "--no-estimate", "--no-report"])
    capsys.readouterr()
    assert code == 0
    # the spec's first_byte_timeout_s stays: --read-timeout is only its default
    assert seen == [Timeouts(connect=4, first_byte=40, idle=7, read=90)]
    (manifest,) = (tmp_path / "runs").glob("*/manifest.json")
    stored = json.loads(manifest.read_text())["spec"]
    assert (stored["connect_timeout_s"], stored["first_byte_timeout_s"]) == (4, 40)
    assert (stored["idle_timeout_s"], stored["read_timeout_s"]) == (7, 90)


def test_a_bad_flag_value_is_one_line_and_nothing_is_sent(
    spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a client was opened: something would have been sent")

    monkeypatch.setattr(runner, "open_client", forbidden)
    code = main(["run", str(spec), "--idle-timeout", "0", "-q"])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0] == "orkit: error: --idle-timeout: must be a number of seconds > 0, got 0.0"
    assert not (tmp_path / "runs").exists()


def test_the_help_and_the_readme_state_the_defaults_that_apply(capsys) -> None:
    from orkit import Sweep

    def sweep(read_timeout_s: float | None = None) -> Sweep:
        return Sweep(
            dataset=[{"q": "x"}], models=[MODEL], prompt="{{ q }}", read_timeout_s=read_timeout_s
        )

    unset, given = sweep().timeouts(), sweep(read_timeout_s=77).timeouts()
    assert (given.first_byte, given.idle, given.read) == (77, 77, 77)
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    rows = {
        line.split("|")[1].strip(" `"): line
        for line in readme.splitlines()
        if "_timeout_s` |" in line
    }

    for flag, name, seconds in (
        ("--first-byte-timeout", "first_byte_timeout_s", unset.first_byte),
        ("--idle-timeout", "idle_timeout_s", unset.idle),
    ):
        flag_help = help_text.split(f"{flag} S ", 1)[1].split(")", 1)[0] + ")"
        assert f"default: --read-timeout if given, else {seconds:g})" in flag_help
        assert f"`read_timeout_s` if set, else {seconds:g} |" in rows[name]
    read_help = help_text.split("--read-timeout S ", 1)[1]
    assert f"(default: unset; a non-streamed answer then gets {unset.read:g})" in read_help
    assert f"| unset (a non-streamed answer then gets {unset.read:g}) |" in rows["read_timeout_s"]
