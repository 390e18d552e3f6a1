"""`orkit compare`, `Run.compare()` and `Run.summary()` on run directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit import Run
from orkit.cli import main

from .frames import number
from .stats_runs import ALSO_STRONG, STRONG, WEAK, make_run


@pytest.fixture
def one_run(tmp_path: Path) -> Path:
    return make_run(
        tmp_path,
        "r1",
        {"b/weak": WEAK, "a/strong": STRONG, "c/also": ALSO_STRONG},
        spec_models=["a/strong", "b/weak", "c/also"],
    )


def test_compare_prints_quality_pairs_and_groups(one_run: Path, capsys) -> None:
    assert main(["compare", str(one_run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 models from 1 run")
    for title in ("quality (95% confidence intervals)", "speed and cost", "pairs on exact"):
        assert title in out
    assert "rank groups on exact" in out
    pairs = out[out.index("pairs on exact") : out.index("rank groups")]
    strong_weak = next(
        line for line in pairs.splitlines() if "a/strong" in line and "b/weak" in line
    )
    assert strong_weak.rstrip().endswith("*") and "+50.0 pp" in strong_weak
    strong_also = next(
        line for line in pairs.splitlines() if "c/also" in line and "a/strong" in line
    )
    assert not strong_also.rstrip().endswith("*")
    groups = out[out.index("rank groups") :].splitlines()[3:]
    assert [line.split()[:3] for line in groups] == [
        ["1", "1", "a/strong"],
        ["1", "2", "c/also"],
        ["2", "3", "b/weak"],
    ]
    # the sweep's model order, not the order rows were written in
    quality = out[out.index("quality") : out.index("speed and cost")]
    assert quality.index("a/strong") < quality.index("b/weak") < quality.index("c/also")


def test_compare_several_runs_labels_models_by_run(tmp_path: Path, capsys) -> None:
    first = make_run(tmp_path, "r1", {"a/strong": STRONG, "b/weak": WEAK})
    second = make_run(tmp_path, "r2", {"a/strong": ALSO_STRONG, "d/other": WEAK})
    assert main(["compare", str(first), str(second), "--alpha", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "4 models from 2 runs" in out and "paired by dataset item (item_id);" in out
    assert "a/strong@r1" in out and "a/strong@r2" in out and "99% interval" in out
    assert "b/weak " in out and "b/weak@" not in out  # only in one run: its own name


def test_runs_that_share_no_items_are_an_error_not_rows_of_dashes(tmp_path: Path, capsys) -> None:
    first = make_run(tmp_path, "r1", {"a/strong": STRONG, "b/weak": WEAK})
    other = make_run(tmp_path, "r2", {"a/strong": ALSO_STRONG}, first_item=100)
    assert main(["compare", str(first), str(other)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "share 0 dataset items" in lines[0]
    assert "--min-shared 10" in lines[0] and captured.out == ""


def test_the_fewest_shared_items_can_be_lowered(tmp_path: Path, capsys) -> None:
    first = make_run(tmp_path, "r1", {"a/strong": STRONG})
    other = make_run(tmp_path, "r2", {"a/strong": ALSO_STRONG}, first_item=45)  # q45..q49
    assert main(["compare", str(first), str(other)]) == 2
    assert "share 5 dataset items" in capsys.readouterr().err
    assert main(["compare", str(first), str(other), "--min-shared", "5"]) == 0
    out = capsys.readouterr().out
    pair = next(line for line in out.splitlines() if line.startswith("a/strong@r1  a/strong@r2"))
    assert pair.split()[2] == "5"
    assert main(["compare", str(first), str(other), "--min-shared", "0"]) == 2


def test_a_model_in_runs_on_two_endpoints_is_told_apart_by_endpoint(tmp_path: Path, capsys) -> None:
    first = make_run(tmp_path, "r1", {"a/strong": STRONG, "b/weak": WEAK})
    second = make_run(tmp_path, "r2", {"a/strong": ALSO_STRONG}, endpoint="openrouter")
    assert main(["compare", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 models from 2 runs")
    quality = out[out.index("quality") : out.index("speed and cost")]
    assert (
        quality.index("a/strong@sim")
        < quality.index("b/weak")
        < quality.index("a/strong@openrouter")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere"], "not a run directory"),
        (["RUN", "RUN"], "the same run was given twice"),
        (["RUN", "--scorer", "judge"], "--scorer judge: no such scorer"),
        (["RUN", "--alpha", "2"], "--alpha"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(one_run: Path, capsys, args, message) -> None:
    args = [str(one_run) if a == "RUN" else a for a in args]
    assert main(["compare", *args]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in captured.err


def test_run_compare_and_summary_follow_the_sweeps_model_order(one_run: Path) -> None:
    run = Run(one_run)
    pairs = run.compare()
    assert list(zip(pairs["contestant_a"], pairs["contestant_b"], strict=True)) == [
        ("a/strong", "b/weak"),
        ("a/strong", "c/also"),
        ("b/weak", "c/also"),
    ]
    assert (pairs["test"] == "mcnemar").all()
    summary = run.summary()
    assert list(summary.index) == ["a/strong", "b/weak", "c/also"]
    assert number(summary, "a/strong", "ci_low_exact") < 0.9
    assert number(summary, "a/strong", "ci_high_exact") > 0.9


def test_run_honours_score_fallbacks(tmp_path: Path) -> None:
    items = range(10)
    plain = Run(make_run(tmp_path, "r1", {"a/x": STRONG, "b/y": WEAK}, fallback_items=items))
    counted = Run(
        make_run(
            tmp_path, "r2", {"a/x": STRONG, "b/y": WEAK}, score_fallbacks=True, fallback_items=items
        )
    )
    assert plain.summary().loc["a/x", "n_exact"] == 40
    assert counted.summary().loc["a/x", "n_exact"] == 50
    assert plain.compare()["n_shared"].iloc[0] == 40
    assert counted.compare()["n_shared"].iloc[0] == 50
