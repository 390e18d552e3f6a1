"""Contestants (model × prompt × params): labels, ids, order, `by=` groupings, pairing by
item, and the columns for tasks left for a resume."""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable

import pytest

from orkit.cli._table import print_summary
from orkit.results import Manifest
from orkit.stats import (
    SummaryOptions,
    compare,
    contestants,
    rank_groups,
    score_summary,
    summarize,
)

from .conftest import Tables
from .frames import number

TERSE_T0 = '{"max_tokens":64,"temperature":0}'
TERSE_T7 = '{"max_tokens":64,"temperature":0.7}'


def variant_rows(
    model: str, items: int, right: dict[tuple[str, str], int]
) -> list[dict[str, object]]:
    """`model` under prompts terse/chatty × temperature 0/0.7; `right[(prompt, params)]`
    items answered right (the first ones)."""
    return [
        {
            "model": model,
            "item": i,
            "prompt_id": prompt,
            "params_json": params,
            "score": int(i < right[(prompt, params)]),
        }
        for prompt in ("terse", "chatty")
        for params in (TERSE_T0, TERSE_T7)
        for i in range(items)
    ]


def two_prompts_two_temperatures(tables: Callable[..., Tables]) -> Tables:
    """The issue's sweep in miniature: terse right on 3 of 4 items, chatty never."""
    right = {("terse", TERSE_T0): 3, ("terse", TERSE_T7): 3}
    right |= {("chatty", TERSE_T0): 0, ("chatty", TERSE_T7): 0}
    return tables(variant_rows("openai/gpt-4o-mini", 4, right))


def test_each_variant_is_a_contestant_with_its_own_score(tables) -> None:
    s = summarize(
        *two_prompts_two_temperatures(tables), options=SummaryOptions(prompts=["terse", "chatty"])
    )
    assert list(s.index) == [
        "openai/gpt-4o-mini · terse · temperature=0",
        "openai/gpt-4o-mini · terse · temperature=0.7",
        "openai/gpt-4o-mini · chatty · temperature=0",
        "openai/gpt-4o-mini · chatty · temperature=0.7",
    ]
    assert list(s["score_exact"]) == [0.75, 0.75, 0.0, 0.0]  # not one 37.5% for the model
    assert list(s["n_exact"]) == [4, 4, 4, 4] and list(s["rows"]) == [4, 4, 4, 4]
    assert list(s["prompt_id"]) == ["terse", "terse", "chatty", "chatty"]
    assert s["params_json"].iloc[1] == TERSE_T7 and (s["model"] == "openai/gpt-4o-mini").all()


def test_the_short_id_is_a_hash_of_model_prompt_and_params(tables) -> None:
    s = summarize(*two_prompts_two_temperatures(tables))
    key = "\x1f".join(["openai/gpt-4o-mini", "terse", TERSE_T7])
    expected = hashlib.sha256(key.encode()).hexdigest()[:8]
    assert s.loc["openai/gpt-4o-mini · terse · temperature=0.7", "contestant_id"] == expected
    assert s["contestant_id"].is_unique


def test_compare_pairs_items_not_tasks(tables) -> None:
    pairs = compare(*two_prompts_two_temperatures(tables))
    assert len(pairs) == 6 and (pairs["n_shared"] == 4).all()
    terse_vs_chatty = pairs[
        (pairs["contestant_a"] == "openai/gpt-4o-mini · terse · temperature=0")
        & (pairs["contestant_b"] == "openai/gpt-4o-mini · chatty · temperature=0")
    ].iloc[0]
    assert terse_vs_chatty["diff"] == 0.75 and terse_vs_chatty["discordant"] == 3


