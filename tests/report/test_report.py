from __future__ import annotations

from pathlib import Path

from orkit.report import render_report
from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, Manifest, PartWriter, RunDir


def make_run(tmp_path: Path, output: str) -> RunDir:
    run = RunDir.create(tmp_path, "r1")
    Manifest.from_dict(
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
    ).write(run.manifest_path)
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


def _rows_with_status(run: RunDir, statuses: list[tuple[str, str]]) -> None:
    w = PartWriter(run.results_dir, RESULTS_SCHEMA, "results")
    for n, (model, status) in enumerate(statuses):
        w.append(
            {
                "run_id": "r1",
                "task_key": f"p{n}",
                "item_id": f"i{n + 2}",
                "item_index": n + 1,
                "model": model,
                "status": status,
                "messages_json": "[]",
                "is_fallback": False,
            }
        )
    w.flush()


def test_tasks_left_for_a_resume_have_their_own_columns(tmp_path: Path) -> None:
    plain = render_report(make_run(tmp_path / "plain", "ok"))
    assert "skipped (budget)" not in plain and "deferred (quota)" not in plain
    run = make_run(tmp_path / "left", "ok")
    _rows_with_status(run, [("a/m", "skipped_budget"), ("a/m", "skipped_budget")])
    _rows_with_status(run, [("b/m", "deferred")])
    html = render_report(run)
    assert "skipped (budget)</th>" in html and "deferred (quota)</th>" in html
    row = html[html.index("<td>a/m</td>") :]
    cells = [c.split(">", 1)[1] for c in row[: row.index("</tr>")].split("</td>")[:5]]
    assert cells[1:2] == ["3"] and cells[3:5] == ["2", "0"]  # rows, errors, skipped, deferred


def test_prompt_variants_are_contestants_in_the_report(tmp_path: Path) -> None:
    run = RunDir.create(tmp_path, "r1")
    Manifest.from_dict(
        {
            "run_id": "r1",
            "status": "completed",
            "created_at": "now",
            "endpoint": {"kind": "sim"},
            "dataset": {"path": None},
            "catalog": None,
            "versions": {"orkit": "0"},
            "schema_version": "1",
            "spec": {"models": ["a/m"], "prompts": {"terse": {}, "chatty": {}}},
            "totals": {"all": {"tasks": 2, "errors": 0, "cost_usd": 0.0}},
        }
    ).write(run.manifest_path)
    w = PartWriter(run.results_dir, RESULTS_SCHEMA, "results")
    for n, prompt in enumerate(["chatty", "terse"]):
        w.append(
            {
                "run_id": "r1",
                "task_key": f"k{n}",
                "item_id": "i1",
                "item_index": 0,
                "prompt_id": prompt,
                "params_json": "{}",
                "model": "a/m",
                "status": "ok",
                "output_text": f"answer {prompt}",
                "messages_json": "[]",
                "is_fallback": False,
            }
        )
    w.flush()
    html = render_report(run)
    assert "<h2>Contestants</h2>" in html and "<th>contestant</th>" in html
    assert html.index("<td>a/m · terse</td>") < html.index("<td>a/m · chatty</td>")
    assert '<span class="muted">a/m · chatty</span>' in html  # examples say which variant
