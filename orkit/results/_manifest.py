"""A run's manifest (`manifest.json`) as a typed record: what the run was asked to do, what
it used, and how it went. Built, read and updated through `Manifest` everywhere in orkit.

Absent and null mean the same for every optional field (None here): unknown, or not done
yet. Containers are None too until something puts an entry in them, because older manifests
lack the key altogether and `orkit runs` must still list them.

Every shape orkit has written says `manifest_version = 1`; they differ by added keys only,
except the first release's single `prompt_fingerprint`, and `migrate` reads each of them
(`tests/fixtures/manifests/` holds one of each):

- first release: one `prompt_fingerprint` (a single prompt); no `executions`, `estimate`
  or `journal_counts`.
- journal (durable runs, resume): `prompt_fingerprints`, `journal_counts`, `resume_with`,
  `drift`.
- cost (the estimate in the manifest): `estimate`, `cost`, `costs_filled`.
- resolved (resume from the stored spec): `spec_resolved`, `prompt_files`; before it the
  spec is kept as given, paths relative to where the run began.
- executions (per-execution wall time): `executions`; before it a killed run's time was
  lost.
- judges (LLM judges, rescore): `judges`, `judges_replaced`, `rescores`.

A change that is not just a new key bumps `MANIFEST_VERSION` and adds a step to `migrate`.
A manifest of a higher version than this orkit knows is refused with an error naming the
file (its fields may mean something else). Keys this orkit does not know, in a manifest of
a version it does know (a newer orkit's addition), are kept in `extra` and written back where
they were, so a resume by an older orkit does not erase what a newer one recorded.

A manifest read and written back unchanged is byte for byte the same file: keys keep the
order they were read in (new ones follow in the order of the fields below).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypedDict

from orkit.errors import RunError

__all__ = [
    "MANIFEST_VERSION",
    "CatalogRecord",
    "DatasetRecord",
    "ExecutionRecord",
    "Manifest",
    "PromptFileRecord",
]

MANIFEST_VERSION = 1
"""The manifest's own format version (the Parquet tables have `SCHEMA_VERSION`)."""


class DatasetRecord(TypedDict):
    """The dataset a run read: `fingerprint` is the sha256 a resume compares against."""

    path: str | None
    format: str | None
    fingerprint: str | None
    rows: int


class PromptFileRecord(TypedDict):
    """A prompt variant read from a file, and the file's sha256 when the run read it."""

    path: str
    sha256: str


class CatalogRecord(TypedDict):
    """The model catalog behind the run's prices: `source` and its snapshot `date`."""

    source: str
    date: str | None


class ExecutionRecord(TypedDict, total=False):
    """One execution of a run: the first run, a resume or a retry (`kind`). `status` and
    `wall_s` are set when it ends (`killed` when a later one found it dead); the counts are
    its own rows (what `orkit retry` reports); `done_before`: tasks finished before it."""

    kind: str
    started_at: str | None
    status: str
    wall_s: float
    tasks: int
    ok: int
    errors: int
    skipped_budget: int
    deferred: int
    done_before: int


_NULL_WRITTEN = frozenset({"name", "finished_at", "spec_path", "catalog", "estimate"})
"""Fields a new manifest writes as null rather than leaving out (as orkit always has); a
manifest read from a file keeps the keys it had."""

_LEFT_OUT_WHEN_NONE = frozenset({"resume_with", "judges"})
"""Fields whose key goes when the value goes (a finished run has no `resume_with`; a rescore
without judges has no `judges`), even if the file read had them."""


