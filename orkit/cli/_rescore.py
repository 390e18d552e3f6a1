"""`orkit rescore`: score a finished run again from its journal, sending no candidate
request (LLM judges send theirs through the router and the response cache)."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from orkit.cli._exit import ExitCode
from orkit.cli._progress import add_output_arguments
from orkit.errors import SpecError

HELP = "score a run again (other scorers, a fixed judge) without re-sending its requests"

_SCORER_HELP = (
    "a scorer kind (exact, numeric, json_valid, ...) or an inline TOML table, e.g. "
    """'{kind = "judge_reference", model = "openai/gpt-4o-mini"}' (repeatable)"""
)


def register(sub: Any) -> None:
    p = sub.add_parser("rescore", help=HELP, description=HELP)
    p.add_argument("run", help="run directory (runs/<run_id>)")
    p.add_argument("--scorer", "-s", action="append", metavar="SCORER", help=_SCORER_HELP)
    p.add_argument(
        "--spec", metavar="FILE", help="take the scorers from this TOML file's [[scorers]]"
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the scores of scorers not given (default: the scores become these only)",
    )
    p.add_argument(
        "--budget", type=float, metavar="USD", help="most the new judge requests may spend"
    )
    add_output_arguments(p, quiet_help="do not print the scores table")
    p.set_defaults(func=rescore)


def parse_scorer(text: str) -> dict[str, Any]:
    """`exact` → {"kind": "exact"}; `{kind = "regex", pattern = "^\\d+$"}` → that table."""
    text = text.strip()
    if not text.startswith("{"):
        if not text.replace("_", "").isalnum():
            raise SpecError(f"not a scorer kind or a TOML table: {text!r}", field="--scorer")
        return {"kind": text}
    try:
        table = tomllib.loads(f"scorer = {text}")["scorer"]
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"invalid TOML table {text!r}: {exc}", field="--scorer") from None
    if not isinstance(table, dict):
        raise SpecError(f"must be a TOML inline table: {text!r}", field="--scorer")
    return table


def scorers_from_file(path: str) -> list[dict[str, Any]]:
    """The `[[scorers]]` of a TOML file (a run spec or a file with only scorers); a
    `python` scorer's `file.py:attr` is relative to that file."""
    from orkit.plan import resolve_scorer_paths

    where = Path(path)
    try:
        raw = tomllib.loads(where.read_text("utf-8"))
    except FileNotFoundError:
        raise SpecError("file not found", path=path) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError(f"cannot read: {exc}", path=path) from None
    tables = raw.get("scorers")
    if not isinstance(tables, list) or not tables or not all(isinstance(t, dict) for t in tables):
        raise SpecError("needs an array of tables [[scorers]]", path=path, field="scorers")
    return [resolve_scorer_paths(t, where.parent) for t in tables]


def rescore(args: argparse.Namespace) -> int:
    from orkit.api import Run, rescore_async
    from orkit.cli._finish import run_with_interrupts
    from orkit.cli._table import print_scores

    scorers: list[dict[str, Any]] | None = None
    if args.spec:
        scorers = scorers_from_file(args.spec)
    if args.scorer:
        scorers = (scorers or []) + [parse_scorer(s) for s in args.scorer]
    try:
        run_dir = run_with_interrupts(
            rescore_async, args.run, scorers=scorers, keep=args.keep, budget_usd=args.budget
        )
    except SpecError as exc:
        if exc.path is None and args.spec and not args.scorer:
            raise SpecError(exc.message, path=args.spec) from None
        raise
    result = Run(run_dir)
    if not args.quiet:
        print_scores(result.summary(), result.manifest, file=sys.stdout)
    print(f"run directory: {result.path}")
    if not args.no_report:
        print(f"report:        {result.report(args.report)}")
    return ExitCode.OK
