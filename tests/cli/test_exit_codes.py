"""One exit-code table, applied by every command: the same problem gives the same code
whatever the verb (the issue found `runs/nope` giving 2 for `compare` and 1 for `report`,
`resume`, `rescore` and `retry`; an unreachable server 1 for `key` and 2 for `run`; and 0
for a run whose every task failed)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from orkit.cli import main
from orkit.cli._exit import ExitCode
from orkit.sim import SIM_API_KEY, FaultProfile, SimConfig, serve_in_thread

A = "openai/gpt-4o-mini"
UNREACHABLE = "http://127.0.0.1:9/v1"  # the discard port: nothing listens on loopback


def _code(args: list[str]) -> int:
    try:
        return int(main(args))
    except SystemExit as exc:  # argparse's own usage errors
        return int(exc.code or 0)


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(4))
    )
    return path


def _spec(tmp_path: Path, items: Path, tables: str = "", *, top: str = "") -> Path:
    """A spec on the in-process emulator; `top` adds top-level keys, `tables` tables."""
    path = tmp_path / "spec.toml"
    path.write_text(
        f'dataset = "{items}"\nmodels = ["{A}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\ncache = false\n{top}'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\n'
        "[sim]\ntime_scale = 0.0\n" + tables
    )
    return path


QUIET = ["-q", "--no-report"]


@pytest.fixture
def failed_run(tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A completed run whose every task failed with a 400 (a per-task failure)."""
    spec = _spec(tmp_path, items, '[sim.faults]\nstatus = {"400" = 1.0}\n')
    assert _code(["run", str(spec), *QUIET, "--no-estimate"]) == ExitCode.ALL_TASKS_FAILED
    capsys.readouterr()
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    path = tmp_path / "sim.toml"
    path.write_text("[faults]\nstall = 2.0\n")
    return path


# --------------------------------------------------------------------- a missing run dir

MISSING_RUN_VERBS = [
    ["resume", "{nope}"],
    ["retry", "{nope}", "--errors"],
    ["rescore", "{nope}", "--scorer", "exact"],
    ["report", "{nope}"],
    ["compare", "{nope}"],
    ["runs", "{nope}"],
]