def test_a_one_variant_run_is_labelled_by_its_models(tables) -> None:
    rows = [{"model": m, "item": i, "score": 1} for m in ("a/x", "b/y") for i in range(3)]
    entrants = contestants(tables(rows)[0])
    assert entrants.labels == ["a/x", "b/y"] and not entrants.varies
    s = summarize(*tables(rows))
    assert list(s.index) == ["a/x", "b/y"] and s.index.name == "contestant"
    assert list(compare(*tables(rows))[["contestant_a", "contestant_b"]].iloc[0]) == ["a/x", "b/y"]
    out = io.StringIO()
    print_summary(s, Manifest(run_id="r", status="completed"), file=out)
    header = out.getvalue().splitlines()[0].split()
    assert header == ["model", "rows", "errors", "exact", "latency", "cost"]


def test_labels_name_only_what_varies(tables) -> None:
    rows = [
        {"model": "a/x", "item": 0, "params_json": '{"seed":1,"temperature":0}'},
        {"model": "a/x", "item": 0, "params_json": '{"seed":2,"temperature":0}'},
        {"model": "b/y", "item": 0, "params_json": '{"seed":1,"temperature":0}'},
        {"model": "b/y", "item": 0, "params_json": '{"seed":1,"stop":["\\n"],"temperature":0}'},
    ]
    assert contestants(tables(rows)[0]).labels == [
        "a/x · seed=1",
        "a/x · seed=2",
        'b/y · seed=1, stop=["\\n"]',  # params sort by their values, key by key
        "b/y · seed=1",
    ]


def test_labels_that_would_collide_get_their_ids(tables) -> None:
    # the same temperature spelt two ways: two contestants (two task sets), one label
    rows = [
        {"model": "a/x", "item": 0, "params_json": '{"temperature":0}'},
        {"model": "a/x", "item": 0, "params_json": '{"temperature":0.0}'},
    ]
    entrants = contestants(tables(rows)[0])
    ids = list(entrants.table["contestant_id"])
    assert entrants.labels == [f"a/x #{ids[0]}", f"a/x #{ids[1]}"]


def test_params_sort_by_value_not_by_spelling(tables) -> None:
    rows = [
        {"model": "a/x", "item": 0, "params_json": f'{{"max_tokens":{n}}}'} for n in (100, 20, 3)
    ]
    labels = contestants(tables(rows)[0]).labels
    assert labels == ["a/x · max_tokens=3", "a/x · max_tokens=20", "a/x · max_tokens=100"]


def test_repeats_are_averaged_within_an_item_only(tables) -> None:
    # two repeats of each item under each prompt: repeats average, prompts stay apart
    rows = [
        {"model": "a/x", "item": i, "prompt_id": p, "repeat": r, "score": int(p == "p1" or r)}
        for p in ("p1", "p2")
        for i in range(6)
        for r in range(2)
    ]
    quality = score_summary(*tables(rows)).set_index("contestant")
    assert quality.loc["a/x · p1", "n"] == 6 and quality.loc["a/x · p1", "mean"] == 1.0
    assert quality.loc["a/x · p2", "n"] == 6 and quality.loc["a/x · p2", "mean"] == 0.5
    assert quality.loc["a/x · p2", "ci_method"] == "bootstrap"  # halves are not pass/fail
    assert quality.loc["a/x · p2", "correct"] == 6  # rows right, for cost per correct


