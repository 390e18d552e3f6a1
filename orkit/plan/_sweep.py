"""`SweepDefinition`: what to run (a dataset × named prompts × models × a params grid ×
repeats) as one value.

A Sweep is built in Python or loaded from a TOML spec (`load_spec`); `to_toml()` writes it
back, and the two forms say the same thing. It holds no open resources. `orkit.Sweep`
(`orkit.api`) adds the verbs: `tasks()` previews the expansion, `run()` does the work.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from orkit._concurrency import InFlight, in_flight
from orkit.batch import ToolLoop
from orkit.config import Timeouts
from orkit.data import PromptTemplate, open_dataset
from orkit.errors import SpecError
from orkit.plan._checks import check_sweep
from orkit.plan._endpoint import sim_config
from orkit.plan._param_checks import flatten_extra
from orkit.plan._prompt_tables import variant_of
from orkit.plan._response_format import ResponseFormat
from orkit.plan._routing import SweepRouting, build_router_options
from orkit.plan._schema_default import checked_response_format, with_sweep_schema
from orkit.plan._spec_write import dump_spec, sweep_to_spec
from orkit.plan._tool_loop import tool_loop_of
from orkit.results import Contestant, Model, contestants_of, model_entry, run_name
from orkit.router import DEFAULT_TASK_TIMEOUT_S, ModelLimits, RetryPolicy, RouterOptions
from orkit.scorers import AnyScorer, Judge, as_scorer
from orkit.sim import SimConfig  # the config alone (20 ms); the server is imported only to run

__all__ = ["SweepDefinition"]


@dataclass(frozen=True, kw_only=True)
class SweepDefinition:
    """A dataset × prompts × models × params grid × repeats run, as values: what
    `orkit.Sweep` holds, without the verbs (`run`, `estimate`) that live above the engine."""

    dataset: Any
    """A path (.jsonl, .json, .csv, .tsv, .parquet), a pandas DataFrame, or a list of dicts."""
    models: Sequence[str | Model]
    """Model ids; an entry may carry its own endpoint (`Model(id, endpoint=...)`, from
    `orkit.api`, or a table `{"id": ..., "endpoint": ..., "label": ..., "api_key_env":
    ...}`): see `contestants`."""
    prompt: str | PromptTemplate | None = None
    """Jinja2 template of the user message (dataset columns are its variables), or a
    `PromptTemplate` (a chat prompt: a messages column, few-shot, prefill, attachments);
    or give several named variants in `prompts`."""
    system: str | None = None
    """System message template for `prompt`."""
    prompt_id: str = "default"
    prompts: Mapping[str, Any] = field(default_factory=dict)
    """Named prompt variants: `{"terse": {"template": "...", "system": "..."}, ...}` (a
    table's keys are `[prompts.<id>]`'s in a spec), or `PromptTemplate`s."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Request body fields: temperature, max_tokens, seed, provider, models, ... (each checked
    against OpenAI's and OpenRouter's fields); `{"extra": {...}}` holds custom fields, sent
    on the body's top level unchecked."""
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    """Params to sweep: `{"temperature": [0, 0.7], "max_tokens": [64, 256]}` runs every
    combination."""
    response_format: Any = None
    """Structured outputs: `orkit.json_schema(schema_or_model, strict=True)`,
    `orkit.json_object()`, or a spec table (`{"type": "json_schema", "schema": {...}}`).
    Sent with every task as OpenAI's `response_format` (part of the task key); a
    `json_schema` scorer without a schema of its own checks answers against it."""
    scorers: Sequence[AnyScorer | Mapping[str, Any] | Callable[..., Any]] = ()
    """Scorer objects (`orkit.scorers.*`), spec tables (`{"kind": "exact"}`), or your own
    functions `fn(output)` / `fn(output, fields)`, sync or async."""
    repeats: int = 1
    """Send each request this many times (independently: repeats never share a cache hit)."""
    concurrency: int = 16
    """The most requests in flight at once across all models and judges (the router's
    global cap). The client's connection pool and the judges' workers are sized from it
    (`in_flight`)."""
    per_model_concurrency: int | None = None
    """The most requests in flight at once to any one model (None: `concurrency`; a value
    above `concurrency` is capped by it). A model's known `limits.<model>.max_concurrency`
    below it wins for that model; otherwise its concurrency is learnt up to this."""
    endpoint: str = "openrouter"
    """`sim` (the built-in emulator), `openrouter`, or the base URL of any OpenAI-compatible API."""
    sim: SimConfig | Mapping[str, Any] = field(default_factory=dict)
    """Emulator settings when endpoint is `sim`: an `orkit.sim.SimConfig`, or a table of its
    fields."""
    out: str | Path = "runs"
    """Directory under which the run directory is created."""
    name: str | None = None
    id_field: str | None = None
    """Dataset column holding item ids (default: `id` if present, else the row number)."""
    limits: Mapping[str, ModelLimits | Mapping[str, Any]] = field(default_factory=dict)
    """Known limits per model, each an `orkit.router.ModelLimits` or a table of its fields:
    `{"openai/gpt-4o-mini": {"rpm": 500, "tpm": 2e5}}`."""
    fallbacks: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Client-side fallback chains: `{"a/x": ["b/y"]}` (b/y answers when a/x cannot)."""
    routing: RetryPolicy | Mapping[str, Any] = field(default_factory=dict)
    """Retry and adaptation settings: an `orkit.router.RetryPolicy`, or a table of
    `RetryPolicy` and `RouterOptions` fields (`{"max_attempts": 3, "adaptive": false}`). A
    task's wall-clock cap is `task_timeout_s`, not the policy's."""
    connect_timeout_s: float | None = None
    """Longest wait to open a connection to the server (default 10 s)."""
    first_byte_timeout_s: float | None = None
    """Longest wait from sending a request to its response headers (default 30 s, or
    `read_timeout_s` if given). The attempt then fails and is retried."""
    idle_timeout_s: float | None = None
    """Longest silence between bytes of a streamed answer (default 30 s, or
    `read_timeout_s` if given). Keep-alive comments count as bytes, so a slow model whose
    server keeps the stream alive is never cut; a stalled stream frees its slot after this
    and is retried."""
    read_timeout_s: float | None = None
    """The longest silence anywhere, as one number (what orkit had before the three
    above): if given, it is the default of `first_byte_timeout_s` and `idle_timeout_s`, and
    it bounds a non-streamed answer (default 120 s)."""
    task_timeout_s: float | None = DEFAULT_TASK_TIMEOUT_S
    """Wall-clock cap on one task's retries and waits, from its first send (None or 0: no
    cap): past it the task ends as an error row carrying its last error."""
    byok: Sequence[str] = ()
    """Providers you bring your own key for on OpenRouter (BYOK), by slug (`["openai"]`), or
    single models by id: their models' estimate is OpenRouter's fee on the provider's price
    (`orkit.cost.BYOK_FEE_RATE`), with the provider's own bill shown apart (see
    `orkit.cost.is_byok_model`). What a run is billed is what OpenRouter says per row."""
    score_fallbacks: bool = False
    """Count rows answered by a fallback model toward the requested model's scores."""
    budget_usd: float | None = None
    """Never spend more than this: each request's worst-case cost is reserved before it is
    sent, and tasks that would not fit are left `skipped_budget` for a resume."""
    cache: bool = True
    """Reuse earlier answers to identical deterministic requests (temperature 0 or a seed)."""
    prompt_cache: str = "none"
    """Prompt-cache breakpoints for the models that cache only where told (Anthropic, Qwen):
    `"system"` (the end of the system prompt), `"auto"` (the end of the leading messages
    every item shares), `"message:N"` (the N-th message, 0-based) or `"none"`. Other models
    that cache do so by themselves and get their requests unchanged. (Not `cache`: that is
    the response cache.)"""
    cache_ttl: str = "5m"
    """How long a breakpoint's cache entry lives: `"5m"` or `"1h"` (dearer to write)."""
    stream: bool | Literal["auto"] = "auto"
    """Stream requests (measures time to first token). `auto`: stream, except to a URL
    endpoint whose streamed answers carry no token counts (llama.cpp, vLLM, Ollama often
    send none): after the first such answer its requests go unstreamed, so tokens are
    recorded (and TTFT is null)."""
    max_turns: int = 1
    """The most requests one task may send: above 1, tool calls in an answer are answered
    by mocked tools (`tools_impl`, `tool_results`) and the conversation is sent again,
    until the model answers without a tool call or this many requests were sent."""
    tools_impl: Mapping[str, Callable[..., Any] | str] = field(default_factory=dict)
    """Mocked tools for `max_turns`: tool name → a function (or `module:function`) called
    with the call's arguments as keywords; its return value is the tool's result."""
    tool_results: str | None = None
    """Mocked tools for `max_turns`: a dataset column of canned results, `{tool: result}`
    (every turn) or a list of them (one per turn)."""
    spec_path: str | None = None
    """The TOML file this sweep came from, if any (for error messages and the manifest)."""
    prompt_file: str | None = None
    """The file `prompt` was read from (`orkit run --prompt-file`), if any: the run keeps its
    sha256, so a resume notices when its content changed (as for a spec's prompt files)."""

    def __post_init__(self) -> None:
        if isinstance(self.models, str):
            object.__setattr__(self, "models", [self.models])
        if self.models is not None and not isinstance(self.models, Sequence):
            raise SpecError(
                f"must be a list of model ids, got {self.models!r}",
                path=self.spec_path,
                field="models",
            )
        if self.models:
            entries = [model_entry(m, i, self.spec_path) for i, m in enumerate(self.models)]
            object.__setattr__(self, "models", entries)
        if isinstance(self.prompt, PromptTemplate):
            if self.prompts:
                raise SpecError(
                    "give prompt or prompts, not both", path=self.spec_path, field="prompts"
                )
            if self.system is not None and self.prompt.system is None:
                object.__setattr__(self, "prompt", replace(self.prompt, system=self.system))
            variant: dict[str, Any] = variant_of(self.prompt)
            template_name = self.prompt.name
            object.__setattr__(self, "prompt", None)  # one form: the table in `prompts`
            object.__setattr__(self, "system", variant.get("system"))
            pid = self.prompt_id if self.prompt_id != "default" else template_name
            object.__setattr__(self, "prompt_id", pid)
            object.__setattr__(self, "prompts", {pid: variant})
        elif self.prompt is not None:
            variant = {"template": self.prompt}
            if self.system is not None:
                variant["system"] = self.system
            if self.prompts and dict(self.prompts) != {self.prompt_id: variant}:
                raise SpecError(
                    "give prompt or prompts, not both", path=self.spec_path, field="prompts"
                )
            object.__setattr__(self, "prompts", {self.prompt_id: variant})
        if any(isinstance(v, PromptTemplate) for v in self.prompts.values()):
            tables = {
                pid: variant_of(v) if isinstance(v, PromptTemplate) else v
                for pid, v in self.prompts.items()
            }
            object.__setattr__(self, "prompts", tables)
        check_sweep(self)
        _ = self.response_format_settings
        # Parsed once, here, so a bad value fails where the sweep is made, and every reader
        # gets the same objects (the fields keep what the user gave, for `to_spec`).
        _ = self.routing_settings
        try:
            _ = self.scorer_objects
        except SpecError as exc:
            raise SpecError(exc.message, path=self.spec_path) from None
        _ = self.sim_config
        _ = self.tool_loop

    @property
    def shown_name(self) -> str:
        """What the progress display calls the run, as `orkit runs` will: its `name`, else
        its spec's file name, else its dataset's."""
        return run_name(self.name, self.spec_path, self.dataset) or "orkit"

    # ------------------------------------------------------------------ expansion

    def param_sets(self) -> list[dict[str, Any]]:
        """The request params of every grid combination, in a stable order."""
        keys = list(self.grid)
        combos = itertools.product(*(self.grid[k] for k in keys)) if keys else [()]
        params = flatten_extra(self.params)  # [params.extra] is sent on the body's top level
        if self.response_format_settings is not None:
            params["response_format"] = self.response_format_settings.to_body()
        return [{**params, **dict(zip(keys, combo, strict=True))} for combo in combos]

    def count_tasks(self) -> dict[str, int]:
        """Tasks per model (rows × prompts × grid combinations × repeats)."""
        rows = open_dataset(self.dataset, id_field=self.id_field).count()
        per_model = rows * len(self.prompts) * len(self.param_sets()) * self.repeats
        return dict.fromkeys(self.model_names, per_model)

    # ------------------------------------------------------------------ settings

    @cached_property
    def in_flight(self) -> InFlight:
        """How many requests go at once, overall and per model, and what is sized from it."""
        return in_flight(self.concurrency, self.per_model_concurrency)

    @cached_property
    def routing_settings(self) -> SweepRouting:
        """`limits`, `fallbacks` and `routing`, checked and built into router options."""
        return build_router_options(
            max_concurrency=self.in_flight.total,
            max_concurrency_per_model=self.in_flight.per_model,
            limits=self.limits,
            fallbacks=self.fallbacks,
            routing=self.routing,
            where=self.spec_path,
            task_timeout_s=self.task_timeout_s or None,
        )

    def router_options(
        self, overrides: Mapping[str, Any] | None = None, quota_path: Path | None = None
    ) -> RouterOptions:
        """The router settings of this sweep (`overrides` are orkit-derived defaults)."""
        return self.routing_settings.for_endpoint(overrides, quota_path)

    @cached_property
    def response_format_settings(self) -> ResponseFormat | None:
        """`response_format`, checked (see `orkit.plan._response_format`)."""
        return checked_response_format(self)

    @cached_property
    def sim_config(self) -> SimConfig | None:
        """The emulator's settings when the endpoint is `sim` (None otherwise)."""
        if self.endpoint != "sim":
            return None
        return sim_config(self.sim, where=self.spec_path)

    def timeouts(self) -> Timeouts:
        """The client timeouts of this sweep (see the `*_timeout_s` fields)."""
        silence = self.read_timeout_s
        defaults = Timeouts()
        first_byte = self.first_byte_timeout_s or silence or defaults.first_byte
        idle = self.idle_timeout_s or silence or defaults.idle
        return Timeouts(
            connect=self.connect_timeout_s or defaults.connect,
            first_byte=first_byte,
            idle=idle,
            read=silence or defaults.read,
        )

    @cached_property
    def tool_loop(self) -> ToolLoop | None:
        """The engine's tool loop (`max_turns` above 1), or None: one request per task."""
        return tool_loop_of(self)

    @cached_property
    def contestants(self) -> tuple[Contestant, ...]:
        """Each model entry as a contestant: its name in every table, the id it sends, and
        its own endpoint if it has one (see `orkit.plan._contestants`)."""
        return contestants_of(self.models, self.endpoint, self.spec_path)

    @property
    def model_names(self) -> list[str]:
        """The contestants' names (the `model` column), in the order given: the model ids,
        unless an entry has a label or shares its id with another."""
        return [c.name for c in self.contestants]

    @property
    def own_endpoints(self) -> bool:
        """Whether some model entry has an endpoint other than the sweep's."""
        return any(c.own_endpoint is not None for c in self.contestants)

    @property
    def endpoint_model_ids(self) -> list[str]:
        """The ids the contestants on the sweep's own endpoint send (all of them, unless
        some model entry has an endpoint of its own)."""
        return [c.model_id for c in self.contestants if c.own_endpoint is None]

    @property
    def all_models(self) -> list[str]:
        """The ids the sweep's endpoint is asked for: its requested models (not those with
        an endpoint of their own), every LLM judge's model and every fallback model, each
        once."""
        seen = dict.fromkeys(self.endpoint_model_ids)
        for s in self.scorer_objects:
            if isinstance(s, Judge):
                seen[s.judge_model] = None
        for chain in self.fallbacks.values():
            seen.update(dict.fromkeys(chain))
        return list(seen)

    @cached_property
    def scorer_objects(self) -> tuple[AnyScorer, ...]:
        """Scorer objects, building any given in spec (mapping) or function form. Names
        must differ (each is a column of the summary), and a pairwise judge's baseline must
        be one of the models."""
        built: list[AnyScorer] = []
        seen: set[str] = set()
        for i, s in enumerate(self.scorers):
            scorer = with_sweep_schema(as_scorer(s, where=f"scorers[{i}]"), self, i)
            if scorer.name in seen:
                raise SpecError(
                    f"two scorers are named {scorer.name!r}; give one a different name",
                    field=f"scorers[{i}].name",
                )
            seen.add(scorer.name)
            if isinstance(scorer, Judge) and scorer.is_pairwise:
                self._check_baseline(scorer, f"scorers[{i}]")
            built.append(scorer)
        return tuple(built)

    def built_scorers(self) -> list[AnyScorer]:
        """`scorer_objects` as a list (built once, when the sweep was made)."""
        return list(self.scorer_objects)

    def _check_baseline(self, judge: Judge, where: str) -> None:
        # No path here: __post_init__ adds the spec file to every scorer error.
        if len(self.models) < 2:
            raise SpecError("a pairwise judge needs at least two models", field=where)
        if judge.baseline is not None and judge.baseline not in self.model_names:
            raise SpecError(
                f"baseline {judge.baseline!r} is not one of the models", field=f"{where}.baseline"
            )

    # ------------------------------------------------------------------ spec form

    def to_spec(self) -> dict[str, Any]:
        """The spec as plain data: what `to_toml()` writes and the manifest stores."""
        return sweep_to_spec(self)

    def to_toml(self) -> str:
        """The spec as TOML; `load_spec` on it gives back an equal Sweep."""
        return dump_spec(self)
