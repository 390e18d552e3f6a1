from __future__ import annotations

from pathlib import Path

from orkit.report import render_report
from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, PartWriter, RunDir


def make_run(tmp_path: Path, output: str) -> RunDir:
    run = RunDir.create(tmp_path, "r1")
    run.write_manifest(
        {
            "run_id": "r1",
            "status": "completed",
            "created_at": "now",
            "endpoint": {"kind": "sim"},
            "dataset": {"path": None},
            "catalog": None,
            "versions": {"orkit": "0"},
            "schema_version": "1",
            "totals": {"all": {"tasks": 2, "errors": 1, "cost_usd": 0.5}},
        }
    )
    w = PartWriter(run.results_dir, RESULTS_SCHEMA, "results")
    w.append(
        {
            "run_id": "r1",
            "task_key": "k1",
            "item_id": "i1",
            "item_index": 0,
            "model": "a/m",
            "status": "ok",
            "output_text": output,
            "messages_json": "[]",
            "cost_usd": 0.5,
            "service_s": 1.0,
            "is_fallback": False,
        }
    )
    w.append(
        {
            "run_id": "r1",
            "task_key": "k2",
            "item_id": "i1",
            "item_index": 0,
            "model": "b/m",
            "status": "error",
            "error_type": "timeout",
            "error_message": "slow",
            "messages_json": "[]",
            "is_fallback": False,
        }
    )
    w.flush()
    s = PartWriter(run.scores_dir, SCORES_SCHEMA, "scores")
    s.append(
        {
            "run_id": "r1",
            "task_key": "k1",
            "item_id": "i1",
            "model": "a/m",
            "scorer": "exact",
            "score": 1.0,
            "passed": True,
        }
    )
    s.flush()
    return run


def test_outputs_are_escaped_and_the_file_is_self_contained(tmp_path: Path) -> None:
    html = render_report(make_run(tmp_path, "<script>alert(1)</script> & sk-or-v1-" + "ab" * 32))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert "ab" * 32 not in html  # key-shaped text redacted
    assert "http://" not in html and "https://" not in html  # nothing loaded from the network
    assert "a/m" in html and "b/m" in html and "100.0%" in html
    assert "$0.50" in html


def test_unknown_cost_is_not_shown_as_zero(tmp_path: Path) -> None:
    html = render_report(make_run(tmp_path, "ok"))
    # b/m has no known cost (its one row failed): a dash, not $0.0000
    row = html[html.index("<td>b/m</td>") :]
    row = row[: row.index("</tr>")]
    assert "$0.0000" not in row and "$0<" not in row and "–" in row
