"""`Catalog`: the models OpenRouter offers, looked up by id (with variants and aliases),
searched by price, context and capability (layer 2).

A catalog is immutable; `Catalog.bundled()` is the snapshot shipped in the wheel (parsed once
per process), `Catalog.load()` is the live list with a disk cache and offline fallbacks.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from difflib import SequenceMatcher
from importlib import resources
from pathlib import Path
from typing import Any, Literal, TypeAlias

from orkit.catalog._load import load_models
from orkit.catalog._model import DYNAMIC_VARIANTS, ModelInfo, model_from_raw, split_variant
from orkit.errors import UnknownModelError
from orkit.types import Clock

__all__ = ["Catalog", "Source"]

Source: TypeAlias = Literal["snapshot", "live", "cache"]

_SNAPSHOT_NAME = re.compile(r"^openrouter-models-(\d{4}-\d{2}-\d{2})\.json\.gz$")
_SUGGEST_CUTOFF = 0.6


class Catalog:
    """An immutable set of models with lookup, suggestions and search.

    Examples:
        >>> cat = Catalog.bundled()
        >>> cat.get("openai/gpt-4o-mini:nitro").variant
        ':nitro'
        >>> [m.id for m in cat.search("gpt-4o-mini", free=False)][:1]
        ['openai/gpt-4o-mini']
    """

    __slots__ = ("_by_canonical", "_by_id", "_date", "_fetched_at", "_models", "_note", "_source")

    def __init__(
        self,
        models: Iterable[ModelInfo],
        *,
        source: Source,
        snapshot_date: str,
        fetched_at: float | None = None,
        note: str | None = None,
    ) -> None:
        self._models: tuple[ModelInfo, ...] = tuple(models)
        self._by_id: dict[str, ModelInfo] = {}
        for m in self._models:
            self._by_id.setdefault(m.id, m)
        # Dated canonical slugs (`qwen/qwen3.8-27b-20260814`) are accepted by the API too; map
        # each to its plain entry (not a `:batch`/`:free` one that shares the slug).
        self._by_canonical: dict[str, ModelInfo] = {}
        for m in self._models:
            slug = m.canonical_slug
            if slug and slug not in self._by_id and split_variant(m.id)[1] is None:
                self._by_canonical.setdefault(slug, m)
        self._source: Source = source
        self._date = snapshot_date
        self._fetched_at = fetched_at
        self._note = note

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_raw(
        cls,
        body: Mapping[str, Any] | Iterable[Mapping[str, Any]],
        *,
        source: Source,
        snapshot_date: str,
        fetched_at: float | None = None,
        note: str | None = None,
    ) -> Catalog:
        """Build a catalog from a `GET /models` body (`{"data": [...]}`) or its list of models."""
        data = body.get("data", ()) if isinstance(body, Mapping) else body
        return cls(
            (model_from_raw(raw) for raw in data),
            source=source,
            snapshot_date=snapshot_date,
            fetched_at=fetched_at,
            note=note,
        )

    @classmethod
    def bundled(cls, *, all_modalities: bool = False) -> Catalog:
        """The `/models` snapshot shipped with orkit (offline, no key). Parsed once per process.

        Text-output models only, as OpenRouter's `/models` answers by default; with
        `all_modalities`, also the embedding models (their own bundled file, read only then).
        """
        return _all_modalities_catalog() if all_modalities else _bundled_catalog()

    @classmethod
    async def load(
        cls,
        *,
        client: Any = None,
        cache_dir: str | Path | None = None,
        ttl_s: float = 86_400.0,
        offline: bool = False,
        clock: Clock | None = None,
    ) -> Catalog:
        """The live model list, cached on disk for `ttl_s`; never fails for lack of network.

        Order: a cache younger than `ttl_s` → a fresh `client.list_models()` (written to
        `cache_dir/models.json`) → on failure or `offline`, the cache however old → the bundled
        snapshot. `source` says which was used and `note` why a fallback happened.

        `client` is an `orkit.client.AsyncOpenRouter` (or anything with an async
        `list_models()`); without one, a default client is made and closed here.
        """
        loaded = await load_models(
            client=client, cache_dir=cache_dir, ttl_s=ttl_s, offline=offline, clock=clock
        )
        if loaded.data is None:
            snapshot = cls.bundled()
            return cls(
                snapshot,
                source="snapshot",
                snapshot_date=snapshot.snapshot_date,
                note=f"{loaded.note}; using the bundled snapshot of {snapshot.snapshot_date}",
            )
        assert loaded.source is not None  # set with the data
        return cls.from_raw(
            loaded.data,
            source=loaded.source,
            snapshot_date=loaded.snapshot_date,
            fetched_at=loaded.fetched_at,
            note=loaded.note,
        )

    # ------------------------------------------------------------------ facts

    @property
    def source(self) -> Source:
        """`snapshot` (bundled), `live` (fetched now) or `cache` (fetched earlier)."""
        return self._source

    @property
    def snapshot_date(self) -> str:
        """`YYYY-MM-DD`: the bundled snapshot's date, or the UTC day the list was fetched."""
        return self._date

    @property
    def fetched_at(self) -> float | None:
        """Unix seconds of the fetch (live and cache), else `None`."""
        return self._fetched_at

    @property
    def note(self) -> str | None:
        """Why this source was used when it is a fallback (offline, fetch failed), else `None`."""
        return self._note

    def __len__(self) -> int:
        return len(self._models)

    def __iter__(self) -> Iterator[ModelInfo]:
        return iter(self._models)

    def __contains__(self, model_id: object) -> bool:
        return isinstance(model_id, str) and self.get(model_id) is not None

    def __repr__(self) -> str:
        return f"<Catalog {len(self)} models, {self._source} of {self._date}>"

    # ------------------------------------------------------------------ lookup

    def get(self, model_id: str) -> ModelInfo | None:
        """The model for an id as it would be sent: exact entries (incl. static variants such
        as `:free`, `:thinking`, `:extended`), dated canonical slugs, `~…-latest` aliases
        (their `alias_target` is set), and any of those with a dynamic suffix (`:nitro`,
        `:floor`, `:online`, `:exacto`), returned with `variant` set."""
        model_id = model_id.strip()
        found = self._by_id.get(model_id) or self._by_canonical.get(model_id)
        if found is not None:
            return found
        base, variant = split_variant(model_id)
        if variant in DYNAMIC_VARIANTS:
            inner = self._by_id.get(base) or self._by_canonical.get(base)
            if inner is not None:
                return inner.with_variant(variant)
        return None

    def require(self, model_ids: str | Iterable[str]) -> list[ModelInfo]:
        """`get` for each id, in order; the first unknown id raises `UnknownModelError` with up
        to three close matches."""
        ids = [model_ids] if isinstance(model_ids, str) else list(model_ids)
        found: list[ModelInfo] = []
        for model_id in ids:
            info = self.get(model_id)
            if info is None:
                raise UnknownModelError(model_id, self.suggest(model_id))
            found.append(info)
        return found

    def suggest(self, model_id: str, *, limit: int = 3) -> list[str]:
        """Close matches for an unknown id, best first, compared both as full ids and as the
        part after `/`, so typos and bare vendor names (`claude-haiku-4.5`) both find theirs."""
        query = model_id.strip().lower()
        base, variant = split_variant(query)
        if variant in DYNAMIC_VARIANTS:
            return [m + variant for m in self._suggest(base, plain_only=True, limit=limit)]
        return self._suggest(query, plain_only=variant is None, limit=limit)

    def _suggest(self, query: str, *, plain_only: bool, limit: int) -> list[str]:
        q_slug = _slug(query)
        full, slug = SequenceMatcher(autojunk=False), SequenceMatcher(autojunk=False)
        full.set_seq2(query)
        slug.set_seq2(q_slug)
        scored: list[tuple[float, int, str]] = []
        for m in self._models:
            if plain_only and ":" in m.id:
                continue
            candidate = m.id.lower()
            full.set_seq1(candidate)
            slug.set_seq1(_slug(candidate))
            score = max(_ratio(full), _ratio(slug))
            if score >= _SUGGEST_CUTOFF:
                scored.append((-score, len(m.id), m.id))
        return [model_id for _, _, model_id in sorted(scored)[:limit]]

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str | None = None,
        *,
        free: bool | None = None,
        max_prompt_price_per_m: float | None = None,
        max_completion_price_per_m: float | None = None,
        min_context: int | None = None,
        supports: Sequence[str] | str = (),
        input_modality: str | None = None,
        output_modality: str | None = None,
    ) -> list[ModelInfo]:
        """Models matching every given filter, in catalog order.

        `query` matches case-insensitive words against id and name (all words must match).
        Price limits are USD per million tokens and exclude models with dynamic prices.
        `supports` lists parameters every match must accept (`"tools"`, `"structured_outputs"`).
        """
        words = query.lower().split() if query else []
        needs = (supports,) if isinstance(supports, str) else tuple(supports)
        out: list[ModelInfo] = []
        for m in self._models:
            if words:
                text = f"{m.id} {m.name}".lower()
                if not all(w in text for w in words):
                    continue
            if free is not None and m.is_free != free:
                continue
            if not _at_most(m.prompt_price_per_m, max_prompt_price_per_m):
                continue
            if not _at_most(m.completion_price_per_m, max_completion_price_per_m):
                continue
            if min_context is not None and (m.context_length or 0) < min_context:
                continue
            if needs and not all(m.supports(p) for p in needs):
                continue
            if input_modality is not None and input_modality not in m.input_modalities:
                continue
            if output_modality is not None and output_modality not in m.output_modalities:
                continue
            out.append(m)
        return out


