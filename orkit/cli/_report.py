"""`orkit report RUN [RUN …]`: write the one-file HTML comparison report of one run or of
several runs paired by item id."""

from __future__ import annotations

import argparse
from typing import Any

from orkit.cli._exit import ExitCode

HELP = "write a self-contained HTML report of one run, or of several compared by item"
DESCRIPTION = (
    "Write one HTML file with the statistics (scores with 95% intervals, paired "
    "differences, rank groups), charts and every answer, searchable. It opens offline "
    "from a file, an e-mail attachment or any static web host: nothing is fetched."
)
_REDACTIONS = ("prompts", "outputs", "all")


def register(sub: Any) -> None:
    p = sub.add_parser("report", help=HELP, description=DESCRIPTION)
    p.add_argument(
        "runs",
        nargs="+",
        metavar="RUN",
        help="run directories (runs/<run_id>); with several, items are paired by item_id",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE.html",
        help="output file (default: reports/<run_id>.html; with several runs, "
        "reports/<first run_id>+<n>.html)",
    )
    p.add_argument("--open", action="store_true", help="open the report in a web browser")
    p.add_argument(
        "--max-items",
        type=int,
        default=10_000,
        metavar="N",
        help="items in the drill-down (default 10,000); a run with more keeps the items "
        "where contestants disagree or one failed first, then a seeded sample of the rest, "
        "N in all",
    )
    p.add_argument(
        "--max-text",
        type=int,
        default=2_000,
        metavar="CHARS",
        help="cut each embedded text at this many characters (default 2,000; the full text "
        "stays in the run's Parquet files)",
    )
    p.add_argument(
        "--redact",
        choices=_REDACTIONS,
        help="leave out the prompts (dataset text and templates), the outputs (answers, "
        "reasoning, judge rationales) or all of them; the statistics stay",
    )
    p.add_argument("--title", help="report title (default: the run's name or id)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from orkit.cli._run_dirs import open_run_dirs
    from orkit.errors import ConfigError
    from orkit.report import ReportOptions, write_report

    if args.max_items < 1:
        raise ConfigError(f"--max-items must be at least 1, got {args.max_items}")
    if args.max_text < 1:
        raise ConfigError(f"--max-text must be at least 1, got {args.max_text}")
    runs = open_run_dirs(args.runs)
    ids = [r.run_id for r in runs]
    out = Path(args.output) if args.output else _default_output(ids)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"-o {out}: the report is one HTML file; name it FILE.html")
    options = ReportOptions(
        title=args.title, max_items=args.max_items, redact=args.redact, max_text_chars=args.max_text
    )
    path = write_report(runs, out, options)
    print(f"report: {path} ({path.stat().st_size / 1e6:.1f} MB)")
    _print_prompt_cache(runs)
    if args.open:
        _open_in_browser(path)
    return ExitCode.OK


def _print_prompt_cache(runs: list[Any]) -> None:
    """The `cache:` line of each run whose rows read or wrote the providers' prompt cache
    (named by run when the report holds several), as `orkit run` printed it."""
    from orkit._format import prompt_cache_text

    for run in runs:
        line = prompt_cache_text(run.read_manifest().totals_all)
        if line:
            print(f"{run.run_id}: {line}" if len(runs) > 1 else line)


def _default_output(run_ids: list[str]) -> Any:
    from pathlib import Path

    name = run_ids[0] if len(run_ids) == 1 else f"{run_ids[0]}+{len(run_ids) - 1}"
    return Path("reports") / f"{name}.html"


def _open_in_browser(path: Any) -> None:
    """The report in the user's browser; where there is none (a server, CI), say where the
    file is instead of failing: the report is written either way."""
    import sys
    import webbrowser

    if not webbrowser.open(path.resolve().as_uri()):
        print(f"no web browser found: open {path} yourself", file=sys.stderr)