def test_summary_by_model_prompt_params_and_what_served(tables) -> None:
    rows = [
        {"model": m, "item": i, "prompt_id": p, "score": int(p == "terse")}
        for m in ("a/x", "b/y")
        for p in ("terse", "chatty")
        for i in range(4)
    ]
    results, scores = tables(rows)
    results["served_provider"] = ["P1" if i % 2 else "P2" for i in range(len(results))]
    results["served_model"] = results["model"]
    by_model = summarize(results, scores, options=SummaryOptions(by="model"))
    assert by_model.index.name == "model" and list(by_model.index) == ["a/x", "b/y"]
    assert list(by_model["score_exact"]) == [0.5, 0.5] and list(by_model["rows"]) == [8, 8]
    by_prompt = summarize(
        results, scores, options=SummaryOptions(by="prompt", prompts=["terse", "chatty"])
    )
    assert by_prompt.index.name == "prompt_id"
    assert list(by_prompt["score_exact"]) == [1.0, 0.0]
    both = summarize(results, scores, options=SummaryOptions(by=["model", "prompt"]))
    assert both.index.name == "group" and len(both) == 4
    assert "a/x · terse" in both.index
    by_provider = summarize(results, scores, options=SummaryOptions(by="served_provider"))
    assert sorted(by_provider.index) == ["P1", "P2"] and by_provider["rows"].sum() == 16
    by_params = summarize(results, scores, options=SummaryOptions(by="params"))
    assert list(by_params.index) == ["no params"]  # asked for: shown even when all alike
    assert list(summarize(results, scores, options=SummaryOptions(by="served_model")).index) == [
        "a/x",
        "b/y",
    ]
    with pytest.raises(ValueError, match="cannot group by 'vendor'"):
        summarize(results, scores, options=SummaryOptions(by="vendor"))


def test_rows_without_the_grouped_value_are_one_group(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1} for i in range(2)]
    rows.append({"model": "a/x", "item": 2, "status": "error"})
    results, scores = tables(rows)
    results["served_model"] = ["m/1", "m/1", None]
    s = summarize(results, scores, options=SummaryOptions(by="served_model"))
    assert list(s.index) == ["m/1", "–"] and list(s["errors"]) == [0, 1]
    assert s["served_model"].isna()["–"]


def test_rank_groups_and_pairs_by_a_grouping(tables) -> None:
    rows = [
        {"model": m, "item": i, "prompt_id": p, "score": int(p == "terse" and i < 40)}
        for m in ("a/x", "b/y")
        for p in ("terse", "chatty")
        for i in range(50)
    ]
    groups = rank_groups(*tables(rows), options=SummaryOptions(by="prompt"))
    assert list(groups["contestant"]) == ["terse", "chatty"] and list(groups["group"]) == [1, 2]
    assert list(groups["n"]) == [50, 50]  # items; both models of a prompt averaged per item
    pairs = compare(*tables(rows), options=SummaryOptions(by="model"))
    assert pairs.iloc[0]["n_shared"] == 50 and pairs.iloc[0]["diff"] == 0.0


def test_budget_skipped_and_quota_deferred_are_their_own_columns(tables) -> None:
    rows = [{"model": "a/x", "item": i, "score": 1} for i in range(3)]
    rows += [{"model": "a/x", "item": 3 + i, "status": "skipped_budget"} for i in range(2)]
    rows += [{"model": "b/y", "item": 0, "status": "deferred"}]
    rows += [{"model": "b/y", "item": 1, "score": 0}]
    s = summarize(*tables(rows))
    assert list(s["skipped_budget"]) == [2, 0] and list(s["deferred"]) == [0, 1]
    assert list(s["errors"]) == [0, 0] and list(s["pending"]) == [2, 1]
    out = io.StringIO()
    print_summary(s, Manifest(run_id="r", status="incomplete"), file=out)
    lines = out.getvalue().splitlines()
    header = ["model", "rows", "errors", "skipped", "(budget)", "deferred", "(quota)"]
    assert lines[0].split()[:7] == header
    assert lines[2].split()[:5] == ["a/x", "5", "0", "2", "0"]
    assert lines[3].split()[:5] == ["b/y", "2", "0", "0", "1"]


def test_an_unscored_contestant_keeps_its_row(tables) -> None:
    rows = [{"model": "a/x", "item": 0, "prompt_id": p, "score": 1} for p in ("p1", "p2")]
    results, scores = tables(rows)
    scores = scores[scores["task_key"] == "k0"]
    s = summarize(results, scores)
    assert s.loc["a/x · p2", "n_exact"] == 0 and math.isnan(number(s, "a/x · p2", "score_exact"))
