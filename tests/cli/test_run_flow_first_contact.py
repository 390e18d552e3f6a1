"""What a new user found in the `orkit run` / `orkit estimate` flow (issue 12, first contact):
each test is one reproduction, run through the CLI as the user typed it."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orkit.cli import main
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    items = tmp_path / "items.jsonl"
    items.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"{i} + 1?", "answer": str(i + 1)}) + "\n"
            for i in range(6)
        )
    )
    path = tmp_path / "s.toml"
    path.write_text(
        f'dataset = "items.jsonl"\nmodels = ["{MODEL}"]\nendpoint = "sim"\n'
        f'out = "{tmp_path / "runs"}"\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 16\n'
        '[[scorers]]\nkind = "exact"\nexpected = "answer"\n[sim]\ntime_scale = 0.0\n'
    )
    return path


def _error_line(err: str) -> str:
    (line,) = [ln for ln in err.splitlines() if ln.strip()]
    return line


# --------------------------------------------------------------- the pilot's question


def test_a_pilot_without_a_terminal_says_a_pilot_always_asks(
    spec: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # it said "above the -$1.00 that needs a yes": the threshold that makes a pilot always ask
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal to ask on
    code = main(["estimate", str(spec), "--pilot", "2"])
    err = capsys.readouterr().err
    assert code == 2
    line = _error_line(err)
    assert "-$" not in line
    assert "the pilot could cost up to $" in line
    assert "and a pilot always needs a yes; pass --yes to go ahead without asking" in line
    assert not (spec.parent / "runs").exists()  # nothing ran


# --------------------------------------------------------------- the parser


@pytest.mark.parametrize("command", ["run", "estimate"])
def test_an_unknown_option_is_reported_with_the_commands_usage(
    spec: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, str(spec), "--bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith(f"usage: orkit {command} ")  # not `usage: orkit [-h] ... COMMAND`
    assert err.rstrip().endswith(f"orkit {command}: error: unrecognized arguments: --bogus")


# --------------------------------------------------------------- errors name their source


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["-c", "0"], "--concurrency: must be an integer >= 1, got 0"),
        (
            ["--param", "temperature=5"],
            "--param temperature=5: must be a number from 0 to 2, got 5",
        ),
        (
            ["-m", "openai/x", "-m", "openai/x"],
            "--model: 'openai/x' is given twice; give each model once",
        ),
        (
            ["--param", 'provider={"zdr": 3}'],
            "--param provider={\"zdr\": 3}: field 'zdr': must be true or false, got 3",
        ),
        (["--budget", "0"], "--budget: must be a number > 0, got 0.0"),
        (["--prompt", " "], "--prompt: a prompt template is required"),
        (
            ["--prompt-cache", "sys"],
            "--prompt-cache: must be one of 'none', 'system', 'auto', 'message:N' "
            "(N a message index, 0-based), got 'sys'",
        ),
        (["--cache-ttl", "2h"], "--cache-ttl: must be '5m' or '1h', got '2h'"),
    ],
    ids=[
        "concurrency",
        "param",
        "model-twice",
        "nested-param",
        "budget",
        "prompt",
        "prompt-cache",
        "cache-ttl",
    ],
)
@pytest.mark.parametrize("command", ["run", "estimate"])
def test_a_bad_value_from_a_flag_names_the_flag_not_the_spec_file(
    spec: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    flags: list[str],
    expected: str,
) -> None:
    # each said `s.toml, field '...': ...`, as if the file held the value
    code = main([command, str(spec), *flags])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert _error_line(err) == f"orkit: error: {expected}"


def test_a_bad_value_from_flags_alone_names_the_flag(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = spec.parent / "items.jsonl"
    args = ["run", str(items), "--prompt", "{{ question }}", "-m", MODEL, "-m", MODEL]
    assert main([*args, "--endpoint", "sim"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == f"orkit: error: --model: {MODEL!r} is given twice; give each model once"


def test_a_bad_value_in_the_spec_file_still_names_the_file(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = spec.read_text().replace("max_tokens = 16", "max_tokens = 16\ntemperature = 9")
    spec.write_text(text)
    # a flag that sets something else leaves the blame where the value is
    assert main(["run", str(spec), "-c", "2", "--param", "seed=1", "--dry-run"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == (
        f"orkit: error: {spec}, field 'params.temperature': must be a number from 0 to 2, got 9"
    )


def test_a_param_flag_that_is_also_a_grid_axis_names_both(
    spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec.write_text(spec.read_text() + "[grid]\ntemperature = [0, 1]\n")
    assert main(["run", str(spec), "--param", "temperature=0", "--dry-run"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert line == (
        f"orkit: error: --param temperature=0: temperature is also a [grid] axis of {spec}; "
        "give it once"
    )


# --------------------------------------------------------------- the server, before any estimate


def _chat_requests(url: str) -> int:
    stats = httpx.get(url.rsplit("/api/v1", 1)[0] + "/_sim/stats").json()
    return int(stats["requests"])


@pytest.fixture
def local_url() -> Iterator[str]:
    """A local server (the emulator in local-server mode) serving MODEL only."""
    config = SimConfig(time_scale=0.0, local_server=True, models={MODEL: ModelProfile()})
    with serve_in_thread(app=create_app(config)) as url:
        yield url


@pytest.fixture
def keyed_url() -> Iterator[str]:
    """The emulator on 127.0.0.1, taking one API key only."""
    config = SimConfig(time_scale=0.0, api_keys=("sk-or-v1-good",))
    with serve_in_thread(app=create_app(config)) as url:
        yield url


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A URL nothing answers on: a port held bound (so no one else takes it), never listened
    on, so a connection is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}/v1"


@pytest.mark.parametrize("dry", [True, False], ids=["dry-run", "run"])
@pytest.mark.parametrize("server", ["local_url", "keyed_url"], ids=["local", "orkit-sim"])
def test_a_model_the_url_endpoint_does_not_serve_is_caught_by_the_dry_run_too(
    spec: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    server: str,
    dry: bool,
) -> None:
    # the dry run said "dry run: nothing was sent" (exit 0); the real run then exit 2
    url = request.getfixturevalue(server)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-good")  # as `orkit sim` prints it
    mode = ["--dry-run"] if dry else ["--yes", "--no-report"]
    code = main(["run", str(spec), *mode, "--endpoint", url, "-m", "openai/gpt-4o-mni"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert _error_line(err) == (
        f"orkit: error: {url} does not serve 'openai/gpt-4o-mni'; did you mean {MODEL}?"
    )
    assert _chat_requests(url) == 0
    assert not (spec.parent / "runs").exists()


def test_the_dry_run_passes_a_url_endpoint_that_serves_the_model(
    spec: Path, local_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(spec), "--dry-run", "--endpoint", local_url]) == 0
    assert f"endpoint {local_url}; dry run: nothing was sent" in capsys.readouterr().out
    assert _chat_requests(local_url) == 0


@pytest.mark.parametrize("mode", [[], ["--yes"], ["--dry-run"]], ids=["run", "yes", "dry-run"])
def test_a_rejected_key_is_one_line_before_any_estimate(
    spec: Path,
    keyed_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    mode: list[str],
) -> None:
    # it printed the whole estimate table, then the error
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-revoked")
    code = main(["run", str(spec), "--endpoint", keyed_url, "--no-report", *mode])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "rejected the API key" in _error_line(err)
    assert _chat_requests(keyed_url) == 0
    assert not (spec.parent / "runs").exists()


@pytest.mark.parametrize("mode", [[], ["--yes"], ["--dry-run"]], ids=["run", "yes", "dry-run"])
def test_an_unreachable_url_endpoint_is_one_line_before_any_estimate(
    spec: Path, refused_url: str, capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    code = main(["run", str(spec), "--endpoint", refused_url, "--no-report", *mode])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert _error_line(err).startswith(f"orkit: error: cannot reach {refused_url}: ")
    assert not (spec.parent / "runs").exists()


# --------------------------------------------------------------- the user's input, before the key


@pytest.mark.parametrize("dry", [[], ["--dry-run"], ["--yes"]], ids=["run", "dry-run", "yes"])
def test_a_missing_dataset_is_said_before_a_missing_key(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dry: list[str],
) -> None:
    # `orkit run nope.jsonl ...` (default endpoint: openrouter, no key) said "no OpenRouter
    # API key" for a dataset that is not there
    monkeypatch.chdir(tmp_path)
    code = main(["run", "nope.jsonl", "-m", MODEL, "--prompt", "x", *dry])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert _error_line(err) == "orkit: error: nope.jsonl: no such file"


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["--prompt", "{{ nope }}"], "uses variable 'nope' but"),
        (["--model", "openai/gpt-4o-mni"], "gpt-4o-mini"),  # did you mean
    ],
    ids=["prompt-column", "model-id"],
)
def test_the_users_own_input_is_checked_before_the_key(
    spec: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    expected: str,
) -> None:
    items = spec.parent / "items.jsonl"
    args = ["run", str(items), "--prompt", "{{ question }}", "-m", MODEL, *flags]
    assert main([*args, "--endpoint", "openrouter"]) == 2
    line = _error_line(capsys.readouterr().err)
    assert expected in line and "API key" not in line


# --------------------------------------------------------------- --quiet


@pytest.mark.parametrize("quiet", [True, False], ids=["quiet", "not-quiet"])
def test_quiet_prints_only_where_the_run_is(
    spec: Path,
    no_usage_url: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    quiet: bool,
) -> None:
    # `-q` still printed "... sends no token counts on streams: ..." (a log notice: on a
    # console it goes to stderr; here pytest's log capture sees what would be printed)
    args = ["run", str(spec), "--endpoint", no_usage_url, "--yes", "--no-report"]
    assert main([*args, *(["-q"] if quiet else ["--progress", "none"])]) == 0
    out, err = capsys.readouterr()
    (run_dir,) = (spec.parent / "runs").iterdir()
    notices = [r.getMessage() for r in caplog.records if r.name.startswith("orkit")]
    said = any("sends no token counts on streams" in n for n in notices)
    if quiet:
        assert out.splitlines() == [f"run directory: {run_dir}"]
        assert err == "" and not said
    else:  # the same run, not quiet: the estimate, the summary and the notice
        assert "TOTAL" in out and f"run directory: {run_dir}" in out
        assert said
    assert logging.getLogger("orkit").level == logging.NOTSET  # restored after the command
