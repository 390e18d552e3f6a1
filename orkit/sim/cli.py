"""The `orkit sim` command (also `python -m orkit.sim`): serve the emulator on a port.

Prints a `OPENROUTER_BASE_URL=...` line (the first: `SimProcess` waits for it), a key line
to paste (`export OPENROUTER_API_KEY=...`: the first of the config's `api_keys` when it has
them; in local-server mode without them, a comment that no key is needed instead; and
`export OPENROUTER_PROVISIONING_KEY=...` when it has `management_keys`), what it
serves, and the `orkit run` command to try it with, then serves until Ctrl-C. Bad options,
a bad config file or a port in use end as one line on stderr (exit 2 for bad input, 1 when
the port cannot be used), never a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from orkit.sim.config import SIM_API_KEY, SimConfig, SimConfigError
from orkit.sim.embeddings import embedding_models

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["DEFAULT_LOCAL_MODEL", "DESCRIPTION", "EPILOG", "add_arguments", "main", "run"]

DEFAULT_LOCAL_MODEL = "openai/gpt-4o-mini"
"""What `--local-server` serves when neither `--model` nor the config names a model (and
the model of the `orkit run` command printed to try the emulator with)."""

DEMO_SPEC = "datasets/demo/sweep.toml"
"""The spec the startup lines suggest trying (a path from the root of orkit's repository)."""

DESCRIPTION = """\
Serve the offline OpenRouter emulator on a loopback port: it prints the base URL,
the key to use and an `orkit run` command to try it with, then serves until Ctrl-C."""

EPILOG = f"""\
two kinds of server:
  OpenRouter (default)  OpenRouter's API under /api/v1: the whole bundled model
                        catalog with prices, /key, /credits, /generation, free-model
                        limits and their 429s; it needs the key it prints.
  --local-server        an OpenAI-compatible local server, as llama.cpp, vLLM or
                        Ollama are: its API under /v1 (/api/v1 works too); it serves
                        only the --model models (default {DEFAULT_LOCAL_MODEL}),
                        listed by /v1/models in OpenAI's shape without prices, and
                        answers any other model with a 404; /key, /credits and
                        /generation answer 404; no key is needed (unless the config
                        sets api_keys); answers name no provider, their usage has
                        token counts but no cost, and streams end without usage
                        (--stream-usage sends it); /v1/embeddings embeds with any
                        served model (token counts, no cost); --slots N serves N
                        requests at a time and queues the rest, as llama.cpp's
                        slots do.

--config FILE (TOML or JSON; README, "The emulator") sets everything else: models'
profiles (latency, verbosity, providers); [faults] (status codes, mid-stream errors,
drops, stalls, truncated streams, and [[faults.bursts]] of correlated faults in a time
window); bill_aborted = true (aborted streams billed as OpenRouter bills them);
free_per_minute, upstream_rpm, upstream_rpm_changes and rate_limit_hints = false (rate
limits that move, 429s without Retry-After); answer lengths follow the prompt's length
cue ("in one word" short, "step by step" long).

then, in another shell (from the root of a clone of orkit), as it prints them:
  orkit sim:
    export OPENROUTER_API_KEY=...
    orkit run {DEMO_SPEC} --endpoint http://127.0.0.1:8080/api/v1 \\
      --model {DEFAULT_LOCAL_MODEL}
  orkit sim --local-server:
    orkit run {DEMO_SPEC} --endpoint http://127.0.0.1:8080/v1 \\
      --model {DEFAULT_LOCAL_MODEL}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `orkit sim` options to `parser`."""
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8080, help="port (0 = any free port)")
    parser.add_argument(
        "--time-scale", type=float, default=None, help="real seconds per emulated second"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of answers and faults")
    parser.add_argument("--config", type=Path, default=None, help="SimConfig as .toml or .json")
    parser.add_argument(
        "--free-daily",
        type=int,
        choices=(50, 1000),
        default=None,
        help="free-model requests per day (50: under 10 USD purchased, 1000: 10 or more)",
    )
    parser.add_argument(
        "--local-server",
        action="store_true",
        default=None,
        help="play a local OpenAI-compatible server (llama.cpp, vLLM, Ollama) under /v1 "
        "instead of OpenRouter (see below; the config's local_server = true)",
    )
    parser.add_argument(
        "--model",
        action="append",
        dest="served_models",
        metavar="ID",
        default=None,
        help="a model the local server serves, an id of the emulator's catalog (repeat "
        f"for more; default {DEFAULT_LOCAL_MODEL}); only with --local-server",
    )
    parser.add_argument(
        "--slots",
        type=int,
        default=None,
        metavar="N",
        help="serve N chat requests at a time and queue the rest in arrival order, as "
        "llama.cpp's slots (-np N); default: no limit",
    )
    parser.add_argument(
        "--stream-usage",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end streams with their usage chunk (default: yes, but no with --local-server)",
    )
    parser.add_argument("--config-json", default=None, help=argparse.SUPPRESS)


def _load_file(path: Path) -> dict[str, Any]:
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise SimConfigError(f"{path}: unsupported config file type (use .toml or .json)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimConfigError(f"{path}: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SimConfigError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise SimConfigError(f"{path}: expected a table/object at the top level")
    return data


def build_config(args: argparse.Namespace) -> SimConfig:
    """The config from `--config`/`--config-json`, overridden by explicit flags."""
    data: dict[str, Any] = {}
    if args.config is not None:
        data = _load_file(args.config)
        try:
            _free_per_day(data)
            SimConfig.from_dict(data)
        except SimConfigError as exc:
            raise SimConfigError(f"{args.config}: {exc}") from None
    if args.config_json:
        data = json.loads(args.config_json)
        _free_per_day(data)
    if args.time_scale is not None:
        data["time_scale"] = args.time_scale
    if args.seed is not None:
        data["seed"] = args.seed
    if args.free_daily is not None:
        data["lifetime_purchases_usd"] = FREE_PER_DAY[args.free_daily]
    _apply_local_server(args, data)
    if args.slots is not None:
        data["max_concurrent"] = args.slots
    if args.stream_usage is not None:
        data["stream_usage"] = args.stream_usage
    return SimConfig.from_dict(data)


FREE_PER_DAY = {50: 0.0, 1000: 10.0}
"""A config's `free_per_day` (as `--free-daily` sets it) → the lifetime purchases that give
it: OpenRouter decides the free daily limit by what the account ever bought."""


def _free_per_day(data: dict[str, Any]) -> None:
    """A config's `free_per_day` into `lifetime_purchases_usd`, as the flag does: the
    config names the limit the user knows (`SimConfig.free_per_day` is derived)."""
    if "free_per_day" not in data:
        return
    value = data.pop("free_per_day")
    if isinstance(value, bool) or value not in FREE_PER_DAY:
        raise SimConfigError(f"free_per_day: must be 50 or 1000 (as --free-daily), got {value!r}")
    data["lifetime_purchases_usd"] = FREE_PER_DAY[value]


def _apply_local_server(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """`--local-server` and `--model` into `data`, whose values stay those of a config."""
    if args.local_server:
        data["local_server"] = True
        # The flag plays the typical local server, which ends streams without usage even
        # when asked; a config that says otherwise is kept.
        data.setdefault("stream_usage", False)
    if args.served_models:
        if not data.get("local_server"):
            raise SimConfigError(
                "--model: only with --local-server (the OpenRouter emulator serves its "
                "whole catalog)"
            )
        profiles = data.get("models") or {}
        # a config's profile of a served model (its latency, skill...) is kept
        data["models"] = {model: profiles.get(model, {}) for model in args.served_models}
    elif data.get("local_server") and not data.get("models"):
        data["models"] = {DEFAULT_LOCAL_MODEL: {}}


def _check_served_models(config: SimConfig, app: Starlette) -> None:
    """A local server's models must be catalog ids: the emulator answers as one of them
    (its skill, speed and tokenizer), and any other id would be listed by `/models` and
    then refused on every request. An embedding model's id is one too (it serves
    `/v1/embeddings`, and refuses chat as vLLM does)."""
    if not config.local_server:
        return
    catalog = app.state.sim.catalog
    for model in config.models:
        if catalog.lookup(model) is None and model not in embedding_models():
            ids = [m["id"] for m in catalog.models]
            close = difflib.get_close_matches(model, ids, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]}?" if close else f"e.g. {DEFAULT_LOCAL_MODEL}"
            raise SimConfigError(
                f"model {model!r}: not in the emulator's catalog, whose models it plays; {hint}"
            )


def _key_line(config: SimConfig) -> str:
    """The shell line saying which key to use: one the server accepts, never one it rejects,
    exported so that the `orkit run` pasted after it sees it."""
    if config.api_keys is not None:
        if not config.api_keys:
            return "# no OPENROUTER_API_KEY works: the config's api_keys is empty"
        # Any configured key works (each is its own account); the first is as good as any.
        return f"export OPENROUTER_API_KEY={config.api_keys[0]}"
    if config.local_server:
        # It answers without a key, as llama.cpp does; a shell comment keeps the output
        # shell-ready, and a key line would tell the user to set what nothing needs.
        return "# no OPENROUTER_API_KEY needed: a local server answers without a key"
    return f"export OPENROUTER_API_KEY={SIM_API_KEY}"


def _key_lines(config: SimConfig) -> str:
    """`_key_line`, and the management key's export line when the config has some: `orkit
    run --provision-key` and `orkit key` read it from OPENROUTER_PROVISIONING_KEY."""
    lines = [_key_line(config)]
    if config.management_keys:
        # orkit's name for it (`orkit._settings`; the emulator imports nothing of orkit's)
        lines.append(f"export OPENROUTER_PROVISIONING_KEY={config.management_keys[0]}")
    return "\n".join(lines)


def _try_line(config: SimConfig, url: str) -> str:
    """The `orkit run` command that runs the demo against this server, ready to paste."""
    command = f"orkit run {DEMO_SPEC} --endpoint {url}"
    # A local server serves only its own models, not the demo's five. The OpenRouter one
    # serves them all, but the demo's free model is held to OpenRouter's 20 requests a
    # minute on a URL endpoint (the demo's in-process emulator shrinks that window): its
    # 300 questions would take a quarter of an hour, so the try runs one paid model.
    served = config.models if config.local_server else [DEFAULT_LOCAL_MODEL]
    command += "".join(f" --model {model}" for model in served)
    needs_key = config.api_keys is not None or not config.local_server
    where = "after the export line above" if needs_key else "no key needed"
    return f"orkit sim: try it from another shell ({where}): {command}"


def _say(line: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit code."""
    from orkit.sim.app import api_path, create_app
    from orkit.sim.server import base_url, bind, serve_forever

    try:
        config = build_config(args)
        app = create_app(config)
        _check_served_models(config, app)
    except SimConfigError as exc:
        _say(f"orkit sim: error: {exc}", sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        _say(f"orkit sim: error: cannot listen on {args.host}:{args.port}: {reason}", sys.stderr)
        return 1
    url = base_url(sock, api_path(config))
    models = len(app.state.sim.catalog.models)
    what = f"OpenRouter emulator with {models} models"
    if config.local_server:
        what = f"local-server emulator (like llama.cpp) serving {', '.join(config.models)}"
    if config.api_keys and len(config.api_keys) > 1:
        what += f" (any of the {len(config.api_keys)} keys of api_keys)"
    _say(f"OPENROUTER_BASE_URL={url}\n{_key_lines(config)}")
    _say(
        f"orkit sim: {what} at {url} "
        f"(seed {config.seed}, time scale {config.time_scale}); Ctrl-C to stop"
    )
    _say(_try_line(config, url))
    try:
        serve_forever(app, sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m orkit.sim`."""
    parser = argparse.ArgumentParser(
        prog="python -m orkit.sim",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