@pytest.mark.parametrize("argv", MISSING_RUN_VERBS, ids=lambda a: a[0])
def test_a_missing_run_directory_is_bad_input_for_every_verb(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nope = str(tmp_path / "runs" / "nope")
    assert _code([a.format(nope=nope) for a in argv]) == ExitCode.BAD_INPUT
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("orkit: error: ") and "nope" in line


# --------------------------------------------------------------------------- bad input


BAD_INPUT: dict[str, Callable[[Path, Path, Path], list[str]]] = {
    "run": lambda tmp, items, cfg: ["run", str(_spec(tmp, items, top="concurrency = 0\n"))],
    "run-sim-table": lambda tmp, items, cfg: ["run", str(_spec(tmp, items, "concurency = 1\n"))],
    "run-dataset": lambda tmp, items, cfg: ["run", str(tmp / "nope.jsonl"), "-m", A],
    "estimate": lambda tmp, items, cfg: ["estimate", str(tmp / "notes.txt")],
    "rescore": lambda tmp, items, cfg: ["rescore", str(tmp), "--scorer", "{kind ="],
    "compare": lambda tmp, items, cfg: ["compare", str(tmp), "--alpha", "2"],
    "models": lambda tmp, items, cfg: ["models", "--limit", "0"],
    "key": lambda tmp, items, cfg: ["key", "--endpoint", "ftp://example.com"],
    "sim": lambda tmp, items, cfg: ["sim", "--config", str(cfg)],
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_2_for_every_verb(
    case: str,
    tmp_path: Path,
    items: Path,
    bad_config: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _code(BAD_INPUT[case](tmp_path, items, bad_config)) == ExitCode.BAD_INPUT
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


VERBS = ["run", "estimate", "resume", "retry", "rescore", "report", "compare", "runs"]
VERBS += ["models", "key", "sim"]


@pytest.mark.parametrize("verb", VERBS)
def test_an_unknown_option_is_2_for_every_verb(verb: str, capsys) -> None:
    assert _code([verb, "--no-such-option"]) == ExitCode.BAD_INPUT


# ----------------------------------------------------- a server that cannot be reached


@pytest.fixture
def dead_url_run(tmp_path: Path, items: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A run made on a loopback server that is gone by the time it is retried."""
    with serve_in_thread(SimConfig(time_scale=0.0, faults=FaultProfile(status={400: 1.0}))) as url:
        spec = _spec(tmp_path, items)
        code = _code(["run", str(spec), "--endpoint", url, *QUIET, "--no-estimate"])
        assert code == ExitCode.ALL_TASKS_FAILED, capsys.readouterr().err
    capsys.readouterr()
    (run_dir,) = (tmp_path / "runs").iterdir()
    return run_dir


@pytest.mark.parametrize("verb", ["run", "key", "retry"])
def test_an_unreachable_server_is_1_for_every_verb(
    verb: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    items: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    argv = {
        "run": lambda: ["run", str(_spec(tmp_path, items)), "--endpoint", UNREACHABLE, *QUIET],
        "key": lambda: ["key", "--endpoint", UNREACHABLE],
        "retry": lambda: ["retry", str(request.getfixturevalue("dead_url_run")), "--errors"],
    }[verb]()
    assert _code([*argv, *(["-q", "--no-report"] if verb == "retry" else [])]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert "cannot reach http://127.0.0.1:" in line


@pytest.fixture
def locked_server() -> Iterator[str]:
    with serve_in_thread(SimConfig(time_scale=0.0, api_keys=("sk-or-v1-someone-else",))) as url:
        yield url


@pytest.mark.parametrize("verb", ["run", "key"])
def test_a_rejected_key_is_1_for_every_verb(
    verb: str,
    locked_server: str,
    tmp_path: Path,
    items: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    argv = {
        "run": ["run", str(_spec(tmp_path, items)), "--endpoint", locked_server, *QUIET],
        "key": ["key", "--endpoint", locked_server],
    }[verb]
    assert _code(argv) == ExitCode.FAILED
    (line,) = capsys.readouterr().err.splitlines()
    assert "rejected the API key" in line and SIM_API_KEY not in line


def test_key_against_a_server_without_key_says_so_in_a_sentence(capsys) -> None:
    from orkit.sim import ModelProfile

    config = SimConfig(time_scale=0.0, local_server=True, models={A: ModelProfile()})
    with serve_in_thread(config) as url:
        assert _code(["key", "--endpoint", url]) == ExitCode.FAILED
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"orkit: error: {url} has no /key endpoint (local servers such as llama.cpp, vLLM and "
        "Ollama have none), so there is no key limit or usage to show"
    )


# --------------------------------------------------------------------- every task failed


def test_every_task_failed_is_4_for_run_and_retry(
    failed_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the run itself exited 4 (the fixture checks); after a retry whose every task failed
    # again it still has no answer; a resume has nothing to do: every task has a row
    assert _code(["retry", str(failed_run), "--errors", *QUIET]) == ExitCode.ALL_TASKS_FAILED
    err = capsys.readouterr().err
    assert "4 of 4 tasks failed; the most common errors:" in err
    assert _code(["resume", str(failed_run), *QUIET]) == ExitCode.OK
    assert capsys.readouterr().out.startswith("nothing to resume: every task of ")


def test_some_failed_tasks_still_exit_0(tmp_path: Path, items: Path, capsys) -> None:
    spec = _spec(tmp_path, items, '[sim.faults]\nstatus = {"400" = 0.5}\n')
    code = _code(["run", str(spec), *QUIET, "--no-estimate"])
    (run_dir,) = (tmp_path / "runs").iterdir()
    totals = json.loads((run_dir / "manifest.json").read_text())["totals"]["all"]
    assert 0 < totals["errors"] < totals["tasks"], totals  # the draws are seeded: always this mix
    assert code == ExitCode.OK


# ---------------------------------------------------------------------------- interrupted


@pytest.mark.parametrize("verb", ["run", "estimate", "resume", "retry", "rescore", "key"])
def test_ctrl_c_is_130_for_every_verb(
    verb: str,
    failed_run: Path,
    tmp_path: Path,
    items: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C lands where each command waits: on orkit's loop thread (`run_sync`). The real
    signal through a whole run is tested in test_interrupts.py."""
    import orkit._portal

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(orkit._portal, "run_sync", interrupted)
    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    argv = {
        "run": ["run", str(_spec(tmp_path, items)), *QUIET],
        "estimate": ["estimate", str(_spec(tmp_path, items))],
        "resume": ["resume", str(failed_run), *QUIET],
        "retry": ["retry", str(failed_run), "--errors", *QUIET],
        "rescore": ["rescore", str(failed_run), "--scorer", "exact", *QUIET],
        "key": ["key", "--endpoint", "sim"],
    }[verb]
    assert _code(argv) == ExitCode.INTERRUPTED
    assert capsys.readouterr().err.startswith("orkit: interrupted")


# ---------------------------------------------------------------------- the table itself


def test_the_readme_documents_every_exit_code(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    table = readme[readme.index("### Exit codes") :]
    for code in ExitCode:
        assert f"| {code.value} |" in table, code
