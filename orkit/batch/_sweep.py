"""`Sweep`: what to run — a dataset, a prompt, models, params, scorers — as one value.

A Sweep is built in Python or loaded from a TOML spec (`load_spec`), and the two forms say the
same thing. It holds no open resources; running it (`orkit.batch.run_sweep`) does the work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orkit._portal import run_sync
from orkit.batch._progress import TqdmObserver
from orkit.batch._routing import build_router_options
from orkit.batch._run import Run
from orkit.batch._runner import run_sweep_async
from orkit.errors import SpecError
from orkit.router import RouterOptions
from orkit.scorers import Scorer, scorer_from_spec
from orkit.types import Secret

__all__ = ["ENDPOINT_KINDS", "Sweep"]

ENDPOINT_KINDS = ("sim", "openrouter")
"""Named endpoints; anything else must be an http(s) URL of an OpenAI-compatible server."""

# Body fields orkit sets itself; a spec may not override them through params.
_RESERVED_PARAMS = frozenset({"model", "messages", "stream"})


@dataclass(frozen=True, kw_only=True)
class Sweep:
    """A dataset × prompt × models run."""

    dataset: Any
    """A path (.jsonl, .json, .csv, .tsv, .parquet), a pandas DataFrame, or a list of dicts."""
    models: Sequence[str]
    prompt: str
    """Jinja2 template of the user message; dataset columns are its variables."""
    system: str | None = None
    """Optional system message (also a template)."""
    prompt_id: str = "default"
    params: Mapping[str, Any] = field(default_factory=dict)
    """Request body fields sent as-is: temperature, max_tokens, seed, provider, models, ..."""
    scorers: Sequence[Scorer | Mapping[str, Any]] = ()
    repeats: int = 1
    concurrency: int = 16
    endpoint: str = "openrouter"
    """`sim` (the built-in emulator), `openrouter`, or the base URL of any OpenAI-compatible API."""
    sim: Mapping[str, Any] = field(default_factory=dict)
    """Emulator settings (`orkit.sim.SimConfig` fields) when endpoint is `sim`."""
    out: str | Path = "runs"
    """Directory under which the run directory is created."""
    name: str | None = None
    id_field: str | None = None
    """Dataset column holding item ids (default: `id` if present, else the row number)."""
    limits: Mapping[str, Any] = field(default_factory=dict)
    """Known limits per model: `{"openai/gpt-4o-mini": {"rpm": 500, "tpm": 2e5}}`."""
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Client-side fallback chains: `{"a/x": ["b/y"]}` (b/y answers when a/x cannot)."""
    routing: Mapping[str, Any] = field(default_factory=dict)
    """Retry and adaptation settings (`RetryPolicy` and `RouterOptions` fields)."""
    read_timeout_s: float = 120.0
    """Longest silence allowed from the server (before the first byte or between chunks);
    a stalled stream fails after this long and is retried."""
    score_fallbacks: bool = False
    """Count rows answered by a fallback model toward the requested model's scores."""
    spec_path: str | None = None
    """The TOML file this sweep came from, if any (for error messages and the manifest)."""

    def __post_init__(self) -> None:
        where = self.spec_path
        if self.dataset is None:
            raise SpecError("a dataset is required", path=where, field="dataset")
        if isinstance(self.models, str):
            object.__setattr__(self, "models", [self.models])
        if not self.models:
            raise SpecError("at least one model is required", path=where, field="models")
        for m in self.models:
            if not isinstance(m, str) or not m.strip():
                raise SpecError(
                    f"model ids must be non-empty strings, got {m!r}", path=where, field="models"
                )
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise SpecError("a prompt template is required", path=where, field="prompt")
        if not isinstance(self.repeats, int) or self.repeats < 1:
            raise SpecError(
                f"must be an integer >= 1, got {self.repeats!r}", path=where, field="repeats"
            )
        if not isinstance(self.concurrency, int) or self.concurrency < 1:
            raise SpecError(
                f"must be an integer >= 1, got {self.concurrency!r}",
                path=where,
                field="concurrency",
            )
        self.router_options()  # validates limits, fallbacks and routing
        if not isinstance(self.read_timeout_s, int | float) or self.read_timeout_s <= 0:
            raise SpecError(
                f"must be a number > 0, got {self.read_timeout_s!r}",
                path=where,
                field="read_timeout_s",
            )
        bad = _RESERVED_PARAMS.intersection(self.params)
        if bad:
            raise SpecError(
                f"{sorted(bad)} are set by orkit and cannot be params", path=where, field="params"
            )
        if self.endpoint not in ENDPOINT_KINDS and not self.endpoint.startswith(
            ("http://", "https://")
        ):
            raise SpecError(
                f"must be 'sim', 'openrouter' or an http(s) URL, got {self.endpoint!r}",
                path=where,
                field="endpoint",
            )

    def run(self, *, api_key: str | Secret | None = None, progress: bool = True) -> Run:
        """Run the sweep and wait for it (works in scripts and inside Jupyter)."""
        return run_sync(self.run_async, api_key=api_key, progress=progress)

    async def run_async(self, *, api_key: str | Secret | None = None, progress: bool = True) -> Run:
        """Run the sweep on the current event loop (`await sweep.run_async()` in a notebook)."""
        observer = TqdmObserver() if progress else None
        run_dir = await run_sweep_async(self, api_key=api_key, observer=observer)
        return Run(run_dir)

    def router_options(
        self, overrides: Mapping[str, Any] | None = None, quota_path: Path | None = None
    ) -> RouterOptions:
        """The router settings of this sweep (`overrides` are orkit-derived defaults)."""
        return build_router_options(
            max_concurrency=self.concurrency,
            limits=self.limits,
            fallbacks=self.fallbacks,
            routing=self.routing,
            where=self.spec_path,
            overrides=overrides,
            quota_path=quota_path,
        )

    @property
    def all_models(self) -> list[str]:
        """Requested models and every fallback model, each once."""
        seen = dict.fromkeys(self.models)
        for chain in self.fallbacks.values():
            seen.update(dict.fromkeys(chain))
        return list(seen)

    def built_scorers(self) -> list[Scorer]:
        """Scorer objects, building any given in spec (mapping) form."""
        built: list[Scorer] = []
        for i, s in enumerate(self.scorers):
            if isinstance(s, Mapping):
                built.append(scorer_from_spec(s, where=f"scorers[{i}]"))
            else:
                built.append(s)
        return built

    def to_spec(self) -> dict[str, Any]:
        """The JSON-able spec stored in the manifest (dataset as a path or a description)."""
        dataset = str(self.dataset) if isinstance(self.dataset, str | Path) else "<in-memory>"
        return {
            "name": self.name,
            "dataset": dataset,
            "id_field": self.id_field,
            "models": list(self.models),
            "prompt": {"id": self.prompt_id, "system": self.system, "template": self.prompt},
            "params": dict(self.params),
            "scorers": [_scorer_spec(s) for s in self.scorers],
            "repeats": self.repeats,
            "concurrency": self.concurrency,
            "endpoint": self.endpoint,
            "sim": dict(self.sim),
            "limits": {m: _plain(v) for m, v in self.limits.items()},
            "fallbacks": {m: list(c) for m, c in self.fallbacks.items()},
            "routing": dict(self.routing),
            "score_fallbacks": self.score_fallbacks,
            "read_timeout_s": self.read_timeout_s,
        }


def _plain(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return dict(value)


def _scorer_spec(s: Scorer | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(s, Mapping):
        return dict(s)
    return {"kind": getattr(s, "name", type(s).__name__)}
