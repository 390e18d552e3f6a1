"""serve_in_thread, SimProcess, and the `orkit sim` / `python -m orkit.sim` command."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from orkit.cli import main as orkit_main
from orkit.sim import SIM_API_KEY, SimConfig, SimProcess

from .sim_testkit import AUTH, chat_body


def test_sim_api_key_looks_like_an_openrouter_key() -> None:
    assert SIM_API_KEY.startswith("sk-or-v1-")
    assert len(SIM_API_KEY) == len("sk-or-v1-") + 64
    int(SIM_API_KEY[9:], 16)


def test_loopback_server_serves_chat_and_stats(loopback) -> None:
    url, app = loopback
    assert url.startswith("http://127.0.0.1:") and url.endswith("/api/v1")
    response = httpx.post(f"{url}/chat/completions", json=chat_body(), headers=AUTH)
    assert response.status_code == 200
    stats = httpx.get(url.replace("/api/v1", "/_sim/stats")).json()
    assert stats == app.state.sim.stats_json()


@pytest.mark.subprocess
def test_sim_process_serves_until_exit() -> None:
    process = SimProcess(SimConfig(time_scale=0, seed=4))
    with process as url:
        response = httpx.post(f"{url}/chat/completions", json=chat_body(), headers=AUTH)
        assert response.status_code == 200
        config = httpx.get(url.replace("/api/v1", "/_sim/config")).json()
        assert config["seed"] == 4
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/models", timeout=1)


def test_bad_config_file_is_one_line_naming_the_field(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sim.toml"
    path.write_text("[faults]\nstall = 2.0\n")
    assert orkit_main(["sim", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"orkit sim: error: {path}: faults.stall: must be a probability in [0, 1], got 2.0"
    )
    missing = tmp_path / "nope.json"
    assert orkit_main(["sim", "--config", str(missing)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_port_in_use_is_one_line(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert orkit_main(["sim", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"orkit sim: error: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1


@pytest.mark.subprocess
def test_python_m_orkit_sim_prints_url_and_key_then_serves() -> None:
    command = [sys.executable, "-m", "orkit.sim", "--port", "0", "--time-scale", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip().removeprefix("OPENROUTER_BASE_URL=")
            key = proc.stdout.readline().strip().removeprefix("export OPENROUTER_API_KEY=")
            assert key == SIM_API_KEY
            models = httpx.get(f"{url}/models/count", timeout=10).json()
            assert models == {"data": {"count": 414}}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.parametrize("local_server", [False, True])
def test_orkit_sim_prints_a_key_only_when_the_server_needs_one(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, local_server: bool
) -> None:
    import orkit.sim.server as server

    def stop_at_once(app: object, sock: socket.socket, log_level: str = "warning") -> None:
        raise KeyboardInterrupt  # what Ctrl-C does: the lines are printed by then

    monkeypatch.setattr(server, "serve_forever", stop_at_once)
    config = tmp_path / "sim.toml"
    config.write_text(
        f"local_server = {'true' if local_server else 'false'}\n"
        '[models."openai/gpt-4o-mini"]\nttft_s = 0.1\n'
    )
    assert orkit_main(["sim", "--config", str(config), "--port", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("OPENROUTER_BASE_URL=http://127.0.0.1:")
    if local_server:
        assert lines[1] == "# no OPENROUTER_API_KEY needed: a local server answers without a key"
        assert not any("OPENROUTER_API_KEY=" in line for line in lines)
        assert SIM_API_KEY not in "\n".join(lines)
    else:
        assert lines[1] == f"export OPENROUTER_API_KEY={SIM_API_KEY}"


def test_a_local_server_answers_without_a_key() -> None:
    from orkit.sim import ModelProfile, create_app, serve_in_thread

    config = SimConfig(
        time_scale=0, local_server=True, models={"openai/gpt-4o-mini": ModelProfile()}
    )
    with serve_in_thread(app=create_app(config)) as url:
        response = httpx.post(f"{url}/chat/completions", json=chat_body(), timeout=10)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("config_text", "local_server"),
    [
        ('api_keys = ["sk-or-v1-alice", "sk-or-v1-bob"]\n', False),
        ('local_server = true\napi_keys = ["sk-local"]\n', True),
    ],
    ids=["openrouter", "local-server"],
)
def test_orkit_sim_with_api_keys_prints_a_key_it_accepts(
    tmp_path: Path,
    capsys,
    monkeypatch: pytest.MonkeyPatch,
    config_text: str,
    local_server: bool,
) -> None:
    """The issue's reproduction: with `api_keys` in the config, `orkit sim` printed the
    built-in key, which the server then answered with 401 "User not found"."""
    import orkit.sim.server as server

    served = []

    def stop_at_once(app: object, sock: socket.socket, log_level: str = "warning") -> None:
        served.append(app)
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve_forever", stop_at_once)
    config = tmp_path / "sim.toml"
    config.write_text(config_text + '[models."openai/gpt-4o-mini"]\nttft_s = 0.1\n')
    assert orkit_main(["sim", "--config", str(config), "--port", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    key = lines[1].removeprefix("export OPENROUTER_API_KEY=")
    assert key != lines[1] and key != SIM_API_KEY
    (app,) = served
    sim = app.state.sim  # type: ignore[attr-defined]
    assert sim.authenticate(f"Bearer {key}") == key  # the server's own check: accepted
    from orkit.sim.errors import SimError

    with pytest.raises(SimError):
        sim.authenticate(f"Bearer {SIM_API_KEY}")  # what it printed before: rejected
