"""The issue's reproduction: `orkit run ... --endpoint http://127.0.0.1:PORT/v1` against an
emulator that serves `/api/v1` (`orkit sim` as OpenRouter) printed the full estimate,
started, and left a `stopped` run directory (exit 1).

The stop names the URL to use, and comes before the estimate and before any run
directory: the endpoint preflight (`batch/_endpoint.check_endpoint`) raises when
`answering_base_url` finds the same server answering under another path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from orkit.cli import main
from orkit.sim import SimConfig, serve_in_thread

if TYPE_CHECKING:
    from .conftest import RunArgs

MODEL = "openai/gpt-4o-mini"


@pytest.fixture
def emulator_url() -> Iterator[str]:
    """The OpenRouter emulator on loopback (it serves `/api/v1` only, as OpenRouter)."""
    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        yield url


def _sent(url: str) -> int:
    stats: dict[str, Any] = httpx.get(url.removesuffix("/api/v1") + "/_sim/stats").json()
    return int(stats["requests"])


def test_a_v1_url_for_an_api_v1_server_stops_naming_the_url_to_use(
    tmp_path: Path,
    emulator_url: str,
    run_args: RunArgs,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orkit.sim import SIM_API_KEY

    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    wrong = emulator_url.removesuffix("/api/v1") + "/v1"
    code = main(run_args(wrong, "--no-report", "--yes", items=20))
    err = capsys.readouterr().err
    assert code != 0
    assert (
        f"the base URL is wrong; {emulator_url}/models answers: use --endpoint {emulator_url}"
    ) in err
    assert _sent(emulator_url) == 0  # every request went to the missing path


def test_a_wrong_base_url_stops_before_the_estimate_and_the_run_directory(
    tmp_path: Path,
    emulator_url: str,
    run_args: RunArgs,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orkit.sim import SIM_API_KEY

    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)
    wrong = emulator_url.removesuffix("/api/v1") + "/v1"
    code = main(run_args(wrong, "--no-report", "--yes", items=20))
    captured = capsys.readouterr()
    assert code != 0
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    assert "TOTAL" not in captured.out  # no estimate table
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and wrong in lines[0] and f"use --endpoint {emulator_url}" in lines[0]
