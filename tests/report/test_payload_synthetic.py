"""The report's payload on synthetic runs (`benchmarks/_synthetic_run.py`): its pairs and
rank groups are `stats.compare`'s and `stats.rank_groups`'s, two runs pair by item id as
`orkit compare` pairs them, the drill-down's sample keeps every disputed item, texts are cut
and say so, unknown costs stay null and cache hits are counted."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from orkit.api import Run
from orkit.cli._compare import _load
from orkit.report._options import ReportOptions
from orkit.report._payload import build_payload
from orkit.results import RunDir
from orkit.stats import PairOptions, compare, rank_groups

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from _synthetic_run import write_synthetic_run  # noqa: E402


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunDir]:
    root = tmp_path_factory.mktemp("synthetic")
    made = {
        "main": write_synthetic_run(root / "a", items=400, models=3, scorers=("exact", "contains")),
        "other": write_synthetic_run(root / "b", items=300, models=2, seed=1),
    }
    return {name: RunDir.open(path) for name, path in made.items()}


@pytest.fixture(scope="module")
def payload(runs: dict[str, RunDir]) -> dict[str, Any]:
    return build_payload([runs["main"]], ReportOptions())


def _approx(shown: float | None, exact: float) -> bool:
    if shown is None:
        return math.isnan(exact)
    return math.isclose(shown, exact, rel_tol=2e-3, abs_tol=6e-5)


def _check_pairs(payload: dict[str, Any], table: Any) -> None:
    labels = [c["label"] for c in payload["contestants"]]
    names = [s["name"] for s in payload["scorers"]]
    assert len(payload["pairs"]) == len(table) > 0
    for pair, (_, row) in zip(payload["pairs"], table.iterrows(), strict=True):
        assert names[pair["scorer"]] == row["scorer"]
        assert (labels[pair["a"]], labels[pair["b"]]) == (row["contestant_a"], row["contestant_b"])
        test = row["test"] if isinstance(row["test"], str) else None  # no shared item: none
        assert pair["n"] == row["n_shared"] and pair["test"] == test
        for key, column in [("diff", "diff"), ("lo", "ci_low"), ("hi", "ci_high")]:
            assert _approx(pair[key], row[column]), (key, pair, row)
        for key, column in [("p", "p_value"), ("p_holm", "p_holm")]:
            assert _approx(pair[key], row[column]), (key, pair, row)
        assert pair["significant"] == bool(row["significant"])


def test_pairs_and_rank_groups_are_the_librarys(
    runs: dict[str, RunDir], payload: dict[str, Any]
) -> None:
    table = Run(runs["main"].path).compare()
    _check_pairs(payload, table)
    assert any(p["significant"] for p in payload["pairs"])  # the skills differ by design
    run = Run(runs["main"].path)
    groups = rank_groups(run.to_pandas(), run.scores(), comparison=table, pairing=PairOptions())
    labels = [c["label"] for c in payload["contestants"]]
    for g in groups.itertuples():
        scorer = [s["name"] for s in payload["scorers"]].index(g.scorer)
        assert payload["contestants"][labels.index(g.contestant)]["rank_group"][scorer] == g.group


def test_two_runs_pair_by_item_id_as_orkit_compare_does(runs: dict[str, RunDir]) -> None:
    both = [runs["main"], runs["other"]]
    payload = build_payload(both, ReportOptions())
    loaded = _load([str(r.path) for r in both], 1)
    expected = compare(loaded.results, loaded.scores, options=loaded.options)
    _check_pairs(payload, expected)
    labels = [c["label"] for c in payload["contestants"]]
    # the two models both runs have are told apart by run; the third keeps its name
    assert labels[0] == "openai/gpt-4o-mini@" + runs["main"].run_id
    assert labels[2] == "google/gemini-2.5-flash"
    assert labels[3] == "openai/gpt-4o-mini@" + runs["other"].run_id
    assert [c["run"] for c in payload["contestants"]] == [0, 0, 0, 1, 1]
    items = payload["items"]
    assert items["total"] == 400 and items["id"][:2] == ["item-000000", "item-000001"]
    missing = items["id"].index("item-000350")  # in the first run only
    cells = items["cells"]
    assert [cells[c]["status"][missing] for c in (3, 4)] == [None, None]
    assert cells[3]["text"][missing] is None and cells[3]["latency_s"][missing] is None
    assert cells[0]["status"][missing] in ("ok", "error")
    assert len(payload["runs"]) == 2
    assert payload["notes"][0].startswith(
        "Items are matched across the 2 runs by item id: 300 of 400"
    )


def _disputed(payload: dict[str, Any]) -> set[str]:
    items = payload["items"]
    return {i for i, d in zip(items["id"], items["disagree"], strict=True) if d}


def test_the_sample_keeps_every_disputed_item(
    runs: dict[str, RunDir], payload: dict[str, Any]
) -> None:
    disputed = _disputed(payload)
    assert payload["items"]["shown"] == 400 and not payload["items"]["sampled"]
    assert 50 < len(disputed) < 350
    limit = len(disputed) + 20
    sampled = build_payload([runs["main"]], ReportOptions(max_items=limit))
    items = sampled["items"]
    assert items["shown"] == len(items["id"]) == limit and items["sampled"]
    assert _disputed(sampled) == disputed
    assert items["index"] == sorted(items["index"])  # dataset order
    note = next(n for n in sampled["notes"] if n.startswith("The drill-down"))
    assert f"shows {limit:,} of 400 items: all {len(disputed):,}" in note
    assert f"of 20 of the other {400 - len(disputed):,}" in note
    again = build_payload([runs["main"]], ReportOptions(max_items=limit, seed=1))
    assert again["items"]["id"] != items["id"]  # the seed picks the sample


def test_when_disputed_items_alone_are_too_many_a_sample_of_them_is_shown(
    runs: dict[str, RunDir], payload: dict[str, Any]
) -> None:
    few = build_payload([runs["main"]], ReportOptions(max_items=30))
    assert few["items"]["shown"] == 30 and all(few["items"]["disagree"])
    assert _disputed(few) <= _disputed(payload)
    assert any("a random sample (seed 0) of the" in n for n in few["notes"])


def test_texts_are_cut_and_flagged(runs: dict[str, RunDir]) -> None:
    cut = build_payload([runs["main"]], ReportOptions(max_text_chars=150))
    results = pq.read_table(runs["main"].results_dir).to_pandas()
    by_key = {(r.model, r.item_id): r.output_text for r in results.itertuples()}
    models = [c["model"] for c in cut["contestants"]]
    flagged = 0
    for model, cell in zip(models, cut["items"]["cells"], strict=True):
        for slot, item_id in enumerate(cut["items"]["id"]):
            full, shown = by_key[(model, item_id)], cell["text"][slot]
            if cell["status"][slot] != "ok":
                continue
            assert shown == full[:150] and cell["truncated"][slot] == (len(full) > 150)
            flagged += cell["truncated"][slot]
    assert flagged > 0 and cut["items"]["max_text_chars"] == 150
    assert any(n.startswith(f"{flagged:,} texts are cut at 150 characters") for n in cut["notes"])


def test_unknown_costs_stay_null_and_cache_hits_are_counted(
    runs: dict[str, RunDir], payload: dict[str, Any]
) -> None:
    results = pq.read_table(runs["main"].results_dir).to_pandas()
    keyed = results.set_index(["model", "item_id"])
    unknown_seen = cached_seen = 0
    for c, cell in zip(payload["contestants"], payload["items"]["cells"], strict=True):
        mine = results[results["model"] == c["model"]]
        hits = (mine["cost_source"] == "cached") & (mine["status"] == "ok")
        assert c["cached"] == int(hits.sum()) > 0
        assert c["cost_unknown_rows"] == int(
            mine["cost_usd"].isna().sum() - (mine["status"] != "ok").sum()
        )
        for slot, item_id in enumerate(payload["items"]["id"]):
            row = keyed.loc[(c["model"], item_id)]
            if math.isnan(row["cost_usd"]):
                assert cell["cost_usd"][slot] is None
                unknown_seen += 1
            if row["cost_source"] == "cached":
                assert cell["cached"][slot] is True and cell["cost_usd"][slot] == 0.0
                assert cell["latency_s"][slot] is None  # nothing was sent
                cached_seen += 1
    assert unknown_seen > 0 and cached_seen > 0
    json.dumps(payload, allow_nan=False)


def test_errors_show_their_type_and_providers_their_rows(payload: dict[str, Any]) -> None:
    cells = payload["items"]["cells"]
    errors = [
        (cell["text"][i], cell["error_type"][i])
        for cell in cells
        for i, status in enumerate(cell["status"])
        if status == "error"
    ]
    assert errors and all(text.startswith(f"[{kind}] ") for text, kind in errors)
    first = payload["provenance"]["by_model"][0]
    assert first["mixed"] and set(first["providers"]) >= {"Azure", "Openai"}
    assert payload["provenance"]["warnings"][0].startswith("openai/gpt-4o-mini was served by 2")
    assert payload["provenance"]["fallback_rows"] == sum(
        c["fallbacks"] for c in payload["contestants"]
    )
    kinds = {p["kind"] for p in payload["timeline"]["series"]}
    assert {"ok", "429", "cache_hit", "fallback"} <= kinds
    assert any(k.startswith("error:") for k in kinds)
    assert len(payload["timeline"]["series"]) > 0 and payload["timeline"]["bin_s"] > 0
    reasoning = [c for c in cells if any(r is not None for r in c["reasoning"])]
    assert len(reasoning) == 1  # the one model that reasons
    assert payload["contestants"][cells.index(reasoning[0])]["reasoning_tokens"] > 0


def test_disputed_items_are_failures_or_split_verdicts(
    runs: dict[str, RunDir], payload: dict[str, Any]
) -> None:
    results = pq.read_table(runs["main"].results_dir).to_pandas()
    scores = pq.read_table(runs["main"].scores_dir).to_pandas()
    exact = scores[scores["scorer"] == "exact"].set_index("task_key")["passed"]
    results["passed"] = results["task_key"].map(exact)
    expected = {}
    for item_id, rows in results.groupby("item_id"):
        failed = bool((rows["status"] == "error").any())
        split = rows["passed"].dropna().nunique() > 1
        expected[item_id] = failed or split
    items = payload["items"]
    assert dict(zip(items["id"], items["disagree"], strict=True)) == expected
    assert 0 < sum(expected.values()) < len(expected)


def test_the_synthetic_run_is_a_run_orkit_reads(runs: dict[str, RunDir]) -> None:
    run = Run(runs["main"].path)
    summary = run.summary()
    totals = run.manifest.totals_all
    assert int(summary["rows"].sum()) == totals["tasks"] == 1200
    assert int(summary["errors"].sum()) == totals["errors"] > 0
    assert int(summary["fallback_rows"].sum()) == totals["fallback_rows"] > 0
    texts = [t for t in pq.read_table(run.dir.results_dir)["output_text"].to_pylist() if t]
    assert max(len(t) for t in texts) > 2000 > sum(map(len, texts)) / len(texts) > 150
