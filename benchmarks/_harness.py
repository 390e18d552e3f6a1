"""Shared pieces of the benchmarks: an emulator in its own process, datasets, sweeps, and
the one-JSON-object-last output convention. Loopback only; every loop is bounded."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run from a checkout without installing too


def write_items(path: Path, n: int) -> Path:
    """`n` short arithmetic questions (the emulator answers them in a few tokens)."""
    with open(path, "w") as fh:
        for i in range(n):
            a, b = 3 + i % 97, 5 + (i * 7) % 89
            fh.write(
                json.dumps(
                    {"id": f"q{i:06d}", "question": f"What is {a} + {b}?", "answer": str(a + b)}
                )
                + "\n"
            )
    return path


def write_unique_items(path: Path, n: int) -> Path:
    """`n` short arithmetic questions, no two alike (`write_items` repeats itself every
    8,633 rows), so that no response cache can answer one task from another's request."""
    with open(path, "w") as fh:
        for i in range(n):
            a, b = 3 + i % 1000, 5 + i // 1000
            fh.write(
                json.dumps(
                    {"id": f"q{i:07d}", "question": f"What is {a} + {b}?", "answer": str(a + b)}
                )
                + "\n"
            )
    return path


def model_profile(ttft_s: float = 0.2) -> dict[str, Any]:
    """A model that answers after `ttft_s` from one provider with no latency spread."""
    return {
        "ttft_s": ttft_s,
        "tokens_per_s": 10_000.0,
        "providers": [{"name": "BenchCloud", "slug": "benchcloud"}],
    }


@contextmanager
def sim_process(config: Mapping[str, Any]) -> Iterator[str]:
    from orkit.sim import SimConfig, SimProcess

    with SimProcess(SimConfig.from_dict(dict(config)), port=0) as base_url:
        yield base_url


def _sim_root(base_url: str) -> str:
    """`http://HOST:PORT` of an emulator's base URL (`/api/v1`, or `/v1` for a local server)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def sim_stats(base_url: str) -> dict[str, Any]:
    root = _sim_root(base_url)
    stats: dict[str, Any] = httpx.get(f"{root}/_sim/stats", timeout=30).json()
    return stats


def sim_reset(base_url: str) -> None:
    root = _sim_root(base_url)
    httpx.post(f"{root}/_sim/reset", timeout=30)


@contextmanager
def workdir() -> Iterator[Path]:
    """A scratch directory, removed afterwards unless ORKIT_BENCH_KEEP is set."""
    import os

    if os.environ.get("ORKIT_BENCH_KEEP"):
        path = Path(tempfile.mkdtemp(prefix="orkit-bench-"))
        print(f"keeping {path}", file=sys.stderr)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="orkit-bench-") as tmp:
        yield Path(tmp)


def emit(result: Mapping[str, Any]) -> None:
    """The benchmark's last line: one JSON object."""
    print(json.dumps(result, sort_keys=False), flush=True)


def emit_checked(result: dict[str, Any], missed: Sequence[str]) -> None:
    """The last line (the JSON, `targets_missed` in it), then exit 1 when a target was
    missed: a figure that cannot fail proves nothing."""
    result["targets_missed"] = list(missed)
    emit(result)
    for line in missed:
        print(f"target missed: {line}", file=sys.stderr)
    if missed:
        sys.exit(1)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start
