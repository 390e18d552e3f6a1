"""`orkit sim --local-server`: the mode is in the help, serves `/v1` as llama.cpp does (and
`/api/v1` still), and its startup lines say exactly what to paste.

The issue's reproductions: `orkit sim --help` never mentioned the mode (it existed only as
`local_server = true` in a `--config` file), and `--endpoint http://127.0.0.1:PORT/v1`
against it answered 404 to everything, since it served `/api/v1` only.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit.cli import main as orkit_main
from orkit.sim import ModelProfile, SimConfig, SimProcess, create_app, serve_in_thread
from orkit.sim.app import api_path
from orkit.sim.cli import DEFAULT_LOCAL_MODEL

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`orkit sim` prints its lines, then returns instead of serving (the apps it built)."""
    import orkit.sim.server as server

    apps: list[Any] = []

    def stop_at_once(app: object, sock: socket.socket, log_level: str = "warning") -> None:
        apps.append(app)
        raise KeyboardInterrupt  # what Ctrl-C does: the lines are printed by then

    monkeypatch.setattr(server, "serve_forever", stop_at_once)
    return apps


def _start(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = orkit_main(["sim", "--port", "0", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_the_help_documents_the_local_server_mode(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        orkit_main(["sim", "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines at will
    for said in (
        "--local-server",
        "llama.cpp, vLLM or Ollama",
        "its API under /v1",
        "OpenAI's shape without prices",
        "/key, /credits and /generation answer 404",
        "no key is needed",
        "streams end without usage",
        "--model ID",
        "--slots N",
        f"--endpoint http://127.0.0.1:8080/v1 \\ --model {DEFAULT_LOCAL_MODEL}",
    ):
        assert said in text, said


def test_local_server_prints_the_v1_url_and_the_run_command_to_paste(
    capsys: pytest.CaptureFixture[str], started: list[Any]
) -> None:
    code, lines, err = _start(capsys, "--local-server")
    assert code == 0 and err == ""
    url = lines[0].removeprefix("OPENROUTER_BASE_URL=")
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    assert not url.endswith("/api/v1")
    assert lines[1] == "# no OPENROUTER_API_KEY needed: a local server answers without a key"
    assert (
        f"local-server emulator (like llama.cpp) serving {DEFAULT_LOCAL_MODEL} at {url}"
        in (lines[2])
    )
    assert lines[3] == (
        "orkit sim: try it from another shell (no key needed): orkit run "
        f"datasets/demo/sweep.toml --endpoint {url} --model {DEFAULT_LOCAL_MODEL}"
    )
    config = started[0].state.sim.config
    assert config.local_server and list(config.models) == [DEFAULT_LOCAL_MODEL]
    assert config.stream_usage is False  # as llama.cpp, vLLM and Ollama often do


def test_openrouter_mode_prints_an_exported_key_and_its_api_v1_command(
    capsys: pytest.CaptureFixture[str], started: list[Any]
) -> None:
    """Pasted without `export`, the key never reached the `orkit run` pasted after it."""
    from orkit.sim import SIM_API_KEY

    code, lines, _ = _start(capsys)
    url = lines[0].removeprefix("OPENROUTER_BASE_URL=")
    assert code == 0 and url.endswith("/api/v1")
    assert lines[1] == f"export OPENROUTER_API_KEY={SIM_API_KEY}"
    assert lines[3] == (
        "orkit sim: try it from another shell (after the export line above): "
        f"orkit run datasets/demo/sweep.toml --endpoint {url} --model {DEFAULT_LOCAL_MODEL}"
    )


def test_models_slots_and_stream_usage_flags_shape_the_local_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], started: list[Any]
) -> None:
    config_file = tmp_path / "local.toml"
    config_file.write_text(
        'stream_usage = true\n[models."openai/gpt-4o-mini"]\nttft_s = 0.25\n'
        '[models."anthropic/claude-haiku-4.5"]\nttft_s = 0.5\n'
    )
    code, lines, _ = _start(
        capsys,
        "--config",
        str(config_file),
        "--local-server",
        "--model",
        "openai/gpt-4o-mini",
        "--model",
        "google/gemini-2.5-flash",
        "--slots",
        "2",
    )
    assert code == 0
    assert lines[3].endswith("--model openai/gpt-4o-mini --model google/gemini-2.5-flash")
    config = started[0].state.sim.config
    assert list(config.models) == ["openai/gpt-4o-mini", "google/gemini-2.5-flash"]
    assert config.models["openai/gpt-4o-mini"].ttft_s == 0.25  # the config's profile kept
    assert config.max_concurrent == 2
    assert config.stream_usage is True  # the config said so; the flag's default yields
    code, _, _ = _start(capsys, "--local-server", "--stream-usage")
    assert code == 0 and started[1].state.sim.config.stream_usage is True


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--model", "openai/gpt-4o-mini"],
            "orkit sim: error: --model: only with --local-server (the OpenRouter emulator "
            "serves its whole catalog)",
        ),
        (
            ["--local-server", "--model", "openai/gpt-4o-mni"],
            "orkit sim: error: model 'openai/gpt-4o-mni': not in the emulator's catalog, "
            "whose models it plays; did you mean openai/gpt-4o-mini?",
        ),
        (
            ["--local-server", "--slots", "0"],
            "orkit sim: error: max_concurrent: must be >= 1, got 0",
        ),
    ],
    ids=["model-without-local-server", "unknown-model", "no-slots"],
)
def test_bad_local_server_flags_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], started: list[Any], args: list[str], error: str
) -> None:
    code, lines, err = _start(capsys, *args)
    assert code == 2 and lines == [] and started == []
    assert err.splitlines() == [error]


