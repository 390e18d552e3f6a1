"""Issue 12, what a new user saw in `orkit compare`: `--scorer nope` printed a Python list,
counts did not agree with their nouns, and a cost nobody reported read `–` (a cell that does
not apply) where every other screen says `unknown` (and the re-score line said `$0`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit.cli import main

from .first_contact_runs import copy_run, finished_run, write_spec

MODEL = "openai/gpt-4o-mini"


@pytest.fixture(scope="module")
def one_model_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return finished_run(tmp_path_factory.mktemp("one"), models=f'models = ["{MODEL}"]\n')


@pytest.fixture(scope="module")
def unpriced_run(tmp_path_factory: pytest.TempPathFactory, module_no_usage_url: str) -> Path:
    folder = tmp_path_factory.mktemp("unpriced")
    spec = write_spec(folder, judges=False, models=f'models = ["{MODEL}"]\n')
    url = module_no_usage_url
    args = ["run", str(spec), "--endpoint", url, "-q", "--no-report", "--no-estimate"]
    assert main(args) == 0
    (run,) = (folder / "runs").iterdir()
    return run


def compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["compare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def table_rows(out: str, title: str) -> list[list[str]]:
    """The cells of a section's rows, split on runs of two spaces or more."""
    section = out[out.index(f"\n{title}") :].strip().split("\n\n")[0].splitlines()
    return [[c for c in line.split("  ") if c.strip()] for line in section[3:]]


def test_an_unknown_scorer_is_one_readable_line(capsys, one_model_run: Path) -> None:
    code, out, err = compare(capsys, str(one_model_run), "--scorer", "exakt")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert "['exact']" not in err  # issue 12: `(scorers: ['exact'])`, a Python repr
    assert "--scorer exakt" in err and "exact, judge_reference, rubric" in err
    assert err.strip().endswith("did you mean 'exact'?")


def test_one_model_from_one_run_reads_in_the_singular(capsys, one_model_run: Path) -> None:
    code, out, _ = compare(capsys, str(one_model_run))
    assert code == 0 and out.startswith("1 model from 1 run\n")


def test_two_models_pair_once_in_the_singular(capsys, tmp_path: Path) -> None:
    run = finished_run(tmp_path, judges=False)
    capsys.readouterr()
    code, out, _ = compare(capsys, str(run))
    assert code == 0 and out.startswith("2 models from 1 run\n")
    assert "after Holm over 1 pair\n" in out


def test_a_cost_nobody_reported_reads_unknown(capsys, unpriced_run: Path) -> None:
    code, out, _ = compare(capsys, str(unpriced_run))
    assert code == 0
    (speed,) = table_rows(out, "speed and cost")
    assert [c.strip() for c in speed[-2:]] == ["unknown", "unknown"]  # cost, cost/item
    (quality,) = table_rows(out, "quality")
    assert quality[-1].strip() == "unknown"  # cost/correct


def test_a_known_cost_still_reads_in_dollars(capsys, one_model_run: Path) -> None:
    code, out, _ = compare(capsys, str(one_model_run))
    assert code == 0
    (speed,) = table_rows(out, "speed and cost")
    assert all(c.strip().startswith("$") for c in speed[-2:])
    quality = table_rows(out, "quality")
    assert quality[0][-1].strip().startswith("$")  # exact: pass/fail, a cost per correct
    assert quality[-1][-1].strip() == "–"  # the rubric's 0..1 scores have no "correct"


def test_a_rescore_whose_judge_reports_no_cost_says_unknown(
    capsys, unpriced_run: Path, module_no_usage_url: str, tmp_path: Path
) -> None:
    # the re-score line said `$0` for 24 judge requests nobody priced
    run = copy_run(unpriced_run, tmp_path)
    judge = f'{{kind = "judge_reference", model = "{MODEL}"}}'
    assert main(["rescore", str(run), "-s", judge, "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "re-scored 12 answered tasks with judge_reference: 12 judge requests sent" in out
    assert out.splitlines()[-2].endswith("from the cache, unknown")
