"""The README's "Comparing models" section: its commands parse, its Python runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import orkit
import orkit.stats
from orkit.cli import build_parser

from .stats_runs import ALSO_STRONG, STRONG, WEAK, make_run

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def readme_section() -> str:
    start = README.index("## Comparing models")
    return README[start : README.index("\n## ", start + 1)]


def test_readme_compare_commands_parse() -> None:
    lines = [
        line
        for block in re.findall(r"```bash\n(.*?)```", readme_section(), flags=re.S)
        for line in block.splitlines()
        if line.startswith("orkit compare")
    ]
    assert len(lines) == 2
    for line in lines:
        args = build_parser().parse_args(shlex.split(line)[1:])
        assert args.func.__module__ == "orkit.cli._compare"


def documented_columns(code: str, statement: str) -> set[str]:
    """The column names the README's comments list for `statement` (the comment on its
    line and the comment-only lines under it); `p50/p95/p99_service_s` names three."""
    lines = code.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(statement))
    text = lines[start].split("#", 1)[1]
    for line in lines[start + 1 :]:
        if not line.lstrip().startswith("#"):
            break
        text += "," + line.split("#", 1)[1]
    names: set[str] = set()
    for word in re.findall(r"[a-z0-9_/]+", text.split(":", 1)[-1]):
        head, *rest = word.split("/")
        if rest:  # p50/p95/p99_service_s
            suffix = rest[-1][rest[-1].index("_") :]
            names |= {head + suffix} | {r.split("_")[0] + suffix for r in rest}
        elif "_" in word or word in {
            "model",
            "rows",
            "errors",
            "deferred",
            "diff",
            "test",
            "significant",
        }:
            names.add(word)
    return names


def test_readme_python_example_runs(tmp_path: Path) -> None:
    (code,) = re.findall(r"```python\n(.*?)```", readme_section(), flags=re.S)
    run_dir = make_run(tmp_path, "r1", {"a/x": STRONG, "b/y": WEAK, "c/z": ALSO_STRONG})
    assert '"runs/<run_id>"' in code  # the reader's run; here a real one, opened for real
    namespace: dict[str, Any] = {}
    exec(
        compile(code.replace('"runs/<run_id>"', repr(str(run_dir))), "README.md", "exec"), namespace
    )
    summary, pairs = namespace["summary"], namespace["pairs"]
    pd.testing.assert_frame_equal(namespace["one"].table, summary, check_exact=True)
    assert list(summary.index) == ["a/x", "b/y", "c/z"]
    assert documented_columns(code, "summary =") <= set(summary.columns)
    assert documented_columns(code, "pairs =") <= set(pairs.columns)
    assert summary.loc["a/x", "score_exact"] == pytest.approx(0.9)
    assert summary.loc["b/y", "score_exact"] == pytest.approx(0.4)
    # 45 vs 20 right of 50 is a real difference; 45 vs 44 is not
    by_pair = pairs.set_index(["contestant_a", "contestant_b"])
    assert by_pair.loc[("a/x", "b/y"), "significant"]
    assert not by_pair.loc[("a/x", "c/z"), "significant"]
    assert by_pair.loc[("a/x", "b/y"), "diff"] == pytest.approx(0.5)
    # the same tables from frames, with the same options object
    table, one = namespace["table"], namespace["one"]
    judge_cost = [c for c in summary.columns if c == "judge_cost_usd"]
    pd.testing.assert_frame_equal(table, summary.drop(columns=judge_cost), check_exact=True)
    pd.testing.assert_frame_equal(namespace["quality"], one.scores, check_exact=True)
    strict = namespace["strict_pairs"].set_index(["contestant_a", "contestant_b"])
    assert list(strict.index) == list(by_pair.index)
    assert (strict["p_holm"] == by_pair["p_holm"]).all()  # the same test at another level
    assert not (strict["ci_low"] > by_pair["ci_low"]).any()  # at 99%, never narrower
    # the figure the README's last line gives in its comment
    mdd = orkit.stats.minimum_detectable_difference(300, discordance=0.15)
    assert "# 0.066: 6.6 points" in code and round(mdd, 3) == 0.066
