"""Each bad input ends in one clear line on stderr, a non-zero exit, and nothing sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main


@pytest.fixture
def nothing_sent(monkeypatch: pytest.MonkeyPatch):
    """Fail the test if the run gets as far as opening a connection."""
    import orkit.plan._assemble as runner

    def forbidden(*args, **kwargs):
        raise AssertionError("a client was opened: something would have been sent")

    monkeypatch.setattr(runner, "open_client", forbidden)


@pytest.fixture
def items(tmp_path: Path) -> Path:
    p = tmp_path / "items.jsonl"
    p.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)})
            + "\n"
            for i in range(5)
        )
    )
    return p


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["run", *args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def base_args(dataset: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "--dataset",
        str(dataset),
        "--prompt",
        "{{ question }}",
        "--endpoint",
        "sim",
        "--out",
        str(tmp_path / "runs"),
        "-q",
        *extra,
    ]


def test_malformed_jsonl_names_file_and_line(tmp_path, capsys, nothing_sent, items) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(items.read_text() + '{"id": "x", "question": \n')
    code, _, err = run_cli(capsys, *base_args(bad, tmp_path, "--model", "openai/gpt-4o-mini"))
    line = one_line(err)
    assert code == 2
    assert str(bad) in line and "line 6" in line
    assert not (tmp_path / "runs").exists()


def test_missing_template_variable_names_variable_and_row(tmp_path, capsys, nothing_sent) -> None:
    data = tmp_path / "items.jsonl"
    data.write_text('{"id": "a", "question": "q1"}\n{"id": "b", "text": "q2"}\n')
    code, _, err = run_cli(capsys, *base_args(data, tmp_path, "--model", "openai/gpt-4o-mini"))
    line = one_line(err)
    assert code == 2
    assert "question" in line and "line 2" in line


def test_unknown_model_names_the_id_and_close_matches(
    tmp_path, capsys, nothing_sent, items
) -> None:
    code, _, err = run_cli(capsys, *base_args(items, tmp_path, "--model", "openai/gpt-4o-mni"))
    line = one_line(err)
    assert code == 2
    assert "openai/gpt-4o-mni" in line and "openai/gpt-4o-mini" in line


def test_no_key_for_openrouter_says_how_to_set_it(tmp_path, capsys, nothing_sent, items) -> None:
    args = base_args(items, tmp_path, "--model", "openai/gpt-4o-mini")
    args[args.index("sim")] = "openrouter"
    code, _, err = run_cli(capsys, *args)
    line = one_line(err)
    assert code == 2
    assert "OPENROUTER_API_KEY" in line


def test_unreachable_endpoint_is_one_line(tmp_path, capsys, items) -> None:
    args = base_args(items, tmp_path, "--model", "some/model")
    args[args.index("sim")] = "http://127.0.0.1:9/v1"
    code, _, err = run_cli(capsys, *args)
    line = one_line(err)
    assert code == 1  # not bad input: the URL may be right and the server down (exit codes)
    assert "cannot reach http://127.0.0.1:9/v1" in line
    assert not (tmp_path / "runs").exists()


def test_invalid_spec_file_names_the_field(tmp_path, capsys, nothing_sent, items) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = ["openai/gpt-4o-mini"]\nconcurrency = "lots"\n'
        '[prompt]\ntemplate = "{{{{ question }}}}"\n'
    )
    code, _, err = run_cli(capsys, str(spec), "-q")
    line = one_line(err)
    assert code == 2
    assert str(spec) in line and "concurrency" in line


def test_missing_dataset_file(tmp_path, capsys, nothing_sent) -> None:
    code, _, err = run_cli(
        capsys, *base_args(tmp_path / "nope.jsonl", tmp_path, "--model", "openai/gpt-4o-mini")
    )
    line = one_line(err)
    assert code == 2 and "nope.jsonl" in line


def test_run_without_arguments_explains(tmp_path, capsys) -> None:
    code, _, err = run_cli(capsys)
    assert code == 2 and "spec file or --dataset" in one_line(err)
