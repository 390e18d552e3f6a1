"""`orkit models`: the table, the footer, --json, the filters, --live and its fallbacks, and
one-line errors with exit code 2."""

from __future__ import annotations

import json

import pytest

from orkit.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["models", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_lists_every_bundled_model_with_a_footer(capsys) -> None:
    code, out, err = run(capsys)
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert lines[0].split() == ["ID", "CONTEXT", "$/M", "IN", "$/M", "OUT", "FLAGS"]
    assert len(lines) == 1 + 414 + 1
    assert lines[-1] == "414 models match · prices from the bundled snapshot of 2026-08-19"


def test_table_columns_are_aligned_and_show_prices_per_million(capsys) -> None:
    code, out, _ = run(capsys, "gpt-4o-mini")
    assert code == 0
    assert out == (
        "ID                             CONTEXT  $/M IN  $/M OUT  FLAGS\n"
        "openai/gpt-4o-mini             128,000    0.15     0.60  tools json vision\n"
        "openai/gpt-4o-mini-2024-07-18  128,000    0.15     0.60  tools json vision\n"
        "openai/gpt-4o-mini:batch       128,000   0.075     0.30  tools json vision\n"
        "3 models match · prices from the bundled snapshot of 2026-08-19\n"
    )


def test_flags_show_free_router_and_alias(capsys) -> None:
    _, out, _ = run(capsys, "openrouter/free")
    assert "free tools json reasoning vision router" in out
    _, out, _ = run(capsys, "~anthropic/claude-haiku-latest")
    assert "alias→anthropic/claude-haiku-4.5" in out
    _, out, _ = run(capsys, "openrouter/auto", "--limit", "1")
    row = out.splitlines()[1].split()
    assert row[:4] == ["openrouter/auto", "2,000,000", "-", "-"]  # dynamic prices


def test_free_filter_sorted_by_price(capsys) -> None:
    code, out, _ = run(capsys, "--free", "--sort", "price")
    rows = out.splitlines()[1:-1]
    assert code == 0 and len(rows) == 20
    assert all(" free" in r for r in rows)
    assert out.splitlines()[-1].startswith("20 models match")


def test_price_context_and_capability_filters(capsys) -> None:
    code, out, _ = run(
        capsys,
        "--max-price",
        "0.2",
        "--max-completion-price",
        "1",
        "--min-context",
        "100000",
        "--tools",
        "--structured-outputs",
        "--modality",
        "image",
        "--json",
    )
    doc = json.loads(out)
    assert code == 0 and doc["count"] == len(doc["models"]) > 0
    for m in doc["models"]:
        assert m["prompt_price_per_m"] <= 0.2 and m["completion_price_per_m"] <= 1
        assert m["context_length"] >= 100_000 and m["tools"] and m["structured_outputs"]
        assert "image" in m["input_modalities"]


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("price", "prompt_price_per_m", False),
        ("context", "context_length", True),
        ("newest", "created", True),
    ],
)
def test_sort_orders(capsys, sort: str, key: str, reverse: bool) -> None:
    _, out, _ = run(capsys, "openai", "--sort", sort, "--json")
    values = [m[key] for m in json.loads(out)["models"] if m[key] is not None]
    assert values == sorted(values, reverse=reverse)


def test_sort_by_name_is_the_default(capsys) -> None:
    _, out, _ = run(capsys, "anthropic", "--json")
    ids = [m["id"] for m in json.loads(out)["models"]]
    assert ids == sorted(ids)


def test_limit_says_how_many_are_shown(capsys) -> None:
    _, out, _ = run(capsys, "--sort", "price", "--limit", "3")
    lines = out.splitlines()
    assert len(lines) == 1 + 3 + 1
    assert (
        lines[-1] == "414 models match (showing 3) · prices from the bundled snapshot of 2026-08-19"
    )


def test_json_output(capsys) -> None:
    code, out, err = run(capsys, "gpt-4o-mini", "--json", "--limit", "1")
    doc = json.loads(out)
    assert code == 0 and err == ""
    assert (
        doc["source"] == "snapshot" and doc["snapshot_date"] == "2026-08-19" and doc["note"] is None
    )
    assert doc["count"] == 3 and len(doc["models"]) == 1
    m = doc["models"][0]
    assert m["id"] == "openai/gpt-4o-mini"
    assert (m["prompt_price_per_m"], m["completion_price_per_m"], m["context_length"]) == (
        0.15,
        0.6,
        128_000,
    )
    assert m["is_free"] is False and m["tools"] is True and m["structured_outputs"] is True


def test_no_match_is_not_an_error_and_suggests_ids(capsys) -> None:
    code, out, err = run(capsys, "gpt4o-mni")
    assert code == 0
    assert out == "0 models match · prices from the bundled snapshot of 2026-08-19\n"
    assert err == (
        "orkit: no model matches 'gpt4o-mni'; "
        "did you mean openai/gpt-4o-mini, openai/gpt-4.1-mini, openai/gpt-5.4-mini?\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "orkit: error: --limit must be >= 1, got 0"),
        (
            ["--max-price", "-1"],
            "orkit: error: --max-price must be >= 0 (USD per million tokens), got -1.0",
        ),
        (["--min-context", "-5"], "orkit: error: --min-context must be >= 0, got -5"),
        (
            ["--modality", "imgae"],
            "orkit: error: unknown --modality 'imgae'; choose from audio, file, image, text, video",
        ),
    ],
)
def test_bad_options_are_one_line_errors_with_exit_2(capsys, args: list[str], message: str) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err == message + "\n"


def test_unknown_sort_is_rejected_by_argparse(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["models", "--sort", "cheapest"])
    assert info.value.code == 2
    assert "invalid choice: 'cheapest'" in capsys.readouterr().err


def test_live_fetches_from_the_server_and_says_so(capsys, models_server: str) -> None:
    code, out, err = run(capsys, "--live", "--base-url", models_server)
    lines = out.splitlines()
    assert code == 0 and err == ""
    assert [ln.split()[0] for ln in lines[1:-1]] == ["local/alpha", "local/beta"]
    assert lines[1].split()[2:4] == ["0.20", "0.40"]
    assert lines[-1].startswith(f"2 models match · prices from {models_server}, fetched 20")
    assert lines[-1].endswith(" UTC")


def test_live_uses_its_cache_on_the_next_call(capsys, models_server: str) -> None:
    run(capsys, "--live", "--base-url", models_server)
    code, out, _ = run(capsys, "--live", "--base-url", models_server, "--json")
    assert code == 0 and json.loads(out)["source"] == "cache"


def test_live_when_unreachable_falls_back_with_a_note(capsys, refused_url: str) -> None:
    code, out, err = run(capsys, "--live", "--base-url", refused_url, "--limit", "1")
    assert code == 0
    assert (
        out.splitlines()[-1]
        == "414 models match (showing 1) · prices from the bundled snapshot of 2026-08-19"
    )
    assert err.startswith("orkit: note: could not fetch the model list (APIConnectionError")
    assert err.rstrip().endswith("; using the bundled snapshot of 2026-08-19")
    assert len(err.splitlines()) == 1


def test_live_without_a_key_falls_back_with_a_note(capsys) -> None:
    code, out, err = run(capsys, "--live", "--limit", "1")
    assert code == 0 and "414 models match" in out
    assert err.startswith("orkit: note: could not fetch the model list (no OpenRouter API key")