@dataclass(slots=True, kw_only=True)
class Manifest:
    """The manifest of a run directory. `run_id` is the directory's name."""

    manifest_version: int = MANIFEST_VERSION
    schema_version: str | None = None
    """`SCHEMA_VERSION` of the Parquet tables the run wrote."""
    run_id: str
    name: str | None = None
    """The sweep's `name` (None: the run is called after its spec or dataset file)."""
    status: str | None = None
    """running, completed, incomplete, stopped, cancelled or failed (`running` with no
    process holding the lock: interrupted, see `results.shown_status`)."""
    created_at: str | None = None
    """ISO 8601, UTC, when the first execution began."""
    finished_at: str | None = None
    """ISO 8601, UTC, when the last execution ended (None while running)."""
    spec: dict[str, Any] = field(default_factory=dict)
    """The sweep as spec data (`Sweep.to_spec()`), resolved when `spec_resolved`."""
    spec_resolved: bool | None = None
    """The spec's paths are absolute and every override applied (None or False: an old
    manifest keeps the spec as given, paths relative to where the run began)."""
    spec_path: str | None = None
    """The TOML file the sweep came from, if any."""
    endpoint: dict[str, Any] | None = None
    """`Endpoint.describe()`: kind, base URL, whether a key was set (never the key)."""
    model_endpoints: dict[str, dict[str, Any]] | None = None
    """{model: `Endpoint.describe()`} of each model entry with an endpoint of its own (None:
    every model used `endpoint`)."""
    dataset: DatasetRecord | None = None
    prompt_fingerprints: dict[str, str] | None = None
    """{prompt id: sha256 of its rendered template}."""
    prompt_files: dict[str, PromptFileRecord] | None = None
    """{prompt id: file} of variants read from a file, checked for drift on resume."""
    catalog: CatalogRecord | None = None
    """The bundled catalog's snapshot (None: the server's own prices, or none)."""
    tasks: int | None = None
    """Tasks planned (items x prompts x params x repeats x models)."""
    versions: dict[str, str] | None = None
    """orkit, python and pyarrow versions of the first execution."""
    estimate: dict[str, Any] | None = None
    """`Estimate.to_dict()` made before (or while) the run sent its requests."""
    executions: list[ExecutionRecord] | None = None
    error: str | None = None
    """Why the last execution failed (None: it did not, or was cancelled)."""
    judges: dict[str, Any] | None = None
    """What the LLM judges behind the current scores spent (`judge_spend`)."""
    wall_s: float | None = None
    """Seconds over all executions, a killed one's up to when it was last seen."""
    totals: dict[str, Any] | None = None
    """`RunTotals.to_dict()` of the whole run: `all`, `by_model`, `providers`,
    `deferred_until`, `top_errors`."""
    journal_counts: dict[str, int] | None = None
    """Journal rows by status when the last execution ended."""
    warnings: list[str] | None = None
    cost: dict[str, Any] | None = None
    """Estimate and actual cost side by side, per model and per judge line."""
    costs_filled: dict[str, int] | None = None
    """Rows costed after the lanes finished, by source (`generation`, `estimated`)."""
    resume_with: str | None = None
    """The command that finishes the run (None when there is nothing to finish)."""
    judges_replaced: dict[str, Any] | None = None
    """What judges whose scores a rescore replaced had spent (spent all the same)."""
    rescores: list[dict[str, Any]] | None = None
    """One entry per `orkit rescore`: its scorers and what its judges spent."""
    drift: list[str] | None = None
    """Changes to the run's input files that a resume was allowed to adopt."""
    provisioned_key: dict[str, Any] | None = None
    """A run that spends through a key it provisions (`--provision-key`): `limit_usd`, the
    run's total limit, and `hash`, the live key's hash (null once deleted; never the key),
    which a resume after a kill deletes first."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys this orkit does not know (written by a newer one), kept as read."""
    key_order: tuple[str, ...] = ()
    """The order of the keys in the file read (empty for a new manifest)."""

    # -- convenience views of nested records --------------------------------------------

    @property
    def totals_all(self) -> Mapping[str, Any]:
        """The whole run's totals (`totals.all`); empty before the first execution ends."""
        return (self.totals or {}).get("all") or {}

    @property
    def top_errors(self) -> list[dict[str, Any]] | None:
        """The run's three most common errors, or None when the totals do not say."""
        stored = (self.totals or {}).get("top_errors")
        return None if stored is None else list(stored)

    @property
    def dataset_path(self) -> str | None:
        return None if self.dataset is None else self.dataset.get("path")

    @property
    def dataset_fingerprint(self) -> str | None:
        return None if self.dataset is None else self.dataset.get("fingerprint")

    @property
    def last_execution(self) -> ExecutionRecord:
        """The latest execution (empty for a run made before executions were noted)."""
        return self.executions[-1] if self.executions else ExecutionRecord()

    # -- JSON form ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `write` stores: keys in the order read, then new ones."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _KNOWN}
        read = set(self.key_order)
        out: dict[str, Any] = {}
        for key in (*self.key_order, *_KNOWN):
            if key in out:
                continue
            if key in self.extra:
                out[key] = self.extra[key]
            elif key in values:
                value = values[key]
                if value is not None or (key in _NULL_WRITTEN and not read):
                    out[key] = value
                elif key in read and key not in _LEFT_OUT_WHEN_NONE:
                    out[key] = None  # as read: a null stays a null (an old file gains none)
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, where: str = "manifest", run_id: str = ""
    ) -> Manifest:
        """The manifest in `data` (any shape orkit has written, see `migrate`); `where`
        names the file in errors; `run_id` is used when `data` has none."""
        return migrate(data, where=where, run_id=run_id)

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Manifest:
        """The manifest at `path` (a run directory's `manifest.json`): a one-line error
        naming the file when it cannot be read, is not a manifest, or is too new."""
        path = Path(path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise RunError(f"{path}: unreadable manifest ({exc})") from exc
        return migrate(data, where=str(path), run_id=path.parent.name)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Atomically replace the manifest at `path` (temp file + rename): a reader sees the
        old file or the new one, never half of one."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        text = json.dumps(self.to_dict(), indent=2, sort_keys=False, default=str) + "\n"
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)

    # -- a read-only view for scripts written against the dict form ----------------------

    def __getitem__(self, key: str) -> Any:
        """`manifest["totals"]` as in the JSON file (for scripts; orkit uses the fields)."""
        return self.to_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())