def _at_most(value: float | None, limit: float | None) -> bool:
    return limit is None or (value is not None and value <= limit)


def _slug(model_id: str) -> str:
    return model_id.rpartition("/")[2]


def _ratio(matcher: SequenceMatcher[str]) -> float:
    # real_quick_ratio is an upper bound; skip the full comparison when it cannot pass.
    if matcher.real_quick_ratio() < _SUGGEST_CUTOFF or matcher.quick_ratio() < _SUGGEST_CUTOFF:
        return 0.0
    return matcher.ratio()


def bundled_snapshot() -> tuple[str, Mapping[str, Any]]:
    """The newest bundled `/models` snapshot as `(date, body)`."""
    folder = resources.files("orkit").joinpath("_bundled")
    found = sorted(
        (match.group(1), entry)
        for entry in folder.iterdir()
        if (match := _SNAPSHOT_NAME.match(entry.name))
    )
    if not found:  # pragma: no cover - a broken install
        raise FileNotFoundError("orkit/_bundled holds no openrouter-models-*.json.gz snapshot")
    date, entry = found[-1]
    with entry.open("rb") as raw, gzip.open(raw) as unzipped:
        body: Mapping[str, Any] = json.load(unzipped)
    return date, body


@functools.cache
def _bundled_catalog() -> Catalog:
    date, body = bundled_snapshot()
    return Catalog.from_raw(body, source="snapshot", snapshot_date=date)


@functools.cache
def _all_modalities_catalog() -> Catalog:
    text = _bundled_catalog()
    extra = (model_from_raw(raw) for raw in bundled_embedding_models()["data"])
    return Catalog([*text, *extra], source="snapshot", snapshot_date=text.snapshot_date)


def bundled_embedding_models() -> Mapping[str, Any]:
    """The bundled embedding models as a `/models` body (`orkit.sim` reads the same file)."""
    folder = resources.files("orkit").joinpath("_bundled")
    names = sorted(e.name for e in folder.iterdir() if e.name.startswith("embedding-models-"))
    if not names:  # pragma: no cover - a broken install
        raise FileNotFoundError("orkit/_bundled holds no embedding-models-*.json.gz snapshot")
    with folder.joinpath(names[-1]).open("rb") as raw, gzip.open(raw) as unzipped:
        body: Mapping[str, Any] = json.load(unzipped)
    return body