def _local_app() -> Any:
    return create_app(
        SimConfig(time_scale=0, local_server=True, models={DEFAULT_LOCAL_MODEL: ModelProfile()})
    )


def _chat(model: str = DEFAULT_LOCAL_MODEL) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": "What is 2 + 3?"}]}


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_a_local_server_serves_v1_and_api_v1(prefix: str) -> None:
    app = _local_app()
    with serve_in_thread(app=app) as url:
        root = url.removesuffix("/api/v1")
        models = httpx.get(f"{root}{prefix}/models", timeout=10)
        chat = httpx.post(f"{root}{prefix}/chat/completions", json=_chat(), timeout=10)
        key = httpx.get(f"{root}{prefix}/key", timeout=10)
    assert models.json()["data"][0]["id"] == DEFAULT_LOCAL_MODEL
    assert chat.status_code == 200 and chat.json()["choices"][0]["message"]["content"]
    assert key.status_code == 404
    assert app.state.sim.stats.not_found_by_path == {f"{prefix}/key": 1}


def test_the_openrouter_emulator_serves_api_v1_only() -> None:
    """As OpenRouter: `/v1` is a wrong base URL there, which orkit must say."""
    with serve_in_thread(SimConfig(time_scale=0)) as url:
        root = url.removesuffix("/api/v1")
        assert httpx.get(f"{root}/v1/models", timeout=10).status_code == 404
        assert httpx.get(f"{url}/models/count", timeout=10).status_code == 200


def test_api_path_is_the_one_of_the_server_played() -> None:
    assert api_path(SimConfig()) == "/api/v1"
    assert api_path(_local_app().state.sim.config) == "/v1"


@pytest.mark.subprocess
def test_sim_process_of_a_local_server_gives_its_v1_url() -> None:
    config = SimConfig(
        time_scale=0, local_server=True, models={DEFAULT_LOCAL_MODEL: ModelProfile()}
    )
    with SimProcess(config) as url:
        assert url.endswith("/v1") and not url.endswith("/api/v1")
        assert httpx.get(f"{url}/models", timeout=10).status_code == 200


@pytest.fixture
def demo_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory laid out as a clone's root, for the demo spec's relative path."""
    shutil.copytree(ROOT / "datasets" / "demo", tmp_path / "datasets" / "demo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(params=[["--local-server"], []], ids=["local-server", "openrouter"])
def sim_process_lines(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """`python -m orkit.sim [--local-server]` on a free port: its startup lines."""
    command = [sys.executable, "-m", "orkit.sim", *request.param, "--port", "0"]
    command += ["--time-scale", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            yield [proc.stdout.readline().rstrip("\n") for _ in range(4)]
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.subprocess
def test_the_printed_lines_work_as_pasted(
    demo_clone: Path,
    sim_process_lines: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The new user's path: `orkit sim [--local-server]`, then what it prints: the key line
    (a shell export, or a comment), then the `orkit run` command."""
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    key_line = shlex.split(sim_process_lines[1], comments=True)
    if key_line:  # `export OPENROUTER_API_KEY=...`, as the shell would run it
        assert key_line[0] == "export"
        name, _, value = key_line[1].partition("=")
        monkeypatch.setenv(name, value)
    argv = shlex.split(sim_process_lines[3].split(": ", 2)[2])
    assert argv[:2] == ["orkit", "run"]
    code = orkit_main([*argv[1:], "--yes", "--quiet", "--no-report"])
    assert code == 0, capsys.readouterr().err
    (run_dir,) = (demo_clone / "runs").iterdir()
    rows = pd.read_parquet(run_dir / "results")
    assert len(rows) == 300 and set(rows["status"]) == {"ok"}
    assert set(rows["model"]) == {DEFAULT_LOCAL_MODEL}
    url = sim_process_lines[0].removeprefix("OPENROUTER_BASE_URL=")
    root = url.removesuffix("/v1").removesuffix("/api")
    stats = httpx.get(f"{root}/_sim/stats", timeout=10).json()
    assert stats["by_model"][DEFAULT_LOCAL_MODEL] >= 1


def test_an_embedding_model_can_be_served(
    capsys: pytest.CaptureFixture[str], started: list[Any]
) -> None:
    # issue 18: the local server's /v1/embeddings, with a model vLLM would serve for it
    argv = ["--local-server", "--model", "openai/gpt-4o-mini", "--model", "baai/bge-m3"]
    code, _, _ = _start(capsys, *argv)
    assert code == 0
    assert list(started[0].state.sim.config.models) == ["openai/gpt-4o-mini", "baai/bge-m3"]
