"""`orkit runs`' cost cell: the BYOK upstream and the prompt cache's savings share one
bracket after the spend (two brackets in a row read as two amounts of one thing)."""

from __future__ import annotations

from orkit.cli._runs import _cost, _status


def test_byok_and_cache_notes_share_one_bracket() -> None:
    both = {
        "cost_usd": 0.0839,
        "cost_unknown": 0,
        "byok_rows": 20,
        "byok_upstream_usd": 0.00878,
        "cache_hit_rate": 0.3,
        "cache_savings_usd": 0.0121,
    }
    assert _cost(both) == "$0.0839 (+$0.00878 BYOK upstream; cache 30%, saved $0.0121 net)"
    assert _cost({**both, "byok_rows": 0}) == "$0.0839 (cache 30%, saved $0.0121 net)"
    assert _cost({**both, "cache_hit_rate": None}) == "$0.0839 (+$0.00878 BYOK upstream)"
    assert _cost({"cost_usd": 0.0839, "cost_unknown": 0}) == "$0.0839"


def test_a_run_with_unscored_rows_says_so_in_its_status() -> None:
    assert _status({"status": "completed", "unscored_rows": 1200}) == "completed (1,200 not scored)"
    assert _status({"status": "completed", "unscored_rows": 0}) == "completed"
