"""Calibration: what past runs taught about each model, kept in the user cache dir and used by
every later estimate (layer 2).

Per (endpoint, model) it keeps: how far the tokenizer-family estimate of prompt tokens was
from the billed count (`prompt_ratio`), how far the listed price was from what was billed
(`price_ratio`: provider mix, long-context overrides, discounts), the speed seen (time to
first token, output tokens per second, time per request as a fixed part plus seconds per
output token, and, for a server that queues what it cannot serve at once, how many it
serves at once), and per prompt template, per length cue (`orkit.cost._cues`) of each
prompt and of all prompts together, a sample of completion lengths with the `max_tokens`
they were observed under. Older runs
fade (each new run gets half the weight of everything before it), so a model that changed
is relearned in a few runs.

One JSON file, replaced atomically; a damaged file is ignored rather than trusted.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orkit.cost._cues import cue_key
from orkit.cost._duration import DEFAULT_TOKENS_PER_S, DEFAULT_TTFT_S

__all__ = [
    "ANY_PROMPT",
    "CALIBRATION_FILE",
    "SERVICE_SUMS",
    "Calibration",
    "ModelCalibration",
    "Observation",
    "OutputSample",
    "sample_of",
]

CALIBRATION_FILE = "calibration.json"
ANY_PROMPT = "*"
"""The sample key that pools every prompt of a model (used for prompts never seen)."""
_FORMAT = 1
_SAMPLE_SIZE = 512  # enough for a ±3% mean; small enough to keep the file small
_OLD_WEIGHT = 0.5  # the weight of everything before a new run
SERVICE_SUMS = ("service_n", "service_x", "service_y", "service_xx", "service_xy")
"""The faded sums behind the time-per-request fit: answers, and sums of their output tokens
(x), seconds (y), x² and x·y."""
_MIN_SPREAD_TOKENS = 2.0
"""The spread (standard deviation) of output lengths below which the seconds per token
cannot be told from noise: the fit falls back on the prior's shape."""


@dataclass(frozen=True, slots=True)
class OutputSample:
    """Completion lengths seen for one (model, prompt), and the cap they were seen under."""

    tokens: tuple[int, ...]
    cap: int | None
    """The `max_tokens` of the run (None: uncapped); lengths at the cap were cut there."""
    source: str = "calibration"
    """`calibration` (a past run) or `pilot` (a pilot run for this estimate)."""
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """What one finished run says about one model (built by `Lessons` from its rows)."""

    model: str
    outputs: Mapping[str, OutputSample] = field(default_factory=dict)
    """Completion lengths per prompt fingerprint."""
    prompt_actual: float = 0.0
    prompt_estimated: float = 0.0
    cost_actual: float = 0.0
    cost_listed: float = 0.0
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    service_s: float | None = None
    """Mean seconds from send to last byte of the answers."""
    service_sums: Mapping[str, float] = field(default_factory=dict)
    """`SERVICE_SUMS` over the answers with both a time and an output length."""
    capacity: float | None = None
    """Requests the server served at once, on average, when the server and not the run's
    concurrency was the limit (a local server's slots); None: not limited by the server."""
    reasoning_tokens: float = 0.0
    reasoning_completion: float = 0.0
    """Reasoning tokens, and the completion tokens of the answers that reported them."""
    rows: int = 0


