"""Accounting: over a 5,000-task run through faults and fallbacks (the `bench_chaos` storm),
the cost orkit records (the manifest's spend: its rows, plus attempts billed although their
stream broke, which the storm's truncated streams are) equals what the emulator billed, to
1e-9 USD, both when responses
carry `usage.cost` and when they do not (the emulator's `report_usage_cost = false`: orkit
must ask `GET /generation` for every answered row, retrying its delayed 404s); and no row
shows $0 where its cost is unknown. The account has its own key for OpenAI (BYOK): the
model that goes down is served through it, billed OpenRouter's fee only, and the upstream
cost its rows record equals what the emulator says the provider billed (`byok_*`). Then a
run with an LLM judge and the `similar` scorer (`_accounting_scorers`): candidates, judge
calls and embeddings together equal the bill. Exits 1 (after the JSON) when any of the
three misses 1e-9.

The emulator runs in its own process on 127.0.0.1. Last line of output: one JSON object.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pandas as pd
from _accounting_scorers import check_with_scorers
from _harness import emit_checked, sim_process, sim_stats, workdir, write_items
from bench_chaos import ITEMS, MODEL_A, run, sim_config


def check(with_cost: bool) -> dict[str, Any]:
    config = {**sim_config(), "report_usage_cost": with_cost, "byok_providers": ["openai"]}
    # the model that goes down is served by OpenAI, through the account's own key
    config["models"] = {
        **config["models"],
        MODEL_A: {**config["models"][MODEL_A], "providers": [{"name": "OpenAI", "slug": "openai"}]},
    }
    with workdir() as tmp, sim_process(config) as base_url:
        items = write_items(tmp / "items.jsonl", ITEMS)
        run_dir, wall = anyio.run(run, base_url, str(items), str(tmp / "runs"))
        stats = sim_stats(base_url)
        billed = float(stats["billed_total_usd"])
        byok_billed = float(stats["byok_upstream_usd"])
        results = pd.read_parquet(run_dir.results_dir)
        manifest = json.loads((run_dir.path / "manifest.json").read_text())
    ok = results[results["status"] == "ok"]
    totals = manifest["totals"]["all"]
    recorded = float(totals["cost_usd"])
    rows_usd = float(results["cost_usd"].sum())
    sources = {str(k): int(v) for k, v in ok["cost_source"].value_counts().items()}
    zero_but_unknown = int(
        ((results["cost_usd"] == 0) & (results["cost_source"] == "unknown")).sum()
    )
    return {
        "tasks": len(results),
        "ok": len(ok),
        "wall_s": round(wall, 2),
        "cost_recorded_usd": round(recorded, 12),
        "cost_billed_usd": round(billed, 12),
        "difference_usd": abs(recorded - billed),
        "matches_1e9": abs(recorded - billed) <= 1e-9,
        "rows_cost_usd": round(rows_usd, 12),
        "billed_attempts_usd": totals.get("billed_attempts_usd"),
        "billed_attempts_unknown": totals.get("billed_attempts_unknown"),
        "cost_sources": sources,
        "ok_rows_cost_unknown": int(ok["cost_usd"].isna().sum()),
        "rows_zero_but_unknown": zero_but_unknown,
        "fallback_rows": int(results["is_fallback"].sum()),
        "byok_rows": totals.get("byok_rows"),
        "byok_fee_usd": totals.get("byok_fee_usd"),
        # the providers' own bill: rows (delivered answers) against every BYOK charge
        "byok_upstream_rows_usd": round(float(totals.get("byok_upstream_usd") or 0.0), 12),
        "byok_upstream_billed_usd": round(byok_billed, 12),
        "costs_filled": manifest.get("costs_filled", {}),
    }


def main() -> None:
    reported = check(with_cost=True)
    print("usage.cost present:", reported, flush=True)
    looked_up = check(with_cost=False)
    print("usage.cost absent:", looked_up, flush=True)
    scored = check_with_scorers()
    print("judge and embedding calls:", scored, flush=True)
    checks = {"usage_cost_present": reported, "usage_cost_absent": looked_up}
    checks["with_scorers"] = scored
    missed = [
        f"{name}: recorded spend differs from the bill by {c['difference_usd']:.3g} USD"
        for name, c in checks.items()
        if not c["matches_1e9"]
    ]
    if not scored["cached_rows"] or not scored["byok_rows"]:
        missed.append(f"the combined run lacked cache or BYOK rows: {scored}")
    emit_checked(
        {
            "tasks": sum(c["tasks"] for c in checks.values()),
            "matches_1e9": not missed,
            "difference_usd": max(c["difference_usd"] for c in checks.values()),
            "rows_zero_but_unknown": reported["rows_zero_but_unknown"]
            + looked_up["rows_zero_but_unknown"],
            "ok_rows_cost_unknown": reported["ok_rows_cost_unknown"]
            + looked_up["ok_rows_cost_unknown"],
            "byok_rows": reported["byok_rows"] + looked_up["byok_rows"],
            # caching, BYOK, embeddings and judge calls in one run (`with_scorers`)
            "cached_rows": scored["cached_rows"],
            **checks,
        },
        missed,
    )


if __name__ == "__main__":
    main()
