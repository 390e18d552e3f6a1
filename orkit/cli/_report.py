"""`orkit report`: write the one-file HTML report of a run."""

from __future__ import annotations

import argparse
from typing import Any

from orkit.cli._exit import ExitCode

HELP = "write a self-contained HTML report of a run"


def register(sub: Any) -> None:
    p = sub.add_parser("report", help=HELP, description=HELP)
    p.add_argument("run", help="run directory (runs/<run_id>)")
    p.add_argument("-o", "--output", help="output file (default: reports/<run_id>.html)")
    p.add_argument("--title", help="report title (default: the run's name or id)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from orkit.report import write_report
    from orkit.results import RunDir

    rd = RunDir.open(args.run)
    out = Path(args.output) if args.output else Path("reports") / f"{rd.run_id}.html"
    path = write_report(rd, out, title=args.title)
    print(f"report: {path}")
    return ExitCode.OK
