"""`orkit run`: run a sweep from a TOML spec and/or flags, then write the HTML report."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from orkit._format import count, plural
from orkit.cli._confirm import DEFAULT_CONFIRM_ABOVE_USD, confirm_spend, estimate_for_cli
from orkit.cli._exit import ExitCode
from orkit.cli._finish import finish_run, run_with_interrupts
from orkit.cli._flag_errors import blame_flag, flags_given
from orkit.cli._progress import add_output_arguments, add_progress_argument, progress_for
from orkit.cli._provision import add_provision_argument
from orkit.cli._table import format_table
from orkit.config import Timeouts

HELP = "run a sweep (dataset × prompt × models) and write Parquet results and an HTML report"

EXAMPLES = """examples:
  orkit run datasets/demo/sweep.toml
  orkit run datasets/demo/sweep.toml --model openai/gpt-4o-mini --concurrency 8
  orkit run --dataset data.jsonl --prompt '{{ question }}' --model openai/gpt-4o-mini \\
            --model anthropic/claude-haiku-4.5 --endpoint openrouter
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help=HELP,
        description=HELP,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_sweep_arguments(p)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything and print the task count per model; send nothing",
    )
    add_provision_argument(p)
    add_spend_arguments(p, run=True)
    add_output_arguments(p)
    add_progress_argument(p)
    p.set_defaults(func=run)


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """The spec and the flags that override it (shared by `run` and `estimate`)."""
    p.add_argument(
        "spec",
        nargs="?",
        metavar="SPEC|DATASET",
        help="a TOML run spec (flags override its values), or a dataset file (.jsonl, .json, "
        ".csv, .tsv, .parquet) to run with --model and --prompt",
    )
    p.add_argument("--dataset", help="dataset file (.jsonl, .json, .csv, .tsv, .parquet)")
    p.add_argument(
        "--model",
        "-m",
        action="append",
        dest="models",
        metavar="MODEL",
        help="model id; repeat for several (replaces the spec's list)",
    )
    g = p.add_mutually_exclusive_group()
    g.add_argument("--prompt", help="user-message template (Jinja2; dataset columns as variables)")
    g.add_argument("--prompt-file", help="file holding the user-message template")
    p.add_argument("--system", help="system message (template)")
    p.add_argument(
        "--byok",
        action="append",
        metavar="PROVIDER",
        help="a provider you bring your own key for on OpenRouter (e.g. openai), or a model "
        "id: the estimate charges OpenRouter's 5%% fee and shows the provider's bill apart; "
        "repeatable (replaces the spec's `byok`)",
    )
    p.add_argument(
        "--prompt-cache",
        metavar="MODE",
        help="cache breakpoints for Anthropic and Qwen models: system | auto | message:N | none",
    )
    p.add_argument("--cache-ttl", metavar="TTL", help="a breakpoint's cache lifetime: 5m or 1h")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="request body field, VALUE parsed as JSON if it can be (e.g. "
        "temperature=0, max_tokens=64); a custom field the server knows and orkit does "
        "not: extra.NAME=VALUE; repeatable",
    )
    p.add_argument(
        "--concurrency",
        "-c",
        type=int,
        metavar="N",
        help="requests in flight at once, across all models (default 16)",
    )
    p.add_argument(
        "--per-model-concurrency",
        type=int,
        metavar="N",
        help="requests in flight at once to any one model (default: --concurrency)",
    )
    p.add_argument("--repeats", type=int, help="send each request this many times")
    p.add_argument("--out", help="directory for run directories (default: runs)")
    p.add_argument("--endpoint", help="sim | openrouter | URL of an OpenAI-compatible API")
    p.add_argument("--name", help="a name for the run")
    p.add_argument(
        "--budget",
        type=float,
        metavar="USD",
        help="never spend more than this (worst-case cost reserved per request)",
    )
    p.add_argument(
        "--task-timeout",
        type=float,
        metavar="SECONDS",
        help="end a task as an error row once its retries and waits have taken this long "
        "(default 300; 0: no cap)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="send every request, even deterministic ones answered before",
    )
    p.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="stream requests (measures time to first token) or not; default: auto, which "
        "stops streaming to a URL endpoint whose streams carry no token counts",
    )
    add_timeout_arguments(p)


_TIMEOUT_FIELDS = ("connect_timeout_s", "first_byte_timeout_s", "idle_timeout_s", "read_timeout_s")
"""The Sweep fields (and spec keys) the timeout flags set."""


