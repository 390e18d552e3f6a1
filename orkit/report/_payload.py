"""The report's data: `build_payload(runs, options)`, the JSON-able dict the page is built
from (its layout: `notes/report15-design.md`, version 1). The page computes nothing
statistical: every figure is the library's (`stats.summarize_run`, `compare`,
`rank_groups`, `pareto_frontier`), over the runs' rows read column-wise as codes; texts are
read for the drill-down's rows only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from orkit._version import __version__
from orkit.report._board import leaderboard, pareto
from orkit.report._cells import Texts, cell_columns
from orkit.report._header import run_header
from orkit.report._items import Selection, select_items
from orkit.report._memory import release_freed_memory
from orkit.report._messages import item_messages
from orkit.report._options import ReportOptions
from orkit.report._pairs import pair_contestants
from orkit.report._provenance import provenance
from orkit.report._several import Loaded, load_runs
from orkit.report._spread import latency_spread
from orkit.report._tallies import tally
from orkit.report._text_budget import Fitted, fit_texts
from orkit.report._timeline import timeline
from orkit.results import RunDir
from orkit.stats import summarize_run

__all__ = ["PAYLOAD_VERSION", "build_payload"]

PAYLOAD_VERSION = 1


def build_payload(runs: Sequence[RunDir], options: ReportOptions) -> dict[str, Any]:
    """The payload of a report of `runs` (one or more; several pair by item id)."""
    loaded = load_runs(runs, options.seed)
    rows = loaded.rows
    summary = summarize_run(rows, loaded.options)
    entrants = summary.contestants
    codes, labels = entrants.codes.astype(np.int64), entrants.labels
    k = len(labels)
    scorers = _scorers(loaded)
    names = [s["name"] for s in scorers]
    for scorer in scorers:
        # pass/fail (every score 0 or 1): the page shows it as a percentage and its
        # differences in percentage points, as `orkit compare` prints them
        methods = summary.scores.loc[summary.scores["scorer"] == scorer["name"], "ci_method"]
        scorer["binary"] = bool(len(methods)) and bool((methods == "agresti_coull").all())
    # the pairs first: their matrices are the largest this builds, freed before the
    # drill-down's objects are made (see `release_freed_memory`)
    release_freed_memory()
    paired = pair_contestants(rows, loaded.options, (codes, labels), names)
    release_freed_memory()
    tallies = tally(loaded, codes, k)
    board = leaderboard(summary, rows, _runs_of(loaded, codes, k), names, tallies)
    for entry, groups in zip(board, paired.rank_group, strict=True):
        entry["rank_group"] = groups
    redact = options.redact
    payload: dict[str, Any] = {
        "version": PAYLOAD_VERSION,
        "title": options.title or _title(loaded),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "orkit_version": __version__,
        "runs": [
            run_header(run, manifest, redact_prompts=redact in ("prompts", "all"))
            for run, manifest in zip(loaded.runs, loaded.manifests, strict=True)
        ],
        "notes": [],
        "redacted": redact,
        "noun": "contestant" if entrants.varies else "model",
        "scorers": scorers,
        "contestants": board,
        "pairs": paired.pairs,
        "pareto": pareto(summary, names),
        "latency": latency_spread(rows, codes, k),
        "timeline": timeline(loaded),
        "provenance": provenance(tallies, rows, _models(board)),
    }
    del summary, tallies
    release_freed_memory()
    texts = Texts(options.max_text_chars)
    primary = rows.scorers.index(names[0]) if names else None
    selection = select_items(loaded, codes, k, primary, (options.max_items, options.seed))
    release_freed_memory()
    payload["items"] = _items(loaded, selection, names, texts, redact)
    fitted = fit_texts(payload["items"])
    payload["notes"] = [
        *_pairing_note(loaded),
        *_fallback_note(loaded),
        *_notes(selection, texts, options),
        *_budget_note(fitted),
    ]
    return payload


def _items(
    loaded: Loaded, selection: Selection, names: list[str], texts: Texts, redact: str | None
) -> dict[str, Any]:
    """The payload's `items`: the drill-down, columnar."""
    rows = loaded.rows
    scorer_of = [names.index(s) if s in names else -1 for s in rows.scorers]
    cells, expected = cell_columns(loaded, selection, scorer_of, texts)
    messages: dict[str, Any] = dict(item_messages(loaded, selection, texts))
    index = _item_positions(loaded, selection)
    hide_prompts, hide_outputs = redact in ("prompts", "all"), redact in ("outputs", "all")
    if hide_outputs:
        for cell in cells:
            cell["text"] = cell["reasoning"] = None
            for scored in cell["scores"]:
                scored["detail"] = None
    first = expected[0] if expected else [None] * len(selection.items)
    by_scorer = {
        name: values
        for name, values in zip(names[1:], expected[1:], strict=False)
        if values != first
    }
    if hide_prompts:  # the expected answers are dataset text too
        messages = dict.fromkeys(messages)
        first, by_scorer = [None] * len(first), {}
    return {
        "total": selection.total,
        "shown": len(selection.items),
        "sampled": selection.sampled,
        "max_text_chars": texts.limit,
        "id": [rows.item_ids[i] for i in selection.items.tolist()],
        "index": index,
        "expected": first,
        "expected_by_scorer": by_scorer,
        "disagree": selection.disagree.tolist(),
        "messages": messages,
        "cells": cells,
    }