@dataclass(frozen=True, slots=True)
class ModelCalibration:
    """The learnt facts of one model on one endpoint."""

    prompt_ratio: float | None = None
    """Billed prompt tokens / estimated ones (None: never measured)."""
    price_ratio: float | None = None
    """Billed cost / cost at listed prices (None: never measured)."""
    ttft_s: float | None = None
    tokens_per_s: float | None = None
    service_s: float | None = None
    """Mean seconds from send to last byte (what a URL endpoint's duration uses)."""
    capacity: float | None = None
    """Requests the server serves at once (None: never found its limit)."""
    outputs: Mapping[str, OutputSample] = field(default_factory=dict)
    sums: Mapping[str, float] = field(default_factory=dict)
    """Faded sums behind the ratios (kept so the next run blends in, not replaces)."""
    updated_at: float | None = None

    def service_time(self, output_tokens: float) -> float | None:
        """Seconds from send to last byte of an answer of `output_tokens` tokens: a fixed
        part (prompt processing, time to first token) plus seconds per output token, fitted
        by least squares over the learnt answers (older runs fading). A single mean made an
        estimate for 64-token answers from 1-token runs 3.6x too short, and the other way
        round 4x too long. When every answer had about the same length, the split cannot be
        measured: the prior's (`DEFAULT_TTFT_S` + tokens / `DEFAULT_TOKENS_PER_S`) is
        scaled to the learnt mean. None: nothing learnt; a file from before the fit: the
        mean."""
        n = self.sums.get("service_n", 0.0)
        if n <= 0:
            return self.service_s
        mean_x = self.sums["service_x"] / n
        mean_y = self.sums["service_y"] / n
        var_x = max(0.0, self.sums["service_xx"] / n - mean_x * mean_x)
        if var_x >= _MIN_SPREAD_TOKENS**2:
            per_token = (self.sums["service_xy"] / n - mean_x * mean_y) / var_x
            per_token = max(0.0, per_token)  # noise, not answers that get faster when longer
            fixed = mean_y - per_token * mean_x
            if fixed < 0:  # all of it per token, through the mean
                fixed, per_token = 0.0, mean_y / mean_x
            return fixed + per_token * output_tokens
        prior_at_mean = DEFAULT_TTFT_S + mean_x / DEFAULT_TOKENS_PER_S
        return mean_y / prior_at_mean * (DEFAULT_TTFT_S + output_tokens / DEFAULT_TOKENS_PER_S)

    @property
    def reasoning_share(self) -> float | None:
        """Reasoning tokens per completion token of the learnt answers (older runs fading);
        None: no answer reported them."""
        completion = self.sums.get("reasoning_completion", 0.0)
        return self.sums.get("reasoning_tokens", 0.0) / completion if completion > 0 else None

    def output_sample(self, prompt_key: str) -> tuple[OutputSample | None, bool]:
        """The sample for this prompt, else the pooled one; the flag says it was this prompt's."""
        own = self.outputs.get(prompt_key)
        if own is not None:
            return own, True
        return self.outputs.get(ANY_PROMPT), False

    @property
    def knows_cues(self) -> bool:
        """Lengths were learnt per length cue (runs since cues; `orkit.cost._cues`)."""
        return any(key.startswith("cue:") for key in self.outputs)

    def cue_sample(self, fingerprint: str, cue: str) -> tuple[OutputSample | None, bool]:
        """The lengths of answers to requests with this length cue: this prompt's when it
        was run (the flag says so), else every prompt's of this model; None: never seen."""
        own = self.outputs.get(cue_key(cue, fingerprint))
        if own is not None:
            return own, True
        return self.outputs.get(cue_key(cue)), False


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 and num > 0 else None


def _blend(old: float | None, new: float | None, weight_old: float) -> float | None:
    if old is None:
        return new
    if new is None:
        return old
    return old * weight_old + new * (1 - weight_old)


