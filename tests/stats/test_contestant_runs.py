"""The issue's reproduction, end to end on the emulator: prompts `terse` and `chatty` × a
grid `temperature = [0, 0.7]` on the demo's 300 items. gpt-4o-mini showed `exact 37.7%`
(the mean of 75.3% terse and 0% chatty) in the CLI summary, `orkit compare`,
`run.summary()` and the report, and compare paired 1,200 "items"."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from orkit import Run
from orkit.cli import main
from tests.report.page_data import page_data

pytestmark = pytest.mark.integration  # on real time: see README, Development

REPO = Path(__file__).resolve().parents[2]

SPEC = """
name = "variants"
dataset = "{dataset}"
models = ["openai/gpt-4o-mini"]
endpoint = "sim"
concurrency = 32

[prompts.terse]
system = "Answer with the answer only: no explanation, no punctuation around it."
template = "{{{{ question }}}}"

[prompts.chatty]
template = "Let us chat about this at length: {{{{ question }}}}"

[params]
max_tokens = 64

[grid]
temperature = [0, 0.7]

[[scorers]]
kind = "exact"
expected = "answer"

[sim]
time_scale = 0.01
window_scale = 0.01
seed = 7
"""

CONTESTANTS = [
    "openai/gpt-4o-mini · terse · temperature=0",
    "openai/gpt-4o-mini · terse · temperature=0.7",
    "openai/gpt-4o-mini · chatty · temperature=0",
    "openai/gpt-4o-mini · chatty · temperature=0.7",
]


@pytest.fixture(scope="module")
def variant_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    tmp = tmp_path_factory.mktemp("variants")
    spec = tmp / "sweep.toml"
    spec.write_text(SPEC.format(dataset=REPO / "datasets/demo/items.jsonl"), "utf-8")
    report = tmp / "report.html"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["run", str(spec), "--out", str(tmp / "runs"), "--report", str(report)])
    assert code == 0, out.getvalue()
    (run_dir,) = (tmp / "runs").iterdir()
    return run_dir, out.getvalue(), report


def test_run_summary_has_four_contestants_with_their_own_scores(variant_run) -> None:
    run_dir, _, _ = variant_run
    summary = Run(run_dir).summary()
    assert list(summary.index) == CONTESTANTS  # the spec's prompt order, then temperature
    assert list(summary["rows"]) == [300] * 4 and list(summary["n_exact"]) == [300] * 4
    terse, chatty = summary["score_exact"].iloc[:2], summary["score_exact"].iloc[2:]
    assert terse.iloc[0] == pytest.approx(226 / 300)  # 75.3% at temperature 0
    assert terse.iloc[1] > 0.6
    assert list(chatty) == [0.0, 0.0]
    # the number the issue saw, now only where asked for: one row per model, by item
    by_model = Run(run_dir).summary(by="model")
    assert list(by_model.index) == ["openai/gpt-4o-mini"]
    assert by_model["score_exact"].iloc[0] == pytest.approx(summary["score_exact"].mean())
    assert by_model["n_exact"].iloc[0] == 300


def test_the_cli_summary_lists_the_contestants(variant_run) -> None:
    _, stdout, _ = variant_run
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("contestant "))
    table = lines[start + 2 : start + 6]
    assert [line.split("  ")[0].strip() for line in table] == CONTESTANTS
    assert "75.3%" in table[0] and " 0.0%" in table[2] and "37.7%" not in stdout


def test_compare_pairs_300_items_not_1200_tasks(variant_run, capsys) -> None:
    run_dir, _, _ = variant_run
    pairs = Run(run_dir).compare()
    assert len(pairs) == 6 and (pairs["n_shared"] == 300).all()
    assert main(["compare", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 contestants from 1 run")
    pairs_text = out[out.index("pairs on exact") : out.index("rank groups")]
    pair_lines = [line for line in pairs_text.splitlines()[3:] if line.strip()]
    assert len(pair_lines) == 6
    assert all(" 300 " in line and " 1200 " not in line for line in pair_lines)
    groups = out[out.index("rank groups") :].splitlines()[3:]
    assert [line.split()[:2] for line in groups] == [["1", "1"], ["1", "2"], ["2", "3"], ["2", "4"]]
    assert "chatty" in groups[2] and "chatty" in groups[3]


def test_the_report_shows_the_contestants(variant_run) -> None:
    _, _, report = variant_run
    payload = page_data(report.read_text("utf-8"))
    assert payload["noun"] == "contestant"
    assert [c["label"] for c in payload["contestants"]] == CONTESTANTS
    means = [c["scores"][0]["mean"] for c in payload["contestants"]]
    assert [c["scores"][0]["n"] for c in payload["contestants"]] == [300] * 4
    assert means[0] == pytest.approx(226 / 300, abs=1e-4) and means[2:] == [0.0, 0.0]
    assert all(abs(m - 0.377) > 0.01 for m in means)  # not the variants' mean, 37.7%
    # the drill-down pairs 300 items, each with its four answers, not 1,200 rows
    assert payload["items"]["shown"] == 300 and len(payload["items"]["cells"]) == 4
