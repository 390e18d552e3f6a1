"""`orkit models`: search the model catalog (prices, context, capabilities) from the terminal.

Offline by default (the bundled snapshot); `--live` fetches OpenRouter's list through the
client and falls back, with a note on stderr, to the cache or the snapshot.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orkit.cli._exit import ExitCode
from orkit.errors import ConfigError

if TYPE_CHECKING:
    from orkit.catalog import Catalog, ModelInfo

__all__ = ["register", "run"]

_MODALITIES = ("audio", "file", "image", "text", "video")
_OUTPUT_MODALITIES = ("audio", "embeddings", "image", "text")
"""What OpenRouter's `/models?output_modalities=` knows: another value matches no model,
and `0 models match` would read as if there were none of a real kind."""
_SORTS: dict[str, Callable[[ModelInfo], Any]] = {
    "price": lambda m: (
        m.prompt_price is None,
        m.prompt_price or 0.0,
        m.completion_price or 0.0,
        m.id,
    ),
    "context": lambda m: (-(m.context_length or 0), m.id),
    "newest": lambda m: (-(m.created or 0), m.id),
    "name": lambda m: m.id,
}


def register(sub: Any) -> None:
    """Add `orkit models` to the CLI's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "models",
        help="search models: prices, context length, capabilities",
        description=(
            "List the models OpenRouter offers, with prices in USD per million tokens. "
            "Uses the snapshot bundled with orkit unless --live is given."
        ),
    )
    p.add_argument("query", nargs="*", help="words that must all appear in the id or name")
    p.add_argument("--free", action="store_true", help="only free models (:free ids, price 0)")
    p.add_argument("--max-price", type=float, metavar="USD_PER_M", help="max prompt $/M tokens")
    p.add_argument(
        "--max-completion-price", type=float, metavar="USD_PER_M", help="max completion $/M tokens"
    )
    p.add_argument("--min-context", type=int, metavar="N", help="min context length in tokens")
    p.add_argument("--tools", action="store_true", help="only models that accept tools")
    p.add_argument(
        "--structured-outputs", action="store_true", help="only models with JSON-schema output"
    )
    p.add_argument(
        "--supports",
        action="append",
        default=[],
        metavar="PARAM",
        help="only models accepting this request parameter (reasoning, seed, logprobs, ...); "
        "repeatable",
    )
    p.add_argument(
        "--modality", metavar="KIND", help=f"accepts this input: {', '.join(_MODALITIES)}"
    )
    p.add_argument(
        "--output-modality",
        metavar="KIND",
        help="produces this output (text, image, audio, embeddings, ...; default: text models)",
    )
    p.add_argument("--sort", choices=sorted(_SORTS), default="name", help="order (default: name)")
    p.add_argument("--limit", type=int, metavar="N", help="show at most N models")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--live", action="store_true", help="fetch the current list from OpenRouter")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="with --live: an OpenAI-compatible server to ask instead (e.g. `orkit sim`)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the matching models; 0 even when none match (the footer says so)."""
    _check_args(args)
    # Imported here, not at the top: the catalog brings the HTTP client, which `orkit --help`
    # (which registers this command) does not need.
    from orkit.catalog import Catalog

    # Text is the default, as on OpenRouter's `/models`; another output modality brings in
    # the bundled models of the other modalities (read only then).
    other = args.output_modality not in (None, "text")
    catalog = (
        _live(args.base_url, args.output_modality if other else None)
        if args.live or args.base_url
        else Catalog.bundled(all_modalities=other)
    )
    if catalog.note:
        print(f"orkit: note: {catalog.note}", file=sys.stderr)
    query = " ".join(args.query) or None
    found = catalog.search(
        query,
        free=True if args.free else None,
        max_prompt_price_per_m=args.max_price,
        max_completion_price_per_m=args.max_completion_price,
        min_context=args.min_context,
        supports=[
            *(
                p
                for p, on in (
                    ("tools", args.tools),
                    ("structured_outputs", args.structured_outputs),
                )
                if on
            ),
            *args.supports,
        ],
        input_modality=args.modality,
        output_modality=args.output_modality,
    )
    found.sort(key=_SORTS[args.sort])
    shown = found[: args.limit] if args.limit else found
    if args.json:
        print(json.dumps(_as_json(catalog, found, shown), indent=2, ensure_ascii=False))
        return ExitCode.OK
    if shown:
        print(_table(shown))
    print(_footer(catalog, len(found), len(shown), args.base_url))
    if not found and query:
        hints = catalog.suggest(query)
        if hints:
            print(
                f"orkit: no model matches {query!r}; did you mean {', '.join(hints)}?",
                file=sys.stderr,
            )
    return ExitCode.OK


def _check_args(args: argparse.Namespace) -> None:
    for flag, value in (
        ("--max-price", args.max_price),
        ("--max-completion-price", args.max_completion_price),
    ):
        if value is not None and value < 0:
            raise ConfigError(f"{flag} must be >= 0 (USD per million tokens), got {value}")
    if args.min_context is not None and args.min_context < 0:
        raise ConfigError(f"--min-context must be >= 0, got {args.min_context}")
    if args.limit is not None and args.limit < 1:
        raise ConfigError(f"--limit must be >= 1, got {args.limit}")
    if args.modality is not None and args.modality not in _MODALITIES:
        raise ConfigError(
            f"unknown --modality {args.modality!r}; choose from {', '.join(_MODALITIES)}"
        )
    output = args.output_modality
    if output is not None and output not in _OUTPUT_MODALITIES:
        import difflib

        close = difflib.get_close_matches(output, _OUTPUT_MODALITIES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ConfigError(
            f"unknown --output-modality {output!r}; choose from "
            f"{', '.join(_OUTPUT_MODALITIES)}{hint}"
        )


def _live(base_url: str | None, modality: str | None = None) -> Catalog:
    """The server's list: its text models (`Catalog.load`: cached for a day, falling back
    to the snapshot), or those of another output `modality`, asked as such."""
    import anyio

    from orkit.catalog import Catalog
    from orkit.client import AsyncOpenRouter

    async def fetch() -> Catalog:
        if modality is not None:
            return await _live_modality(base_url, modality)
        if base_url is None:  # OpenRouter, through a default client (made and closed there)
            return await Catalog.load()
        async with AsyncOpenRouter(base_url=base_url) as client:
            return await Catalog.load(client=client)

    return anyio.run(fetch)


async def _live_modality(base_url: str | None, modality: str) -> Catalog:
    """`GET /models?output_modalities=<modality>`: `/models` alone lists text models only.
    Not cached (the cache holds the text list the estimate reads); a server that cannot
    be asked gives the bundled snapshot of every modality, with a note."""
    from orkit.catalog import Catalog
    from orkit.client import AsyncOpenRouter
    from orkit.errors import APIError, MissingAPIKeyError

    try:
        async with AsyncOpenRouter(base_url=base_url) as client:
            data = await client.list_models(output_modalities=modality)
    except (APIError, OSError, MissingAPIKeyError) as exc:
        snapshot = Catalog.bundled(all_modalities=True)
        note = (
            f"could not fetch the {modality} models ({type(exc).__name__}: {exc}); "
            f"using the bundled snapshot of {snapshot.snapshot_date}"
        )
        return Catalog(snapshot, source="snapshot", snapshot_date=snapshot.snapshot_date, note=note)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    return Catalog.from_raw(data, source="live", snapshot_date=today, fetched_at=time.time())


# ---------------------------------------------------------------------------------- output


def _price(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0:
        return "0"
    if value >= 0.1:
        return f"{value:,.2f}"
    return f"{value:.4f}".rstrip("0")


def _flags(m: ModelInfo) -> str:
    flags = [
        ("free", m.is_free),
        ("tools", m.supports("tools")),
        ("json", m.supports("structured_outputs")),
        ("reasoning", m.supports("reasoning")),
        ("vision", "image" in m.input_modalities),
        ("router", m.is_router),
        (f"alias→{m.alias_target}", m.alias_target is not None),
    ]
    return " ".join(name for name, on in flags if on)


def _table(models: Sequence[ModelInfo]) -> str:
    header = ("ID", "CONTEXT", "$/M IN", "$/M OUT", "FLAGS")
    rows = [
        (
            m.id,
            f"{m.context_length:,}" if m.context_length else "-",
            _price(m.prompt_price_per_m),
            _price(m.completion_price_per_m),
            _flags(m),
        )
        for m in models
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(4)]
    lines = []
    for r in (header, *rows):
        cells = [r[0].ljust(widths[0]), *(r[i].rjust(widths[i]) for i in (1, 2, 3)), r[4]]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _source(catalog: Catalog, server: str | None) -> str:
    if catalog.source == "snapshot":
        return f"prices from the bundled snapshot of {catalog.snapshot_date}"
    how = "fetched" if catalog.source == "live" else "cached"
    return f"prices from {server or 'OpenRouter'}, {how} {_when(catalog.fetched_at)}"


def _when(ts: float | None) -> str:
    if ts is None:
        return "at an unknown time"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def _footer(catalog: Catalog, matched: int, shown: int, server: str | None) -> str:
    noun = "model matches" if matched == 1 else "models match"
    showing = f" (showing {shown})" if shown < matched else ""
    return f"{matched} {noun}{showing} · {_source(catalog, server)}"


def _as_json(
    catalog: Catalog, found: Sequence[ModelInfo], shown: Sequence[ModelInfo]
) -> dict[str, Any]:
    return {
        "source": catalog.source,
        "snapshot_date": catalog.snapshot_date,
        "fetched_at": catalog.fetched_at,
        "note": catalog.note,
        "count": len(found),
        "models": [
            {
                "id": m.id,
                "name": m.name,
                "context_length": m.context_length,
                "max_completion_tokens": m.max_completion_tokens,
                "prompt_price_per_m": m.prompt_price_per_m,
                "completion_price_per_m": m.completion_price_per_m,
                "request_price": m.request_price,
                "is_free": m.is_free,
                "is_router": m.is_router,
                "alias_target": m.alias_target,
                "tools": m.supports("tools"),
                "structured_outputs": m.supports("structured_outputs"),
                "input_modalities": list(m.input_modalities),
                "output_modalities": list(m.output_modalities),
                "created": m.created,
            }
            for m in shown
        ],
    }
