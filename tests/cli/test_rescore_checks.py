"""Issue 12: `orkit rescore` checks its scorers as `orkit run` does before it replaces a
single score: a column the dataset lacks, an unknown scorer kind and a judge model typo are
one line, exit 2, naming the field, with a did-you-mean, and the run's scores unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orkit import Run
from orkit.cli import main
from orkit.errors import SpecError
from orkit.scorers import exact

from .first_contact_runs import copy_run, finished_run


@pytest.fixture(scope="module")
def judged_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return finished_run(tmp_path_factory.mktemp("judged"))


@pytest.fixture
def run(judged_run: Path, tmp_path: Path) -> Path:
    return copy_run(judged_run, tmp_path)


def refused(capsys: pytest.CaptureFixture[str], run: Path, *args: str) -> str:
    """`orkit rescore RUN ARGS` is one line, exit 2, and the scores are as they were."""
    before = Run(run).scores()
    manifest = (run / "manifest.json").read_text()
    code = main(["rescore", str(run), "--no-report", *args])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == "" and len(err.strip().splitlines()) == 1, err
    pd.testing.assert_frame_equal(Run(run).scores(), before)
    assert (run / "manifest.json").read_text() == manifest
    return err.strip()


def test_a_missing_expected_column_changes_nothing(capsys, run: Path) -> None:
    # issue 12: exit 0, an empty score column, "re-scored 40 answered tasks", and
    # afterwards run.summary() had no score column at all: the old scores were gone
    line = refused(capsys, run, "-s", '{kind="exact", expected="answr"}')
    assert "field 'scorers[0].expected'" in line and "scorer 'exact'" in line
    assert "column 'answr'" in line and "items.jsonl" in line
    assert "did you mean 'answer'?" in line
    assert "score_exact" in Run(run).summary().columns


def test_the_python_api_checks_the_column_too(run: Path) -> None:
    with pytest.raises(SpecError, match=r"scorers\[1\]\.expected.*did you mean 'answer'"):
        Run(run).rescore([exact(), {"kind": "numeric", "expected": "answers"}])
    assert "score_exact" in Run(run).summary().columns


def test_an_unknown_scorer_kind_says_which_was_meant(capsys, run: Path) -> None:
    line = refused(capsys, run, "-s", "exakt")
    assert "field 'scorers[0].kind'" in line
    assert "unknown scorer kind 'exakt'; did you mean 'exact'?" in line


def test_a_judge_model_typo_names_the_scorer_field(capsys, run: Path) -> None:
    # issue 12: the typo was sent, one 400 per row, every row "not judged"
    judge = '{kind="judge_reference", model="openai/gpt-4o-mni"}'
    line = refused(capsys, run, "-s", "exact", "-s", judge)
    assert "field 'scorers[1].model'" in line and "'openai/gpt-4o-mni'" in line
    assert "did you mean openai/gpt-4o-mini" in line


def test_a_good_rescore_still_works(capsys, run: Path) -> None:
    assert main(["rescore", str(run), "--no-report", "-s", "numeric"]) == 0
    assert "re-scored 24 answered tasks with numeric" in capsys.readouterr().out
    assert Run(run).scores()["scorer"].unique().tolist() == ["numeric"]