def add_timeout_arguments(p: argparse.ArgumentParser) -> None:
    """How long a request may hang before it is given up and retried (spec keys of the
    same names; defaults in `orkit.config.Timeouts`)."""
    # The defaults shown are Timeouts' own, so the help cannot drift from what happens.
    defaults = Timeouts()
    g = p.add_argument_group("timeouts (seconds; a request that hits one is retried)")
    g.add_argument(
        "--connect-timeout",
        type=float,
        metavar="S",
        dest="connect_timeout_s",
        help=f"longest wait to connect to the server (default {defaults.connect:g})",
    )
    g.add_argument(
        "--first-byte-timeout",
        type=float,
        metavar="S",
        dest="first_byte_timeout_s",
        help="longest wait from sending a streamed request to its response headers "
        f"(default: --read-timeout if given, else {defaults.first_byte:g})",
    )
    g.add_argument(
        "--idle-timeout",
        type=float,
        metavar="S",
        dest="idle_timeout_s",
        help="longest silence between bytes of a streamed answer; keep-alive comments "
        f"count (default: --read-timeout if given, else {defaults.idle:g})",
    )
    g.add_argument(
        "--read-timeout",
        type=float,
        metavar="S",
        dest="read_timeout_s",
        help="longest silence anywhere, as one number: when given, the default of the two "
        "above and the limit for a non-streamed answer (default: unset; a non-streamed "
        f"answer then gets {defaults.read:g})",
    )


def add_spend_arguments(p: argparse.ArgumentParser, *, run: bool) -> None:
    """`--pilot`, `--yes` and `--confirm-above` (shared by `run` and `estimate`)."""
    p.add_argument(
        "--pilot",
        type=int,
        metavar="N",
        help="first run N items per model for real (its cost is shown and confirmed) and "
        "estimate output lengths from them",
    )
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before spending")
    if run:
        p.add_argument(
            "--confirm-above",
            type=float,
            default=DEFAULT_CONFIRM_ABOVE_USD,
            metavar="USD",
            help="ask before a run whose high estimate is above this "
            f"(default {DEFAULT_CONFIRM_ABOVE_USD:g}); without a terminal, refuse",
        )
        p.add_argument(
            "--no-estimate", action="store_true", help="skip the estimate (and the question)"
        )


def _parse_params(pairs: list[str]) -> dict[str, Any] | None:
    """`--param KEY=VALUE` pairs as params; `extra.NAME=VALUE` goes in the `extra` table
    (a custom field, sent as-is)."""
    from orkit.errors import SpecError

    if not pairs:
        return None
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SpecError(f"--param must be KEY=VALUE, got {pair!r}")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        table, dot, name = key.partition(".")
        if dot and table == "extra":
            if not name:
                raise SpecError(f"--param extra.NAME=VALUE needs a NAME, got {pair!r}")
            params.setdefault("extra", {})[name] = parsed
        else:
            params[key] = parsed
    return params


def _spec_or_dataset(positional: str | None, dataset: str | None) -> tuple[str | None, str | None]:
    """(spec, dataset): a positional `.toml` is the spec, a file a dataset reader accepts is
    the dataset (`orkit run data.jsonl -m X --prompt ...`), anything else is an error."""
    from orkit.data import DATASET_FORMATS
    from orkit.errors import SpecError

    if positional is None:
        return None, dataset
    suffix = Path(positional).suffix.lower()
    if suffix == ".toml":
        return positional, dataset
    if suffix in DATASET_FORMATS:
        if dataset is not None:
            raise SpecError(
                f"two datasets given: {positional} and --dataset {dataset}; give one",
                path=positional,
            )
        return None, positional
    formats = ", ".join(DATASET_FORMATS)
    raise SpecError(
        f"neither a run spec (.toml) nor a dataset ({formats}): "
        "give a spec, or a dataset with --model and --prompt",
        path=positional,
    )


def _merge_params(spec: dict[str, Any], flags: dict[str, Any]) -> dict[str, Any]:
    """--param adds to the spec's params (and to its extra table) rather than replacing them."""
    merged = {**spec, **flags}
    if isinstance(spec.get("extra"), dict) and isinstance(flags.get("extra"), dict):
        merged["extra"] = {**spec["extra"], **flags["extra"]}
    return merged


def _build_sweep(args: argparse.Namespace) -> Any:
    sweep = _sweep_from_args(args)
    if args.prompt_file:  # kept so a resume can tell when the file's content changed
        sweep = replace(sweep, prompt_file=os.path.abspath(args.prompt_file))
    return sweep