_KNOWN: tuple[str, ...] = tuple(
    f.name for f in fields(Manifest) if f.name not in ("extra", "key_order")
)

_JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "manifest_version": ((int,), "an integer"),
    "schema_version": ((str,), "a string"),
    "run_id": ((str,), "a string"),
    "name": ((str,), "a string"),
    "status": ((str,), "a string"),
    "created_at": ((str,), "a string"),
    "finished_at": ((str,), "a string"),
    "spec": ((dict,), "an object"),
    "spec_resolved": ((bool,), "true or false"),
    "spec_path": ((str,), "a string"),
    "endpoint": ((dict,), "an object"),
    "model_endpoints": ((dict,), "an object"),
    "dataset": ((dict,), "an object"),
    "prompt_fingerprints": ((dict,), "an object"),
    "prompt_files": ((dict,), "an object"),
    "catalog": ((dict,), "an object"),
    "tasks": ((int,), "an integer"),
    "versions": ((dict,), "an object"),
    "estimate": ((dict,), "an object"),
    "executions": ((list,), "a list"),
    "error": ((str,), "a string"),
    "judges": ((dict,), "an object"),
    "wall_s": ((int, float), "a number"),
    "totals": ((dict,), "an object"),
    "journal_counts": ((dict,), "an object"),
    "warnings": ((list,), "a list"),
    "cost": ((dict,), "an object"),
    "costs_filled": ((dict,), "an object"),
    "resume_with": ((str,), "a string"),
    "judges_replaced": ((dict,), "an object"),
    "rescores": ((list,), "a list"),
    "drift": ((list,), "a list"),
    "provisioned_key": ((dict,), "an object"),
}
"""What each key holds in JSON (null is always allowed: unknown or not yet)."""


def migrate(data: object, *, where: str, run_id: str = "") -> Manifest:
    """A `Manifest` from the JSON of any manifest orkit has written (see the module
    docstring's table). Steps, oldest first:

    - first release: one `prompt_fingerprint` becomes `prompt_fingerprints` under the
      spec's prompt id (`default` unless the spec named it);
    - every later shape only added keys: a missing one is None.
    """
    if not isinstance(data, dict):
        raise RunError(f"{where}: not a manifest (a JSON object was expected)")
    data = dict(data)
    version = data.get("manifest_version", MANIFEST_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise RunError(f"{where}: manifest_version should be an integer, not {version!r}")
    if version > MANIFEST_VERSION:
        raise RunError(
            f"{where}: written by a newer orkit (manifest_version {version}; this one reads "
            f"up to {MANIFEST_VERSION}): upgrade orkit to open this run"
        )
    order = list(data)
    if "prompt_fingerprint" in data and "prompt_fingerprints" not in data:
        order[order.index("prompt_fingerprint")] = "prompt_fingerprints"
        data["prompt_fingerprints"] = {_first_prompt_id(data): data.pop("prompt_fingerprint")}
    for key, (types, what) in _JSON_TYPES.items():
        value = data.get(key)
        if value is not None and (
            not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        ):
            raise RunError(
                f"{where}: manifest field {key!r} should be {what}, not {type(value).__name__}"
            )
    known = {k: data[k] for k in _KNOWN if k in data}
    if known.get("run_id") is None:
        known["run_id"] = run_id
    if known.get("spec") is None:
        known["spec"] = {}
    known.setdefault("manifest_version", MANIFEST_VERSION)
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return Manifest(**known, extra=extra, key_order=tuple(order))


def _first_prompt_id(data: Mapping[str, Any]) -> str:
    """The prompt id of a first-release spec (`[prompt] id = ...`, `default` if unnamed)."""
    spec = data.get("spec")
    prompt = spec.get("prompt") if isinstance(spec, dict) else None
    pid = prompt.get("id") if isinstance(prompt, dict) else None
    return str(pid) if pid else "default"
