"""The `orkit sim` command (also `python -m orkit.sim`): serve the emulator on a port.

Prints shell-ready `OPENROUTER_BASE_URL=...` and `OPENROUTER_API_KEY=...` lines (the first
of the config's `api_keys` when it has them; in local-server mode without them, a comment
that no key is needed instead of the key), then serves until
Ctrl-C. Bad options, a bad config file or a port in use end as one line on
stderr (exit 2 for bad input, 1 when the port cannot be used), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from orkit.sim.config import SIM_API_KEY, SimConfig, SimConfigError

__all__ = ["add_arguments", "main", "run"]


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
            SimConfig.from_dict(data)
        except SimConfigError as exc:
            raise SimConfigError(f"{args.config}: {exc}") from None
    if args.config_json:
        data = json.loads(args.config_json)
    if args.time_scale is not None:
        data["time_scale"] = args.time_scale
    if args.seed is not None:
        data["seed"] = args.seed
    if args.free_daily is not None:
        data["lifetime_purchases_usd"] = 10.0 if args.free_daily == 1000 else 0.0
    return SimConfig.from_dict(data)


def _key_line(config: SimConfig) -> str:
    """The shell line saying which key to use: one the server accepts, never one it rejects."""
    if config.api_keys is not None:
        if not config.api_keys:
            return "# no OPENROUTER_API_KEY works: the config's api_keys is empty"
        # Any configured key works (each is its own account); the first is as good as any.
        return f"OPENROUTER_API_KEY={config.api_keys[0]}"
    if config.local_server:
        # It answers without a key, as llama.cpp does; a shell comment keeps the output
        # shell-ready, and a key line would tell the user to set what nothing needs.
        return "# no OPENROUTER_API_KEY needed: a local server answers without a key"
    return f"OPENROUTER_API_KEY={SIM_API_KEY}"


def _say(line: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(line + "\n")
    stream.flush()


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the exit code."""
    from orkit.sim.app import create_app
    from orkit.sim.server import base_url, bind, serve_forever

    try:
        config = build_config(args)
    except SimConfigError as exc:
        _say(f"orkit sim: error: {exc}", sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        _say(f"orkit sim: error: cannot listen on {args.host}:{args.port}: {reason}", sys.stderr)
        return 1
    app = create_app(config)
    url = base_url(sock)
    models = len(app.state.sim.catalog.models)
    what = f"OpenRouter emulator with {models} models"
    if config.local_server:
        what = f"local-server emulator serving {', '.join(config.models)}"
    if config.api_keys and len(config.api_keys) > 1:
        what += f" (any of the {len(config.api_keys)} keys of api_keys)"
    _say(f"OPENROUTER_BASE_URL={url}\n{_key_line(config)}")
    _say(
        f"orkit sim: {what} at {url} "
        f"(seed {config.seed}, time scale {config.time_scale}); Ctrl-C to stop"
    )
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
        prog="python -m orkit.sim", description="Serve the offline OpenRouter emulator."
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
