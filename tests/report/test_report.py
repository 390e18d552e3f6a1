"""The report of a small hand-made run: what its page embeds (read back through
`page_data`, as the page's script reads it) and that the page itself is safe to open."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orkit.report import render_report
from orkit.results import RESULTS_SCHEMA, SCORES_SCHEMA, Manifest, PartWriter, RunDir
from tests.report.page_data import page_data


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


_SCRIPTS = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def _by_label(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in payload["contestants"]}


def test_outputs_are_escaped_and_the_file_is_self_contained(tmp_path: Path) -> None:
    hostile = "<script>alert(1)</script> & sk-or-v1-" + "ab" * 32
    html = render_report(make_run(tmp_path, hostile))
    assert "<script>alert" not in html and "</script> &" not in html
    # the output sits in the data block (JSON with <, > and & escaped, or gzip in base85,
    # whichever is shorter: test_page.py checks both) and reads back intact
    payload = page_data(html)
    (text,) = payload["items"]["cells"][0]["text"]
    assert text.startswith("<script>alert(1)</script> & ")
    assert "ab" * 32 not in html  # key-shaped text redacted, in the data and everywhere else
    # nothing loaded from the network: no external src/href in the markup (the inlined chart
    # library's code names URLs in strings it never fetches), and a CSP that forbids it anyway
    markup = _SCRIPTS.sub("", html)
    assert "http://" not in markup and "https://" not in markup
    assert not re.search(r"<script\b[^>]*\bsrc=", html) and "<link" not in markup
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert policy.startswith("default-src &#39;none&#39;;") and "unsafe-eval" not in policy
    board = _by_label(payload)
    assert list(board) == ["a/m", "b/m"]
    assert board["a/m"]["scores"][0]["mean"] == 1.0  # the old table's "100.0%"
    assert board["a/m"]["cost_usd"] == 0.5 and payload["runs"][0]["actual"]["cost_usd"] == 0.5


def test_unknown_cost_is_not_shown_as_zero(tmp_path: Path) -> None:
    payload = page_data(render_report(make_run(tmp_path, "ok")))
    # b/m has no known cost (its one row failed): null, not 0
    failed = _by_label(payload)["b/m"]
    assert failed["cost_usd"] is None and failed["cost_per_correct_usd"] is None
    assert payload["items"]["cells"][1]["cost_usd"] == [None]


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
    plain = _by_label(page_data(render_report(make_run(tmp_path / "plain", "ok"))))
    assert [(c["skipped"], c["deferred"]) for c in plain.values()] == [(0, 0), (0, 0)]
    run = make_run(tmp_path / "left", "ok")
    _rows_with_status(run, [("a/m", "skipped_budget"), ("a/m", "skipped_budget")])
    _rows_with_status(run, [("b/m", "deferred")])
    payload = page_data(render_report(run))
    counts = {
        label: (c["rows"], c["errors"], c["skipped"], c["deferred"])
        for label, c in _by_label(payload).items()
    }
    assert counts == {"a/m": (3, 0, 2, 0), "b/m": (2, 1, 0, 1)}
    # the drill-down says which cells were left, and where a contestant has no row at all
    cells = payload["items"]["cells"]
    assert cells[0]["status"] == ["ok", "skipped_budget", "skipped_budget"]
    assert cells[1]["status"] == ["error", "deferred", None]


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
    payload = page_data(render_report(run))
    assert payload["noun"] == "contestant"
    # in the spec's prompt order, not the rows' order
    assert [c["label"] for c in payload["contestants"]] == ["a/m · terse", "a/m · chatty"]
    assert [c["prompt_id"] for c in payload["contestants"]] == ["terse", "chatty"]
    # each drill-down column holds its own variant's answer (examples say which variant)
    assert [cell["text"] for cell in payload["items"]["cells"]] == [
        ["answer terse"],
        ["answer chatty"],
    ]
