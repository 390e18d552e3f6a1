"""One summary path: `Run.summary()`, the HTML report's leaderboard, the CLI's table and `orkit
compare` say the same rows and scores per contestant, whether the sweep scores fallback
answers (`score_fallbacks = true`) or not.

Issue 14 reproduced a run whose model was down and fell back: `run.summary()` counted the
fallback answers (the sweep asked for it) and showed `score_exact` over 20 rows, while the
report, which summarized without the sweep's setting, had no `exact` column at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orkit import Run
from orkit.cli import main
from tests.report.page_data import page_data

DOWN = "openai/gpt-4o-mini"  # half its requests fail: those fall back to SPARE
SPARE = "mistralai/mistral-small-3.2-24b-instruct"
STEADY = "deepseek/deepseek-v3.2"
ITEMS = 20

SPEC = """\
dataset = "{dataset}"
models = ["{down}", "{steady}"]
endpoint = "sim"
concurrency = 4
score_fallbacks = {score_fallbacks}

[prompt]
template = "{{{{ question }}}}"

[params]
max_tokens = 8
temperature = 0

[[scorers]]
kind = "exact"
expected = "answer"

[fallbacks]
"{down}" = ["{spare}"]

[routing]
max_attempts = 1

[sim]
time_scale = 0.0
seed = 11

[sim.faults]
status = {{ "502" = {rate} }}
models = ["{down}"]
"""


def _run(root: Path, *, score_fallbacks: bool, rate: float, capsys) -> tuple[Path, str]:
    """An `orkit run` of the spec above; its run directory and what it printed."""
    root.mkdir()
    dataset = root / "items.jsonl"
    dataset.write_text(
        "".join(
            f'{{"id": "q{i}", "question": "What is {i} + 2?", "answer": "{i + 2}"}}\n'
            for i in range(ITEMS)
        )
    )
    spec = root / "spec.toml"
    spec.write_text(
        SPEC.format(
            dataset=dataset,
            down=DOWN,
            spare=SPARE,
            steady=STEADY,
            rate=rate,
            score_fallbacks=str(score_fallbacks).lower(),
        )
    )
    capsys.readouterr()
    argv = ["run", str(spec), "--out", str(root / "runs"), "--progress", "none", "--no-report"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    (run_dir,) = (root / "runs").iterdir()
    return run_dir, printed


def _summary_scores(run: Run) -> dict[str, tuple[int, int, str]]:
    """Per contestant: rows, items scored by `exact`, its mean as the tables print it."""
    summary = run.summary()
    if "score_exact" not in summary:
        return {str(c): (int(s["rows"]), 0, "–") for c, s in summary.iterrows()}
    return {
        str(c): (int(s["rows"]), int(s["n_exact"]), _pct(s["score_exact"]))
        for c, s in summary.iterrows()
    }


def _pct(value: float) -> str:
    return "–" if value != value else f"{100 * value:.1f}%"


def _report_table(run: Run, out: Path) -> dict[str, tuple[int, int, str]]:
    """Per contestant in the report's leaderboard (the payload's `contestants`): rows, items
    scored by `exact` and its mean ("–": no such scorer, or nothing scored)."""
    payload = page_data(run.report(out).read_text("utf-8"))
    names = [s["name"] for s in payload["scorers"]]
    at = names.index("exact") if "exact" in names else None
    got = {}
    for c in payload["contestants"]:
        score = c["scores"][at] if at is not None else None
        if score is None or score["mean"] is None:
            got[c["label"]] = (c["rows"], 0, "–")
        else:
            got[c["label"]] = (c["rows"], score["n"], _pct(score["mean"]))
    return got


def _cli_table(printed: str) -> dict[str, tuple[int, str]]:
    """Per contestant in the summary `orkit run` printed: rows and the `exact` column."""
    lines = printed.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["model", "rows"])
    names = lines[header].split()
    got = {}
    for line in lines[header + 2 : header + 2 + 2]:  # under the rule: one per model
        cells = line.split()
        exact = cells[names.index("exact")] if "exact" in names else "–"
        got[cells[0]] = (int(cells[1].replace(",", "")), exact)
    return got


def _compare_quality(run_dir: Path, capsys) -> dict[str, tuple[int, int, str]]:
    """Per contestant in `orkit compare`: items scored by `exact` and the mean printed
    (in the quality table), with rows from its speed-and-cost table."""
    capsys.readouterr()
    assert main(["compare", str(run_dir)]) == 0
    out = capsys.readouterr().out
    rows = {}
    speed = out[out.index("speed and cost") :].splitlines()[3:]
    for line in speed:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = int(cells[1].replace(",", ""))
    scored: dict[str, tuple[int, str]] = dict.fromkeys(rows, (0, "–"))
    if "quality" in out and "exact" in out[out.index("quality") : out.index("speed and cost")]:
        quality = out[out.index("quality") : out.index("speed and cost")].splitlines()[3:]
        for line in quality:
            cells = line.split()
            if len(cells) >= 4 and cells[0] == "exact":
                scored[cells[1]] = (int(cells[2]), cells[3])
    return {m: (rows[m], *scored[m]) for m in rows}


@pytest.mark.parametrize("score_fallbacks", [True, False])
def test_every_consumer_shows_the_same_rows_and_scores(tmp_path, capsys, score_fallbacks) -> None:
    run_dir, printed = _run(
        tmp_path / "r", score_fallbacks=score_fallbacks, rate=0.3, capsys=capsys
    )
    run = Run(run_dir)
    df = run.to_pandas()
    fell_back = int(df["is_fallback"].sum())
    assert 0 < fell_back < ITEMS  # some of DOWN's rows were answered by SPARE, not all
    summary = _summary_scores(run)
    # the sweep's setting decides whether those answers count toward DOWN's scores
    scored_down = summary[DOWN][1]
    assert scored_down == (ITEMS if score_fallbacks else ITEMS - fell_back)
    assert summary[STEADY][:2] == (ITEMS, ITEMS)

    report = _report_table(run, tmp_path / "report.html")
    cli = _cli_table(printed)
    compared = _compare_quality(run_dir, capsys)
    for name, (rows, n, mean) in summary.items():
        assert report[name] == (rows, n, mean), name
        assert cli[name] == (rows, mean), name
        assert compared[name] == (rows, n, mean), name


def test_a_model_that_is_down_is_scored_on_its_fallbacks_in_the_report_too(
    tmp_path, capsys
) -> None:
    """The issue's reproduction: every answer of DOWN came from its fallback, and the
    sweep scores fallbacks: the report shows the same `exact` as `run.summary()`."""
    run_dir, _ = _run(tmp_path / "r", score_fallbacks=True, rate=1.0, capsys=capsys)
    run = Run(run_dir)
    assert run.to_pandas().query("model == @DOWN")["is_fallback"].all()
    rows, n, mean = _summary_scores(run)[DOWN]
    assert (rows, n) == (ITEMS, ITEMS) and mean != "–"
    assert _report_table(run, tmp_path / "report.html")[DOWN] == (rows, n, mean)
    notes = " ".join(page_data((tmp_path / "report.html").read_text("utf-8"))["notes"])
    # and the report says those answers count (it said they never did)
    assert "counting only rows answered by the model asked for" not in notes
    assert "counting rows answered by a fallback model toward the model asked for" in notes