class Calibration:
    """The calibration file of one cache dir. Load, look up, update, save."""

    def __init__(self, path: Path, entries: dict[str, ModelCalibration] | None = None) -> None:
        self.path = path
        self._entries: dict[str, ModelCalibration] = entries or {}

    @classmethod
    def load(cls, cache_dir: Path) -> Calibration:
        """The stored calibration, or an empty one (missing or damaged file)."""
        path = Path(cache_dir) / CALIBRATION_FILE
        try:
            raw = json.loads(path.read_text("utf-8"))
            if raw.get("format") != _FORMAT:
                return cls(path)
            return cls(path, {k: _from_json(v) for k, v in raw["entries"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path)

    @staticmethod
    def key(endpoint: str, model: str) -> str:
        return f"{endpoint}|{model}"

    def get(self, endpoint: str, model: str) -> ModelCalibration | None:
        return self._entries.get(self.key(endpoint, model))

    def __len__(self) -> int:
        return len(self._entries)

    def update(self, endpoint: str, obs: Observation, *, now: float | None = None) -> None:
        """Blend one run's observation of a model into what is known."""
        if obs.rows <= 0:
            return
        k = self.key(endpoint, obs.model)
        old = self._entries.get(k) or ModelCalibration()
        sums = {name: value * _OLD_WEIGHT for name, value in old.sums.items()}
        for name, value in (
            ("prompt_actual", obs.prompt_actual),
            ("prompt_estimated", obs.prompt_estimated),
            ("cost_actual", obs.cost_actual),
            ("cost_listed", obs.cost_listed),
            ("reasoning_tokens", obs.reasoning_tokens),
            ("reasoning_completion", obs.reasoning_completion),
        ):
            sums[name] = sums.get(name, 0.0) + value
        for name in SERVICE_SUMS:
            if name in obs.service_sums:
                sums[name] = sums.get(name, 0.0) + obs.service_sums[name]
        outputs = dict(old.outputs)
        outputs.update(obs.outputs)  # a prompt's latest run replaces its older sample
        self._entries[k] = ModelCalibration(
            prompt_ratio=_ratio(sums["prompt_actual"], sums["prompt_estimated"]),
            price_ratio=_ratio(sums["cost_actual"], sums["cost_listed"]),
            ttft_s=_blend(old.ttft_s, obs.ttft_s, _OLD_WEIGHT),
            tokens_per_s=_blend(old.tokens_per_s, obs.tokens_per_s, _OLD_WEIGHT),
            service_s=_blend(old.service_s, obs.service_s, _OLD_WEIGHT),
            capacity=_blend(old.capacity, obs.capacity, _OLD_WEIGHT),
            outputs=outputs,
            sums=sums,
            updated_at=time.time() if now is None else now,
        )

    def save(self) -> None:
        """Write atomically (a reader never sees half a file)."""
        body = {"format": _FORMAT, "entries": {k: _to_json(v) for k, v in self._entries.items()}}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calibration-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                # dumps, not dump: dump streams through the pure-Python encoder (5× slower)
                fh.write(json.dumps(body, separators=(",", ":")))
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def sample_of(values: Sequence[int], seed: str) -> tuple[int, ...]:
    """At most `_SAMPLE_SIZE` of `values`, drawn reproducibly."""
    if len(values) <= _SAMPLE_SIZE:
        return tuple(values)
    return tuple(random.Random(seed).sample(list(values), _SAMPLE_SIZE))


def _to_json(m: ModelCalibration) -> dict[str, Any]:
    return {
        "prompt_ratio": m.prompt_ratio,
        "price_ratio": m.price_ratio,
        "ttft_s": m.ttft_s,
        "tokens_per_s": m.tokens_per_s,
        "service_s": m.service_s,
        "capacity": m.capacity,
        "sums": dict(m.sums),
        "updated_at": m.updated_at,
        "outputs": {
            k: {"tokens": list(s.tokens), "cap": s.cap, "source": s.source, "run_id": s.run_id}
            for k, s in m.outputs.items()
        },
    }


def _from_json(raw: Mapping[str, Any]) -> ModelCalibration:
    outputs = {
        k: OutputSample(
            tokens=tuple(int(t) for t in s["tokens"]),
            cap=None if s.get("cap") is None else int(s["cap"]),
            source=str(s.get("source", "calibration")),
            run_id=s.get("run_id"),
        )
        for k, s in dict(raw.get("outputs") or {}).items()
    }
    return ModelCalibration(
        prompt_ratio=raw.get("prompt_ratio"),
        price_ratio=raw.get("price_ratio"),
        ttft_s=raw.get("ttft_s"),
        tokens_per_s=raw.get("tokens_per_s"),
        service_s=raw.get("service_s"),
        capacity=raw.get("capacity"),
        outputs=outputs,
        sums={k: float(v) for k, v in dict(raw.get("sums") or {}).items()},
        updated_at=raw.get("updated_at"),
    )
