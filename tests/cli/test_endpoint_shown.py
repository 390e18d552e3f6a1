"""The dry run and the report header name the endpoint by its URL (or as the in-process
emulator), not by the word "url", and never show a key or a password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from orkit.cli import main
from orkit.config import OPENROUTER_BASE_URL
from orkit.results import endpoint_label
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread
from tests.report.page_data import page_data


@pytest.mark.parametrize(
    ("described", "shown"),
    [
        ({"kind": "sim", "base_url": "http://sim.local/api/v1"}, "emulator (in-process)"),
        ({"kind": "openrouter", "base_url": OPENROUTER_BASE_URL}, "https://openrouter.ai/api/v1"),
        ({"kind": "url", "base_url": "http://127.0.0.1:8080/v1"}, "http://127.0.0.1:8080/v1"),
        (
            {"kind": "url", "base_url": "https://me:sk-or-v1-abc@proxy.example/v1?key=sk-or-v1-x"},
            "https://proxy.example/v1",
        ),
        ({"kind": "url", "base_url": "http://[::1]:8000/v1"}, "http://[::1]:8000/v1"),
        (None, "unknown"),
    ],
    ids=["sim", "openrouter", "url", "credentials-dropped", "ipv6", "missing"],
)
def test_endpoint_label(described: dict[str, str] | None, shown: str) -> None:
    assert endpoint_label(described) == shown


@pytest.fixture
def items(tmp_path: Path) -> Path:
    path = tmp_path / "items.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"q{i}", "question": f"{i} + 1?"}) + "\n" for i in range(3))
    )
    return path


@pytest.fixture
def local_host() -> Iterator[str]:
    """`host:port` of a local server serving some/model (a dry run asks its /models)."""
    config = SimConfig(time_scale=0.0, local_server=True, models={"some/model": ModelProfile()})
    with serve_in_thread(app=create_app(config)) as url:
        yield urlsplit(url).netloc


def _dry_run(capsys: pytest.CaptureFixture[str], items: Path, endpoint: str) -> str:
    args = ["run", "--dataset", str(items), "--prompt", "{{ question }}", "-m", "some/model"]
    assert main([*args, "--endpoint", endpoint, "--dry-run"]) == 0
    return capsys.readouterr().out


def test_the_dry_run_names_a_url_endpoint_by_its_url(capsys, items, local_host) -> None:
    out = _dry_run(capsys, items, f"http://{local_host}/api/v1")
    assert f"endpoint http://{local_host}/api/v1;" in out
    assert "endpoint url" not in out


def test_the_dry_run_never_shows_credentials_in_the_url(capsys, items, local_host) -> None:
    out = _dry_run(capsys, items, f"http://me:sk-or-v1-secret@{local_host}/api/v1?api_key=sk-x")
    assert f"endpoint http://{local_host}/api/v1;" in out
    assert "secret" not in out and "sk-x" not in out


def test_the_dry_run_names_the_emulator(capsys, items) -> None:
    args = ["run", "--dataset", str(items), "--prompt", "{{ question }}"]
    assert main([*args, "-m", "openai/gpt-4o-mini", "--endpoint", "sim", "--dry-run"]) == 0
    assert "endpoint emulator (in-process);" in capsys.readouterr().out


def test_the_report_header_names_the_endpoint_by_its_url(
    tmp_path, capsys, items, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread

    monkeypatch.setenv("OPENROUTER_API_KEY", SIM_API_KEY)

    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        code = main(
            [
                "run",
                "--dataset",
                str(items),
                "--prompt",
                "{{ question }}",
                "-m",
                "openai/gpt-4o-mini",
                "--endpoint",
                url,
                "--out",
                str(tmp_path / "runs"),
                "--report",
                str(tmp_path / "report.html"),
                "--no-estimate",
                "-q",
            ]
        )
    assert code == 0, capsys.readouterr().err
    html = (tmp_path / "report.html").read_text()
    (header,) = page_data(html)["runs"]
    assert header["endpoint"] == url  # not the endpoint's kind, "url"
    assert SIM_API_KEY not in html