def _item_positions(loaded: Loaded, selection: Selection) -> list[int | None]:
    """Each shown item's dataset position (the smallest its rows give; None: unknown)."""
    rows = loaded.rows
    position = np.full(len(rows.item_ids), np.inf)
    np.fmin.at(position, rows.item, rows.floats["item_index"])
    shown = position[selection.items]
    return [int(p) if np.isfinite(p) else None for p in shown.tolist()]


def _pairing_note(loaded: Loaded) -> list[str]:
    """With several runs: how many items they share (pairs are made on those only)."""
    if len(loaded.runs) < 2:
        return []
    run_of_rows = loaded.run_of_rows()
    present = [
        set(np.unique(loaded.rows.item[run_of_rows == r]).tolist()) for r in range(len(loaded.runs))
    ]
    shared = len(set.intersection(*present))
    total = len(set.union(*present))
    return [
        f"Items are matched across the {len(loaded.runs)} runs by item id: {shared:,} of "
        f"{total:,} are in every run; paired differences between contestants of different "
        "runs use the items both answered."
    ]


def _fallback_note(loaded: Loaded) -> list[str]:
    """How answers from a fallback model were scored, when there were any: the sweep's
    `score_fallbacks` decides, and a reader comparing with `orkit compare` needs to know."""
    fell_back = int(loaded.rows.is_fallback.sum())
    if not fell_back:
        return []
    rows = f"{fell_back:,} row{'s' if fell_back != 1 else ''}"
    if loaded.options.score_fallbacks:
        return [
            f"{rows} were answered by a fallback model; scores are counting rows answered by "
            "a fallback model toward the model asked for (score_fallbacks = true)."
        ]
    return [
        f"{rows} were answered by a fallback model; scores are counting only rows answered "
        "by the model asked for (set score_fallbacks = true to count the others)."
    ]


def _budget_note(fitted: Fitted | None) -> list[str]:
    if fitted is None:
        return []
    return [
        f"To keep this file near 10 MB, {fitted.cut:,} of the longest texts are cut to "
        f"{fitted.limit_bytes:,} bytes; the full text is in the run's Parquet files."
    ]


def _notes(selection: Selection, texts: Texts, options: ReportOptions) -> list[str]:
    """What the report left out or cut, in plain words with numbers."""
    notes = []
    if texts.cut:
        notes.append(
            f"{texts.cut:,} texts are cut at {options.max_text_chars:,} characters; the full "
            "text is in the run's Parquet files."
        )
    if selection.sampled:
        shown, total, disputed = len(selection.items), selection.total, selection.disputed
        if disputed >= shown:
            notes.append(
                f"The drill-down shows {shown:,} of {total:,} items: a random sample (seed "
                f"{options.seed}) of the {disputed:,} where the contestants disagree or one "
                f"failed; the other {total - disputed:,} items, where all agree, are left out."
            )
        else:
            notes.append(
                f"The drill-down shows {shown:,} of {total:,} items: all {disputed:,} where "
                f"the contestants disagree or one failed, and a random sample (seed "
                f"{options.seed}) of {shown - disputed:,} of the other {total - disputed:,}."
            )
    if options.redact in ("prompts", "all"):
        notes.append("Prompts are redacted: no message, template or expected answer is shown.")
    if options.redact in ("outputs", "all"):
        notes.append("Outputs are redacted: no answer, reasoning or judge rationale is shown.")
    return notes


def _scorers(loaded: Loaded) -> list[dict[str, Any]]:
    """The scorers with scores, in the specs' order (then any other, as first scored)."""
    specs: dict[str, Mapping[str, Any]] = {}
    for manifest in loaded.manifests:
        for spec in manifest.spec.get("scorers") or []:
            if isinstance(spec, Mapping):
                specs.setdefault(str(spec.get("name") or spec.get("kind")), spec)
    present = loaded.rows.scorers
    ordered = [n for n in specs if n in present] + [n for n in present if n not in specs]
    out = []
    for name in ordered:
        spec = specs.get(name, {})
        kind = spec.get("kind")
        expected = spec.get("expected")
        out.append(
            {
                "name": name,
                "kind": None if kind is None else str(kind),
                "expected": expected if isinstance(expected, str) else None,
                "judge": str(kind or "").startswith("judge"),
            }
        )
    return out


def _runs_of(loaded: Loaded, codes: np.ndarray, k: int) -> list[int]:
    """Each contestant's run (the run of its first row; contestants never span runs)."""
    run_of_rows = loaded.run_of_rows()
    out = [0] * k
    mine = np.flatnonzero(codes >= 0)
    found, first = np.unique(codes[mine], return_index=True)
    for c, at in zip(found.tolist(), first.tolist(), strict=True):
        out[c] = int(run_of_rows[mine[at]])
    return out


def _models(board: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(str(c["model"]) for c in board if c["model"] is not None))


def _title(loaded: Loaded) -> str:
    names = [m.name or run.run_id for run, m in zip(loaded.runs, loaded.manifests, strict=True)]
    return " vs ".join(names) if len(names) > 1 else names[0]