def _sweep_from_args(args: argparse.Namespace) -> Any:
    from orkit.api import Sweep, load_spec
    from orkit.errors import SpecError

    spec_path, dataset = _spec_or_dataset(args.spec, args.dataset)
    prompt = args.prompt
    if args.prompt_file:
        try:
            prompt = Path(args.prompt_file).read_text("utf-8")
        except OSError as exc:
            raise SpecError(
                f"cannot read prompt file: {exc.strerror}", path=args.prompt_file
            ) from None
    overrides: dict[str, Any] = {
        "dataset": dataset,
        "models": args.models,
        "prompt": prompt,
        "system": args.system,
        "params": _parse_params(args.param),
        "concurrency": args.concurrency,
        "per_model_concurrency": args.per_model_concurrency,
        "repeats": args.repeats,
        "out": args.out,
        "endpoint": args.endpoint,
        "name": args.name,
        "budget_usd": args.budget,
        "task_timeout_s": args.task_timeout,
        "cache": False if args.no_cache else None,
        **{field: getattr(args, field) for field in _TIMEOUT_FIELDS},
        "stream": args.stream,
        "byok": args.byok,
        "prompt_cache": args.prompt_cache,
        "cache_ttl": args.cache_ttl,
    }
    flags = args.flags_given = flags_given(overrides, prompt_file=bool(args.prompt_file))
    if spec_path:
        params = overrides.pop("params")
        try:
            spec = load_spec(spec_path, overrides)
            if params:  # --param adds to the spec's params (and extra table), not replaces them
                spec = replace(spec, params=_merge_params(dict(spec.params), params))
        except SpecError as exc:
            raise blame_flag(exc, flags, args.param) from None
        return spec
    given = {k: v for k, v in overrides.items() if v is not None}
    if "dataset" not in given:
        raise SpecError("give a spec file or --dataset (see `orkit run --help`)")
    if "models" not in given:
        raise SpecError("give at least one --model (see `orkit run --help`)")
    if "prompt" not in given:
        raise SpecError("give --prompt or --prompt-file (see `orkit run --help`)")
    try:
        return Sweep(**given)
    except SpecError as exc:
        raise blame_flag(exc, flags, args.param) from None


def run(args: argparse.Namespace) -> int:
    from orkit._portal import run_sync
    from orkit.api import Prechecked, provisioning_for, run_sweep_async
    from orkit.plan import preflight_async, prepare

    sweep = _build_sweep(args)
    # Every check before a cent is spent, in the order a user fixes things: their own input
    # (offline), the key, then the server (GETs only: it answers, takes the key, serves the
    # models). All before the estimate: a table of costs above an error reads as if the run
    # had begun. (`orkit estimate` needs no key.)
    plan, endpoint, rows = prepare(sweep)
    provisioning = provisioning_for(args.provision_key, endpoint)  # bad: exit 2, none sent
    if args.dry_run:
        warnings = run_sync(preflight_async, sweep, endpoint)
        return _dry_run(sweep, plan, endpoint, rows, warnings)
    estimate = None
    if not args.no_estimate:  # (without one, the run's own preflight comes first anyway)
        run_sync(preflight_async, sweep, endpoint)
        estimate = estimate_for_cli(sweep, args)
        if not args.quiet:
            print(estimate)
        if not confirm_spend(estimate, yes=args.yes, above_usd=args.confirm_above, what="run"):
            return ExitCode.FAILED  # answered no: not done, nothing sent
    observer = progress_for(args, sweep.shown_name)
    # The checks above are not made again: the dataset is not re-read, nor (after the
    # preflight) the routes re-fetched; the run's client still makes its own preflight.
    run_dir = run_with_interrupts(
        run_sweep_async,
        sweep,
        observer=observer,
        estimate=estimate,
        prepared=Prechecked(plan, endpoint, rows, routes_checked=not args.no_estimate),
        provision_key=None if provisioning is None else provisioning.limit_usd,
    )
    return finish_run(run_dir, args)


def _dry_run(sweep: Any, plan: Any, endpoint: Any, rows: int, warnings: list[str]) -> int:
    """What a run would send, per model, once it has passed every check a run makes before
    sending (`warnings`: the preflight's). Nothing is sent."""
    import sys

    from orkit.plan import param_warnings
    from orkit.results import endpoints_label

    for warning in [*param_warnings(sweep, endpoint), *warnings]:
        print(f"warning: {warning}", file=sys.stderr)
    # its URL, never the key; then each model entry's own endpoint, if any
    own = {name: e.describe() for name, e in plan.endpoints.items()}
    shown_endpoint = endpoints_label(endpoint.describe(), own)
    per_model = rows * plan.tasks_per_item // len(plan.models)
    rows_out = [[m, count(per_model)] for m in plan.models]
    print(format_table(["model", "tasks"], rows_out, [False, True]))
    shape = (
        f"{plural(rows, 'row')} × {plural(len(plan.prompts), 'prompt')} × "
        f"{plural(len(plan.param_sets), 'params set')} × {plural(sweep.repeats, 'repeat')} × "
        f"{plural(len(plan.models), 'model')}"
    )
    print(
        f"{plural(per_model * len(plan.models), 'task')} ({shape}); endpoint {shown_endpoint}; "
        "dry run: nothing was sent"
    )
    return 0
