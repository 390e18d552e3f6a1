"""`orkit report RUN [RUN …]`: one file from one or several runs, its flags, and bad input
answered with one line and exit 2 before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit.cli import main

from .page_data import page_data


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two small emulator runs of the same items, one model each."""
    root = tmp_path_factory.mktemp("report_cli")
    items = root / "items.jsonl"
    items.write_text("".join(f'{{"q": "{i} + 1?"}}\n' for i in range(4)))
    for model in ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5"):
        args = ["run", "--dataset", str(items), "--prompt", "{{ q }}", "--model", model]
        flags = ["--endpoint", "sim", "--out", str(root / "runs"), "--yes", "--no-cache"]
        assert main([*args, *flags, "--no-report", "-q"]) == 0
    return sorted((root / "runs").iterdir())


def test_one_file_from_several_runs_named_after_the_first(two_runs, tmp_path, monkeypatch, capsys):
    runs = two_runs
    monkeypatch.chdir(tmp_path)
    assert main(["report", *map(str, runs)]) == 0
    written = tmp_path / "reports" / f"{runs[0].name}+1.html"
    assert written.is_file()
    assert f"report: reports/{runs[0].name}+1.html" in capsys.readouterr().out
    data = page_data(written.read_text("utf-8"))
    assert [c["model"] for c in data["contestants"]] == [
        "openai/gpt-4o-mini",
        "anthropic/claude-haiku-4.5",
    ]
    assert len(data["runs"]) == 2 and data["items"]["shown"] == 4


def test_open_hands_the_file_to_the_browser_or_says_where_it_is(
    two_runs, tmp_path, monkeypatch, capsys
):
    runs = two_runs
    opened: list[str] = []

    def no_browser(url: str) -> bool:
        opened.append(url)
        return False

    monkeypatch.setattr("webbrowser.open", no_browser)
    out = tmp_path / "r.html"
    assert main(["report", str(runs[0]), "-o", str(out), "--open"]) == 0
    assert opened == [out.resolve().as_uri()]
    assert f"no web browser found: open {out} yourself" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--max-items", "0"], "--max-items must be at least 1, got 0"),
        (["--max-text", "0"], "--max-text must be at least 1, got 0"),
        (["-o", "report.pdf"], "-o report.pdf: the report is one HTML file; name it FILE.html"),
    ],
)
def test_bad_flags_are_one_line_and_write_nothing(
    two_runs, tmp_path, monkeypatch, capsys, flags, message
):
    runs = two_runs
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(runs[0]), *flags]) == 2
    err = capsys.readouterr().err
    assert err == f"orkit: error: {message}\n"
    assert not (tmp_path / "reports").exists()


def test_a_run_given_twice_or_missing_is_named(two_runs, tmp_path, capsys):
    runs = two_runs
    assert main(["report", str(runs[0]), str(runs[0])]) == 2
    assert (
        capsys.readouterr().err == f"orkit: error: the same run was given twice: {runs[0].name}\n"
    )
    missing = tmp_path / "nope"
    assert main(["report", str(runs[0]), str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"orkit: error: {missing}: not a run directory (no manifest.json)\n"
    )


def test_run_report_refuses_a_path_that_is_not_html_and_writes_nothing(two_runs, tmp_path):
    from orkit import open_run
    from orkit.errors import ConfigError

    target = tmp_path / "report.pdf"
    with pytest.raises(ConfigError, match=r"report\.pdf: a report is one HTML file"):
        open_run(two_runs[0]).report(target)
    assert not target.exists() and not list(tmp_path.glob(".report.pdf*"))
