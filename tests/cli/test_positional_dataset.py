"""`orkit run data.jsonl -m X --prompt ...`: a positional argument that is not a `.toml`
file is the dataset (it was read as TOML: `invalid TOML`); a `.toml` stays the spec."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orkit.cli import main

ROWS = [{"id": f"q{i}", "question": f"What is {i} + 1?"} for i in range(3)]


def _write(path: Path) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    elif path.suffix == ".json":
        path.write_text(json.dumps(ROWS))
    elif path.suffix in (".csv", ".tsv"):
        with path.open("w", newline="") as fh:
            delimiter = "\t" if path.suffix == ".tsv" else ","
            writer = csv.DictWriter(fh, fieldnames=["id", "question"], delimiter=delimiter)
            writer.writeheader()
            writer.writerows(ROWS)
    else:
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    return path


def _quiet_run(tmp_path: Path) -> list[str]:
    out = str(tmp_path / "runs")
    return ["--endpoint", "sim", "--out", out, "-q", "--no-report", "--no-estimate"]


@pytest.mark.integration
@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv", ".parquet"])
def test_a_dataset_file_as_the_positional_argument_is_the_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    data = _write(tmp_path / f"data{suffix}")
    args = [str(data), "-m", "openai/gpt-4o-mini", "--prompt", "{{ question }}"]
    code = main(["run", *args, *_quiet_run(tmp_path)])
    assert code == 0, capsys.readouterr().err
    (run_dir,) = (tmp_path / "runs").iterdir()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert Path(manifest["dataset"]["path"]).name == data.name
    assert manifest["totals"]["all"]["ok"] == len(ROWS)


def test_the_issues_reproduction_is_no_longer_read_as_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "data.jsonl")
    code = main(["run", str(data), "-m", "openai/gpt-4o-mini", "--endpoint", "sim", "--dry-run"])
    err = capsys.readouterr().err
    assert "TOML" not in err
    # the dataset is taken; what is missing now is the prompt, and the error says so
    assert code == 2 and "give --prompt or --prompt-file" in err


def test_estimate_takes_a_positional_dataset_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "data.csv")
    args = [str(data), "-m", "openai/gpt-4o-mini", "--prompt", "{{ question }}"]
    assert main(["estimate", *args, "--endpoint", "sim", "--json"]) == 0
    estimate = json.loads(capsys.readouterr().out)
    assert sum(line["requests"] for line in estimate["lines"]) == len(ROWS)


def test_a_toml_file_stays_the_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _write(tmp_path / "data.jsonl")
    spec = tmp_path / "spec.toml"
    spec.write_text(
        f'dataset = "{data.name}"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n'
        '[prompt]\ntemplate = "{{ question }}"\n'
    )
    assert main(["run", str(spec), "--dry-run"]) == 0
    assert "3 tasks" in capsys.readouterr().out


def test_neither_a_spec_nor_a_dataset_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    assert main(["run", str(notes), "-m", "openai/gpt-4o-mini", "--prompt", "x"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert str(notes) in line and "neither a run spec (.toml) nor a dataset" in line
    assert ".jsonl" in line and ".parquet" in line


def test_a_positional_dataset_and_dataset_flag_together_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _write(tmp_path / "a.jsonl"), _write(tmp_path / "b.jsonl")
    args = ["run", str(a), "--dataset", str(b), "-m", "openai/gpt-4o-mini", "--prompt", "x"]
    assert main([*args, "--endpoint", "sim", "--dry-run"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "two datasets" in line and str(b) in line
