"""The bundled `GET /models` snapshot, loaded once per emulator and indexed by id.

The snapshot is the raw body of a real `GET /api/v1/models` call (see
`orkit/_bundled/`). The emulator serves it byte-for-byte in spirit (same entries, same
fields) and takes prices, context lengths and supported parameters from it.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

__all__ = ["ROUTER_IDS", "Catalog"]

ROUTER_IDS = frozenset(
    {
        "openrouter/auto",
        "openrouter/auto-beta",
        "openrouter/free",
        "openrouter/fusion",
        "openrouter/pareto-code",
        "openrouter/bodybuilder",
    }
)
"""Router pseudo-models: they pick a concrete model and never serve under their own id."""

_SNAPSHOT_PREFIX = "openrouter-models-"


class Catalog:
    """Read-only index over one `/models` body. Share one instance between emulators freely."""

    def __init__(self, payload: Mapping[str, Any], *, name: str = "custom") -> None:
        self.name = name
        """Which snapshot this is (the bundled file name)."""
        self.models: tuple[dict[str, Any], ...] = tuple(payload["data"])
        """Model objects in snapshot order."""
        self.by_id: dict[str, dict[str, Any]] = {m["id"]: m for m in self.models}
        self.by_canonical: dict[str, dict[str, Any]] = {}
        for model in self.models:
            # `:free` variants share the canonical slug of their base model; the base wins.
            slug = model.get("canonical_slug") or model["id"]
            if slug not in self.by_canonical or ":" not in model["id"]:
                self.by_canonical[slug] = model
        self.aliases: dict[str, str] = {
            m["id"]: m["alias_target"]["slug"] for m in self.models if m.get("alias_target")
        }
        self.free_ids: tuple[str, ...] = tuple(
            m["id"] for m in self.models if m["id"].endswith(":free")
        )

    @classmethod
    def bundled(cls) -> Catalog:
        """Load the newest snapshot shipped in `orkit/_bundled/`."""
        folder = resources.files("orkit").joinpath("_bundled")
        names = sorted(
            entry.name
            for entry in folder.iterdir()
            if entry.name.startswith(_SNAPSHOT_PREFIX) and entry.name.endswith(".json.gz")
        )
        if not names:
            raise FileNotFoundError("no openrouter-models-*.json.gz snapshot in orkit/_bundled")
        raw = folder.joinpath(names[-1]).read_bytes()
        return cls(json.loads(gzip.decompress(raw)), name=names[-1])

    def lookup(self, model_id: str) -> dict[str, Any] | None:
        """The model object for an id, canonical slug or `~alias`; None if unknown."""
        model = self.by_id.get(model_id)
        if model is None:
            model = self.by_canonical.get(model_id)
        if model is not None and model["id"] in self.aliases:
            model = self.by_id.get(self.aliases[model["id"]], model)
        return model

    def intelligence(self, model_id: str) -> float | None:
        """The snapshot's `benchmarks.artificial_analysis.intelligence_index`, if any."""
        model = self.by_id.get(model_id) or self.by_id.get(model_id.split(":")[0])
        if model is None:
            return None
        value = (
            (model.get("benchmarks") or {}).get("artificial_analysis", {}).get("intelligence_index")
        )
        return float(value) if isinstance(value, int | float) else None
