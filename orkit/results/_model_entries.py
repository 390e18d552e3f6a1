"""Model entries that carry their own endpoint, so one run compares a model on OpenRouter
with the same model on a local server, paired by item.

`models = ["qwen/qwen3-8b", {id = "qwen/qwen3-8b", endpoint = "http://127.0.0.1:8000/v1"}]`:
each entry is a contestant, named in every table by its `name` (the `model` column): its
`label` if given, else its id, or, when two unlabelled entries share an id, `id @ where`
(`qwen/qwen3-8b @ openrouter`, `qwen/qwen3-8b @ 127.0.0.1:8000`). The id is what is sent.
An entry without an endpoint (or with the sweep's) goes to the sweep's endpoint.

Here, with the results, because a run's rows carry these names: the stats and the report
name a stored spec's models as its rows do (`spec_model_names`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from orkit.errors import ConfigError, SpecError

__all__ = [
    "Contestant",
    "Model",
    "contestants_of",
    "endpoint_short",
    "model_entry",
    "shown_contestants",
    "spec_model_names",
]

_ENTRY_KEYS = ("id", "endpoint", "label", "api_key_env")


@dataclass(frozen=True, slots=True)
class Model:
    """One model entry of a sweep: `Model("qwen3-8b", endpoint="http://127.0.0.1:8000/v1")`.

    `endpoint`: `sim`, `openrouter` or an OpenAI-compatible base URL (None: the sweep's);
    `label`: the contestant's name in every table (None: the id, or `id @ host` when two
    unlabelled entries share an id); `api_key_env`: the environment variable holding this endpoint's
    key (None: OpenRouter's key, as for the sweep's endpoint). The key itself is read when
    the run starts and never written anywhere."""

    id: str
    endpoint: str | None = None
    label: str | None = None
    api_key_env: str | None = None

    def to_spec(self) -> dict[str, str]:
        """The entry as a spec's inline table (unset keys left out: TOML has no null)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def api_key(self, where: str) -> str | None:
        """The key in `api_key_env`, read now; a variable that is not set fails here."""
        if self.api_key_env is None:
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"{where}.api_key_env: the environment variable {self.api_key_env} is not set"
            )
        return key


@dataclass(frozen=True, slots=True)
class Contestant:
    """A model entry as a run sees it."""

    name: str
    """The `model` column of its rows, unique in the run."""
    model_id: str
    """What is sent as the request's `model`."""
    entry: Model
    own_endpoint: str | None
    """The entry's endpoint when it is not the sweep's (None: the sweep's)."""
    index: int
    """Its place in `models`, for error messages (`models[1].endpoint`)."""


def model_entry(value: Any, index: int, where: str | None) -> str | Model:
    """One item of `models` as given: an id, a `Model`, or a table of its fields (checked
    here, each error naming `models[i].<key>`)."""
    at = f"models[{index}]"
    if isinstance(value, str):
        if not value.strip():
            raise SpecError(
                f"model ids must be non-empty strings, got {value!r}", path=where, field="models"
            )
        return value
    if isinstance(value, Model):
        table: Mapping[str, Any] = {f.name: getattr(value, f.name) for f in fields(value)}
    elif isinstance(value, Mapping):
        table = value
    else:
        raise SpecError(
            f"must be a model id or a table with id (and endpoint, label, api_key_env), "
            f"got {value!r}",
            path=where,
            field=at,
        )
    unknown = sorted(set(table) - set(_ENTRY_KEYS))
    if unknown:
        raise SpecError(
            f"unknown key (known: {', '.join(_ENTRY_KEYS)})", path=where, field=f"{at}.{unknown[0]}"
        )
    for key in _ENTRY_KEYS:
        got = table.get(key)
        if (key == "id" or got is not None) and (not isinstance(got, str) or not got.strip()):
            raise SpecError(
                f"must be a non-empty string, got {got!r}", path=where, field=f"{at}.{key}"
            )
    endpoint = table.get("endpoint")
    if endpoint is not None and endpoint not in ("sim", "openrouter"):
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SpecError(
                f"must be 'sim', 'openrouter' or an http(s) URL, got {endpoint!r}",
                path=where,
                field=f"{at}.endpoint",
            )
    entry = Model(
        table["id"],
        endpoint=endpoint,
        label=table.get("label"),
        api_key_env=table.get("api_key_env"),
    )
    # an entry that says nothing but its id is just the id (the spec writes it so)
    return entry.id if entry == Model(entry.id) else entry


def endpoint_short(endpoint: str) -> str:
    """How a contestant's name says where it runs: `openrouter`, `sim`, `127.0.0.1:8000`."""
    if endpoint in ("sim", "openrouter"):
        return endpoint
    parts = urlsplit(endpoint)
    return parts.netloc.rpartition("@")[2] or endpoint  # never a user:password@ part


def _same_endpoint(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def contestants_of(
    entries: Sequence[str | Model], sweep_endpoint: str, where: str | None = None
) -> tuple[Contestant, ...]:
    """Each entry's contestant. Two entries that would share a name (the same model on the
    same endpoint, or two equal labels) fail: every table keys its rows by the name."""
    # entries a label does not name already, by id: those that share one say where they run
    ids = [e if isinstance(e, str) else e.id for e in entries if isinstance(e, str) or not e.label]
    out: list[Contestant] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        model = Model(entry) if isinstance(entry, str) else entry
        own = model.endpoint
        if own is not None and _same_endpoint(own, sweep_endpoint):
            own = None
        name = model.label or model.id
        if model.label is None and ids.count(model.id) > 1:
            name = f"{model.id} @ {endpoint_short(own or sweep_endpoint)}"
        if name in seen:
            # the same model twice runs (and bills) every task twice under one name
            raise SpecError(
                f"{model.label or model.id!r} is given twice; give each model once",
                path=where,
                field="models",
            )
        seen[name] = i
        out.append(Contestant(name=name, model_id=model.id, entry=model, own_endpoint=own, index=i))
    return tuple(out)


def shown_contestants(contestants: Sequence[Contestant]) -> list[str]:
    """How a card or a dry run lists the models: each name, with its endpoint when it has
    its own (`qwen3-8b (http://127.0.0.1:8000/v1)`)."""
    return [
        c.name if c.own_endpoint is None else f"{c.name} ({_safe_url(c.own_endpoint)})"
        for c in contestants
    ]


def _safe_url(endpoint: str) -> str:
    if endpoint in ("sim", "openrouter"):
        return endpoint
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{endpoint_short(endpoint)}{parts.path}"


def spec_model_names(spec: Mapping[str, Any]) -> list[str]:
    """The model names a stored spec's rows carry (a manifest's `spec`); the ids as given
    if its entries cannot be read (a spec this orkit did not write)."""
    given = spec.get("models") or []
    if not isinstance(given, list):
        return []
    if all(isinstance(m, str) for m in given):
        return given
    try:
        entries = [model_entry(m, i, None) for i, m in enumerate(given)]
        endpoint = str(spec.get("endpoint") or "openrouter")  # a sweep's default
        return [c.name for c in contestants_of(entries, endpoint)]
    except SpecError:
        return [str(m.get("id")) if isinstance(m, Mapping) else str(m) for m in given]
