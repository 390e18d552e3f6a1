"""A run directory written by orkit before the manifest was typed (`tests/fixtures/manifests/
run_v1`, made by `make_run_v1.py` at that commit) opens, reports, lists, resumes, and is
written back in the same layout; a new run writes the manifest that run wrote, key for key."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import anyio

from orkit import Run, Sweep
from orkit.api import resume_async, run_sweep_async
from orkit.cli._runs import describe
from tests.report.page_data import page_data

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "manifests"
RUN_ID = "2026-12-06T16-00-00-f1x0"


def _old_run(tmp_path: Path) -> Path:
    """The fixture, where its manifest says it is (`@ROOT@` is this test's directory)."""
    run_dir = tmp_path / "runs" / RUN_ID
    shutil.copytree(FIXTURES / "run_v1", run_dir)
    shutil.copy(FIXTURES / "run_v1_items.jsonl", tmp_path / "items.jsonl")
    manifest = run_dir / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace("@ROOT@", str(tmp_path)), "utf-8")
    return run_dir


ADDED_SINCE_V1 = {
    "payment_required",
    "reasoning_starved",
    "cached_tokens",
    "cache_prompt_tokens",
    "cache_write_tokens",
    "cache_savings_usd",
    "cache_write_usd",
}
"""Totals' keys added since, on purpose (402 answers, counted like 429s; answers reasoning
left empty; the providers' prompt caches read and written); older orkit reads the totals
with `.get`, so an added key is read past."""


ESTIMATE_ADDED_SINCE_V1 = {
    "reasoning_tokens",
    "byok_upstream_usd",
    "cached_tokens",
    "cache_write_tokens",
    "cache_hit_rate",
    "cache_savings_usd",
    "cache_write_usd",
    "spill_requests",
    "spill_usd",
}
"""The estimate's keys added since, on purpose (each line's and the total's expected reasoning
tokens, the provider's bill of BYOK lines, prompt caching's reads, writes and savings (the
total has no hit rate), and a free model's paid spill); its readers (`cost_side_by_side`, the
report's header) read the keys they use."""
ESTIMATE_LINE_ADDED_SINCE_V1 = {*ESTIMATE_ADDED_SINCE_V1, "spill_model"}
"""A line's added keys: those, and the paid model a free one spills to."""


def _without_added(totals: dict[str, Any], added: set[str] = ADDED_SINCE_V1) -> dict[str, Any]:
    return {k: v for k, v in totals.items() if k not in added}


def _shape(value: Any) -> Any:
    """The keys of a JSON value, all the way down (values and list lengths left out)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return None


def test_an_old_run_directory_opens_reports_lists_and_resumes(tmp_path: Path) -> None:
    run_dir = _old_run(tmp_path)
    before = (run_dir / "manifest.json").read_bytes()
    run = Run(run_dir)
    assert run.status == "incomplete" and run.manifest.totals_all["skipped_budget"] == 5
    assert (run_dir / "manifest.json").read_bytes() == before  # reading writes nothing
    report = page_data(run.report(tmp_path / "report.html").read_text())
    (header,) = report["runs"]
    assert header["run_id"] == RUN_ID and header["name"] == "fixture"
    listed = describe(run_dir)
    assert listed is not None and listed["status"] == "incomplete" and listed["total"] == 6

    done = anyio.run(lambda: resume_async(run_dir, budget_usd=1.0))
    resumed = Run(done)
    assert resumed.status == "completed"
    assert (resumed.to_pandas()["status"] == "ok").all() and len(resumed.to_pandas()) == 6
    manifest = resumed.manifest
    assert [e["kind"] for e in manifest.executions or []] == ["run", "resume"]
    assert manifest.resume_with is None and "resume_with" not in manifest
    old = json.loads(before)
    new = json.loads((run_dir / "manifest.json").read_text())
    assert list(new) == [k for k in old if k != "resume_with"]  # the same layout
    assert new["totals"]["all"]["ok"] == 6 and new["wall_s"] > old["wall_s"]


def test_a_new_run_writes_the_manifest_the_old_code_wrote_key_for_key(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    shutil.copy(FIXTURES / "run_v1_items.jsonl", items)
    sweep = Sweep(  # the sweep of make_run_v1.py
        dataset=str(items),
        models=["openai/gpt-4o-mini"],
        prompt="{{ question }}",
        params={"max_tokens": 8, "temperature": 0},
        scorers=[{"kind": "exact", "expected": "answer"}],
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 3},
        out=str(tmp_path / "runs"),
        budget_usd=0.00001,
        concurrency=2,
        name="fixture",
    )
    run = anyio.run(lambda: run_sweep_async(sweep, run_id=RUN_ID))
    new = json.loads(run.manifest_path.read_text())
    old = json.loads(
        (FIXTURES / "run_v1" / "manifest.json").read_text().replace("@ROOT@", str(tmp_path))
    )
    totals = new["totals"]
    assert all(k in totals["all"] for k in ADDED_SINCE_V1)
    totals["all"] = _without_added(totals["all"])
    totals["by_model"] = {m: _without_added(t) for m, t in totals["by_model"].items()}
    estimate = new["estimate"]
    assert all(k in estimate["total"] for k in ESTIMATE_ADDED_SINCE_V1 - {"cache_hit_rate"})
    estimate["total"] = _without_added(estimate["total"], ESTIMATE_ADDED_SINCE_V1)
    estimate["lines"] = [_without_added(x, ESTIMATE_LINE_ADDED_SINCE_V1) for x in estimate["lines"]]
    assert _shape(new) == _shape(old)
    assert list(new) == list(old)
    for key in ("spec", "dataset", "prompt_files", "tasks", "catalog", "journal_counts"):
        assert new[key] == old[key], key
