"""Throughput: is the client the bottleneck at concurrency 64?

Every client runs in its own child process against the emulator in another process on
127.0.0.1, so its CPU time is its own (`getrusage(RUSAGE_SELF)` in the child: all threads,
interpreter start and imports included) and no client inherits another's imports or garbage.
Every client streams (`"stream": true`), reads the SSE to its end and parses each `data:`
event as JSON, like a real client; same prompts (short arithmetic questions, `max_tokens` 8,
temperature 0), same server, 64 requests in flight.

(a) 20,000 tasks at zero emulated latency, in interleaved rounds (medians; ratios taken within
    a round): orkit and bare aiohttp twice, the slow httpx and openai baselines once:
    - orkit: the full `run` path (`run_sweep_async`: validation, templating, routing, journal,
      Parquet, an exact-match scorer), with a fresh `ORKIT_CACHE_DIR` and the response cache
      off when `Sweep` has that option;
    - a bare aiohttp loop, a bare httpx loop (default `httpx.AsyncClient()`), and the `openai`
      SDK (`AsyncOpenAI`, default settings), each driven by 64 workers over one task list
      (a semaphore of 64 without 20,000 waiting tasks).
    Figure: client CPU µs per task (process CPU ÷ tasks) and tasks/s. Targets: orkit ≤ 5× bare
    aiohttp and ≤ 0.35× the openai SDK.
(b) 5,000 tasks at 200 ms emulated latency through orkit's full path: tasks/s ÷ (64 ÷ 0.2 s),
    from the whole run's wall time (startup and slow start included), median of three runs.
    Target ≥ 0.95. Bare aiohttp runs the same 5,000 twice, interleaved, for what a client
    with no overhead reaches here (every answer takes exactly 200 ms: the emulator's latency
    spread is off). A short untimed round warms the emulator up first.
(c) Candidates at 200 ms and concurrency 64: httpx (default pool), httpx (pool sized 64),
    httpx on the aiohttp transport (`httpx-aiohttp`), bare aiohttp (also with
    `trust_env=True`, as orkit's backend has it), and orkit's own client
    (`AsyncOpenRouter.complete`) on each of its two backends. CPU per request here leaves out
    the imports (a few hundred requests would not amortise them).

Last line of output: one JSON object.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from _harness import emit, median, model_profile, sim_process, sim_reset, sim_stats, workdir
from _harness import write_unique_items as _write_items

MODEL = "openai/gpt-4o-mini"
CONCURRENCY = 64
MAX_TOKENS = 8
LATENCY_S = 0.2
CEILING = CONCURRENCY / LATENCY_S  # 320 tasks/s at 200 ms

ZERO_TASKS = 20_000
# Rounds of (a), interleaved (every other one in reverse order). The slow baselines (about a
# minute each) run in the first round only, so that the benchmark stays near 5 minutes;
# ORKIT_BENCH_ROUNDS=3 runs every client three times.
ZERO_REPS = int(os.environ.get("ORKIT_BENCH_ROUNDS", "2"))
ZERO_CLIENTS = ("orkit", "aiohttp", "httpx", "openai")
ZERO_ROUNDS = {"orkit": ZERO_REPS, "aiohttp": ZERO_REPS, "httpx": 1, "openai": 1}
if "ORKIT_BENCH_ROUNDS" in os.environ:
    ZERO_ROUNDS = dict.fromkeys(ZERO_CLIENTS, ZERO_REPS)
LATENCY_TASKS = 5_000
# orkit three times (the figure is their median), bare aiohttp twice: what this emulator
# allows. A short bare-aiohttp round warms the emulator first, so that no client pays for
# its cold start (its first answers come ~35 ms late).
LATENCY_RUNS = ("orkit", "aiohttp", "orkit", "aiohttp", "orkit")
LATENCY_WARMUP_TASKS = 640
CANDIDATE_TASKS = 640  # 10 rounds of 64 at 200 ms: 2 s at the ceiling
CANDIDATES = {
    "httpx_default_pool": "httpx, default pool (100 conns, 20 keep-alive)",
    "httpx_pool64": "httpx, pool sized 64",
    "httpx_aiohttp": "httpx on the aiohttp transport (httpx-aiohttp)",
    "aiohttp": "bare aiohttp",
    "aiohttp_trust_env": "bare aiohttp, trust_env=True (as orkit's backend)",
    "orkit_client_aiohttp": "orkit AsyncOpenRouter, aiohttp backend (default)",
    "orkit_client_httpx": "orkit AsyncOpenRouter, httpx backend",
}
CHILD_TIMEOUT_S = 240.0
PRELOAD = {
    "orkit": ("orkit.api", "orkit.sim", "aiohttp"),
    "aiohttp": ("aiohttp", "orkit.sim"),
    "httpx": ("httpx", "orkit.sim"),
    "httpx_default_pool": ("httpx", "orkit.sim"),
    "httpx_pool64": ("httpx", "orkit.sim"),
    "httpx_aiohttp": ("httpx", "httpx_aiohttp", "orkit.sim"),
    "aiohttp_trust_env": ("aiohttp", "orkit.sim"),
    "openai": ("openai", "orkit.sim"),
    "orkit_client_aiohttp": ("orkit.client", "orkit.sim"),
    "orkit_client_httpx": ("orkit.client", "orkit.sim"),
}


# --------------------------------------------------------------------------- the parent


def sim_config(ttft_s: float, time_scale: float) -> dict[str, Any]:
    return {
        "seed": 3,
        "time_scale": time_scale,
        "json_padding": False,
        # Every answer takes the emulated latency exactly (no ±25% spread), so that 64 in
        # flight at 200 ms can reach 320 tasks/s and the ceiling is the one the issue names.
        "latency_jitter": 1.0,
        "models": {MODEL: model_profile(ttft_s)},
    }


def cpu_seconds(pid: int) -> float:
    """utime + stime of a live process, from /proc (the emulator's CPU so far)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim_pid() -> int:
    """The emulator child of this process (the only `orkit.sim` child while it runs)."""
    for task in Path("/proc/self/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"orkit.sim" in cmdline:
                return int(pid)
    raise RuntimeError("cannot find the emulator process")


def run_child(client: str, base_url: str, items: Path, tasks: int, tmp: Path) -> dict[str, Any]:
    """One client in a fresh interpreter; returns its report plus the emulator's view."""
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=tmp))
    spec = {
        "client": client,
        "base_url": base_url,
        "items": str(items),
        "tasks": tasks,
        "out": str(tmp / "runs"),
    }
    env = {**os.environ, "ORKIT_CACHE_DIR": str(cache), "PYTHONHASHSEED": "0"}
    sim_reset(base_url)
    pid = sim_pid()
    server_cpu0 = cpu_seconds(pid)
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{client} child failed:\n{proc.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    stats = sim_stats(base_url)
    report["server_cpu_s"] = cpu_seconds(pid) - server_cpu0
    report["server_requests"] = int(stats["requests"])
    report["server_max_in_flight"] = int(stats["max_in_flight"])
    if report["ok"] != tasks or report["server_requests"] != tasks:
        print(
            f"  warning: {client}: {report['ok']} ok of {tasks}, "
            f"{report['server_requests']} requests seen by the emulator",
            flush=True,
        )
    report["cpu_us_per_task"] = 1e6 * report["cpu_s_total"] / tasks
    report["cpu_us_per_task_run"] = 1e6 * report["cpu_s_run"] / tasks
    report["tasks_per_s"] = tasks / report["wall_s"]
    return report


def show(label: str, r: dict[str, Any]) -> None:
    print(
        f"  {label:<16} {r['tasks_per_s']:7.0f} tasks/s  "
        f"CPU {r['cpu_us_per_task']:6.0f} µs/task ({r['cpu_us_per_task_run']:.0f} in the run)  "
        f"peak RSS {r['maxrss_mb']:.0f} MB  emulator CPU {r['server_cpu_s'] / r['wall_s']:.0%} "
        f"of a core, max in flight {r['server_max_in_flight']}",
        flush=True,
    )


def zero_latency(tmp: Path) -> dict[str, Any]:
    items = _write_items(tmp / "zero.jsonl", ZERO_TASKS)
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in ZERO_CLIENTS}
    print(
        f"(a) {ZERO_TASKS:,} tasks at zero latency, concurrency {CONCURRENCY}, "
        f"interleaved rounds: {', '.join(f'{c} ×{n}' for c, n in ZERO_ROUNDS.items())}",
        flush=True,
    )
    with sim_process(sim_config(0.0, 0.0)) as base_url:
        for rep in range(ZERO_REPS):
            print(f" round {rep + 1}", flush=True)
            order = ZERO_CLIENTS if rep % 2 == 0 else tuple(reversed(ZERO_CLIENTS))
            for client in (c for c in order if rep < ZERO_ROUNDS[c]):
                r = run_child(client, base_url, items, ZERO_TASKS, tmp)
                runs[client].append(r)
                show(client, r)
    out: dict[str, Any] = {}
    for client, rs in runs.items():
        out[client] = {
            "cpu_us_per_task": round(median([r["cpu_us_per_task"] for r in rs]), 1),
            "cpu_us_per_task_run": round(median([r["cpu_us_per_task_run"] for r in rs]), 1),
            "tasks_per_s": round(median([r["tasks_per_s"] for r in rs]), 1),
            "peak_rss_mb": round(median([r["maxrss_mb"] for r in rs]), 1),
            "emulator_core_share": round(median([r["server_cpu_s"] / r["wall_s"] for r in rs]), 2),
            "emulator_cpu_us_per_request": round(
                median([1e6 * r["server_cpu_s"] / ZERO_TASKS for r in rs]), 1
            ),
        }
    # Ratios within each round (same machine state), then their median.
    for base in ("aiohttp", "httpx", "openai"):
        ratios = [
            o["cpu_s_total"] / b["cpu_s_total"]
            for o, b in zip(runs["orkit"], runs[base], strict=False)
        ]
        out[f"orkit_over_{base}"] = round(median(ratios), 3)
    return out


def latency_bound(tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    items = _write_items(tmp / "latency.jsonl", LATENCY_TASKS)
    print(
        f"(b) {LATENCY_TASKS:,} tasks at {LATENCY_S * 1000:.0f} ms latency, concurrency "
        f"{CONCURRENCY} (ceiling {CEILING:.0f} tasks/s): orkit's full path, and bare aiohttp "
        "for what this emulator allows",
        flush=True,
    )
    runs: dict[str, list[dict[str, Any]]] = {"orkit": [], "aiohttp": []}
    candidates: dict[str, dict[str, Any]] = {}
    # (a) left tens of MB of journals and Parquet to write back: flush them now, so that the
    # kernel's writeback does not compete with the first run's journal commits.
    os.sync()
    with sim_process(sim_config(LATENCY_S, 1.0)) as base_url:
        run_child("aiohttp", base_url, items, LATENCY_WARMUP_TASKS, tmp)  # not measured
        for client in LATENCY_RUNS:
            r = run_child(client, base_url, items, LATENCY_TASKS, tmp)
            runs[client].append(r)
            steady = r.get("steady_tasks_per_s")
            print(
                f"  {client:<8} {r['tasks_per_s']:6.1f} tasks/s = "
                f"{r['tasks_per_s'] / CEILING:.3f} of the ceiling"
                + (
                    f" (steady state {steady:.1f} = {steady / CEILING:.3f}; first request "
                    f"after {r['before_first_request_s']:.2f} s, done "
                    f"{r['after_last_answer_s']:.2f} s after the last answer)"
                    if steady
                    else ""
                )
                + f"; CPU {r['cpu_us_per_task']:.0f} µs/task",
                flush=True,
            )
        print(
            f"(c) HTTP candidates, {CANDIDATE_TASKS:,} streamed requests each at "
            f"{LATENCY_S * 1000:.0f} ms latency, concurrency {CONCURRENCY}",
            flush=True,
        )
        for client, label in CANDIDATES.items():
            r = run_child(client, base_url, items, CANDIDATE_TASKS, tmp)
            candidates[client] = r
            print(
                f"  {label:<52} {r['tasks_per_s']:6.1f} req/s  "
                f"CPU {r['cpu_us_per_task_run'] / 1000:5.2f} ms/req "
                f"({r['cpu_us_per_task'] / 1000:5.2f} with imports)  "
                f"connections opened {r['connections']}",
                flush=True,
            )
    orkit_rate = median([r["tasks_per_s"] for r in runs["orkit"]])
    steady_rate = median([r["steady_tasks_per_s"] for r in runs["orkit"]])
    bare_rate = median([r["tasks_per_s"] for r in runs["aiohttp"]])
    latency = {
        "tasks_per_s": round(orkit_rate, 1),
        "efficiency": round(orkit_rate / CEILING, 3),
        "steady_tasks_per_s": round(steady_rate, 1),
        "steady_efficiency": round(steady_rate / CEILING, 3),
        "cpu_us_per_task": round(median([r["cpu_us_per_task"] for r in runs["orkit"]]), 1),
        "before_first_request_s": round(
            median([r["before_first_request_s"] for r in runs["orkit"]]), 2
        ),
        "after_last_answer_s": round(median([r["after_last_answer_s"] for r in runs["orkit"]]), 2),
        # first request to last answer: the whole run minus startup (validation, estimate,
        # manifest) and wind-down (flush, dataset copy, learning the calibration)
        "sending_phase_efficiency": round(
            median(
                [
                    LATENCY_TASKS
                    / (r["wall_s"] - r["before_first_request_s"] - r["after_last_answer_s"])
                    / CEILING
                    for r in runs["orkit"]
                ]
            ),
            3,
        ),
        "aiohttp_tasks_per_s": round(bare_rate, 1),
        "aiohttp_efficiency": round(bare_rate / CEILING, 3),
        "orkit_over_aiohttp_rate": round(orkit_rate / bare_rate, 3),
    }
    table = {
        client: {
            "label": CANDIDATES[client],
            "tasks_per_s": round(r["tasks_per_s"], 1),
            "cpu_ms_per_request": round(r["cpu_us_per_task_run"] / 1000, 3),
            "cpu_ms_per_request_with_imports": round(r["cpu_us_per_task"] / 1000, 3),
            "connections_opened": r["connections"],
        }
        for client, r in candidates.items()
    }
    return latency, table


def main() -> None:
    start = time.perf_counter()
    with workdir() as tmp:
        zero = zero_latency(tmp)
        latency, candidates = latency_bound(tmp)
    o, a, h, ai = zero["orkit"], zero["aiohttp"], zero["httpx"], zero["openai"]
    print(
        f"orkit {o['cpu_us_per_task']:.0f} µs/task = {zero['orkit_over_aiohttp']:.2f}× bare "
        f"aiohttp (target ≤ 5), {zero['orkit_over_openai']:.2f}× the openai SDK (target ≤ 0.35); "
        f"latency-bound efficiency {latency['efficiency']:.3f} (target ≥ 0.95); "
        f"{time.perf_counter() - start:.0f} s in all",
        flush=True,
    )
    emit(
        {
            "orkit_cpu_us_per_task": o["cpu_us_per_task"],
            "aiohttp_cpu_us_per_task": a["cpu_us_per_task"],
            "httpx_cpu_us_per_task": h["cpu_us_per_task"],
            "openai_cpu_us_per_task": ai["cpu_us_per_task"],
            "orkit_tasks_per_s": o["tasks_per_s"],
            "latency_bound_efficiency": latency["efficiency"],
            "orkit_over_aiohttp": zero["orkit_over_aiohttp"],
            "orkit_over_openai": zero["orkit_over_openai"],
            "zero_latency": zero,
            "latency_bound": latency,
            "candidates": candidates,
        }
    )


# --------------------------------------------------------------------------- the children


def prompts(items: str, n: int) -> list[str]:
    with open(items) as fh:
        out = [json.loads(line)["question"] for line in fh]
    return out[:n]


def body_of(prompt: str) -> bytes:
    return json.dumps(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": MAX_TOKENS,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    ).encode()


class Answer:
    """What a baseline keeps of a stream: the text and the usage, from every `data:` event."""

    __slots__ = ("content", "done", "usage")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.usage: Any = None
        self.done = False

    def line(self, line: bytes | str) -> None:
        if isinstance(line, str):
            line = line.encode()
        if not line.startswith(b"data:"):
            return  # blank lines and `: OPENROUTER PROCESSING` comments
        payload = line[5:].strip()
        if payload == b"[DONE]":
            self.done = True
            return
        event = json.loads(payload)
        for choice in event.get("choices") or ():
            text = (choice.get("delta") or {}).get("content")
            if text:
                self.content.append(text)
        if event.get("usage"):
            self.usage = event["usage"]

    def ok(self) -> bool:
        return self.done and self.usage is not None


async def drive(one: Callable[[str], Awaitable[bool]], work: list[str]) -> int:
    """64 workers over one task list; returns how many answers were complete."""
    it: Iterator[str] = iter(work)
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for prompt in it:  # `next()` never awaits: workers share the iterator safely
            answered = await one(prompt)
            ok += answered  # (not `ok += await ...`: that reads `ok` before the await)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return ok


def headers() -> dict[str, str]:
    from orkit.sim import SIM_API_KEY

    return {"Authorization": f"Bearer {SIM_API_KEY}", "Content-Type": "application/json"}


class Counter:
    """Counts TCP connections a client opens (wraps the loop's `create_connection`)."""

    def __init__(self) -> None:
        self.n = 0

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        original = loop.create_connection

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.n += 1
            return await original(*args, **kwargs)

        loop.create_connection = counted  # type: ignore[method-assign]


async def aiohttp_client(
    spec: dict[str, Any], work: list[str], trust_env: bool = False
) -> dict[str, Any]:
    import aiohttp

    url = spec["base_url"] + "/chat/completions"
    hdrs = headers()
    counter = Counter()
    counter.install()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    # trust_env=True looks up ~/.netrc and the proxy variables in a worker thread on every
    # request (two thread hand-offs per request).
    async with aiohttp.ClientSession(connector=connector, trust_env=trust_env) as session:

        async def one(prompt: str) -> bool:
            answer = Answer()
            async with session.post(url, data=body_of(prompt), headers=hdrs) as resp:
                resp.raise_for_status()
                async for line in resp.content:  # to the end of the body
                    answer.line(line)
            return answer.ok()

        ok = await drive(one, work)
    return {"ok": ok, "connections": counter.n}


async def httpx_client(
    spec: dict[str, Any], work: list[str], kind: str = "default"
) -> dict[str, Any]:
    import httpx

    url = spec["base_url"] + "/chat/completions"
    hdrs = headers()
    counter = Counter()
    counter.install()
    timeout = httpx.Timeout(60.0)
    if kind == "pool64":
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        client = httpx.AsyncClient(timeout=timeout, limits=limits)
    elif kind == "aiohttp":
        from httpx_aiohttp import AiohttpTransport

        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        client = httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(limits=limits))
    else:
        client = httpx.AsyncClient(timeout=timeout)  # what `httpx.AsyncClient()` gives
    async with client:

        async def one(prompt: str) -> bool:
            answer = Answer()
            async with client.stream("POST", url, content=body_of(prompt), headers=hdrs) as resp:
                resp.raise_for_status()
                async for line in resp.aiter_lines():
                    answer.line(line)
            return answer.ok()

        ok = await drive(one, work)
    return {"ok": ok, "connections": counter.n}


async def openai_client(spec: dict[str, Any], work: list[str]) -> dict[str, Any]:
    import openai

    from orkit.sim import SIM_API_KEY

    counter = Counter()
    counter.install()
    client = openai.AsyncOpenAI(base_url=spec["base_url"], api_key=SIM_API_KEY)

    async def one(prompt: str) -> bool:
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": prompt}],
            max_tokens=MAX_TOKENS,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
        content: list[str] = []
        usage = None
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                content.append(chunk.choices[0].delta.content)
            if chunk.usage is not None:
                usage = chunk.usage
        return usage is not None

    ok = await drive(one, work)
    await client.close()
    return {"ok": ok, "connections": counter.n}


async def orkit_client(spec: dict[str, Any], work: list[str], transport: str) -> dict[str, Any]:
    from orkit.client import AsyncOpenRouter
    from orkit.config import ClientOptions
    from orkit.sim import SIM_API_KEY
    from orkit.types import ChatRequest, Secret

    counter = Counter()
    counter.install()
    options = ClientOptions(
        base_url=spec["base_url"],
        api_key=Secret(SIM_API_KEY),
        max_connections=CONCURRENCY,
        transport=transport,  # type: ignore[arg-type]
    )
    params = {"max_tokens": MAX_TOKENS, "temperature": 0}
    async with AsyncOpenRouter(options) as client:

        async def one(prompt: str) -> bool:
            request = ChatRequest(
                model=MODEL, messages=[{"role": "user", "content": prompt}], params=params
            )
            response = await client.complete(request)
            return response.usage is not None

        ok = await drive(one, work)
    return {"ok": ok, "connections": counter.n}


async def orkit_full(spec: dict[str, Any]) -> dict[str, Any]:
    import dataclasses

    from orkit import Sweep
    from orkit.api import run_sweep_async
    from orkit.sim import SIM_API_KEY

    options: dict[str, Any] = {}
    if "cache" in {f.name for f in dataclasses.fields(Sweep)}:
        options["cache"] = False  # every task must be a request
    counter = Counter()
    counter.install()
    sweep = Sweep(
        dataset=spec["items"],
        models=[MODEL],
        prompt="{{ question }}",
        params={"max_tokens": MAX_TOKENS, "temperature": 0},
        endpoint=spec["base_url"],
        concurrency=CONCURRENCY,
        out=spec["out"],
        scorers=[{"kind": "exact", "expected": "answer"}],
        **options,
    )
    run = await run_sweep_async(sweep, api_key=SIM_API_KEY)
    return {"run_dir": str(run.path), "connections": counter.n, "ended_at": time.time()}


def orkit_rows(run_dir: str, started_at: float, ended_at: float) -> dict[str, Any]:
    """From a run's rows: ok rows, the rate between the 10th and 90th percentile finish
    times (steady state), the time before the first request and after the last answer."""
    from orkit import Run

    df = Run(run_dir).to_pandas()
    done = df["finished_at"].astype("int64").sort_values().to_numpy() / 1e6
    sent = df["started_at"].astype("int64").to_numpy() / 1e6
    lo, hi = done[int(0.1 * (len(done) - 1))], done[int(0.9 * (len(done) - 1))]
    return {
        "ok": int((df["status"] == "ok").sum()),
        "steady_tasks_per_s": 0.8 * len(done) / (hi - lo) if hi > lo else float("nan"),
        "before_first_request_s": float(sent.min()) - started_at,
        "after_last_answer_s": ended_at - float(done.max()),
    }


def child(spec: dict[str, Any]) -> None:
    client = spec["client"]
    work = prompts(spec["items"], spec["tasks"]) if client != "orkit" else []
    runners: dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]] = {
        "orkit": lambda: orkit_full(spec),
        "aiohttp": lambda: aiohttp_client(spec, work),
        "aiohttp_trust_env": lambda: aiohttp_client(spec, work, trust_env=True),
        "httpx": lambda: httpx_client(spec, work),
        "httpx_default_pool": lambda: httpx_client(spec, work),
        "httpx_pool64": lambda: httpx_client(spec, work, "pool64"),
        "httpx_aiohttp": lambda: httpx_client(spec, work, "aiohttp"),
        "openai": lambda: openai_client(spec, work),
        "orkit_client_aiohttp": lambda: orkit_client(spec, work, "aiohttp"),
        "orkit_client_httpx": lambda: orkit_client(spec, work, "httpx"),
    }
    # The clients' top-level packages load before the clock starts ("in the run" figures);
    # the whole-process figures count them too. Anything orkit loads lazily stays in the run.
    for name in PRELOAD.get(client, ()):
        importlib.import_module(name)
    cpu0, wall0, started_at = time.process_time(), time.perf_counter(), time.time()
    report = asyncio.run(runners[client]())
    wall, cpu_run = time.perf_counter() - wall0, time.process_time() - cpu0
    usage = resource.getrusage(resource.RUSAGE_SELF)  # the whole process so far
    report.update(
        wall_s=wall,
        cpu_s_run=cpu_run,
        cpu_s_total=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
    )
    if client == "orkit":  # after the measurement: reading the results back is not the run
        report.update(orkit_rows(report.pop("run_dir"), started_at, report.pop("ended_at")))
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(sys.argv[2]))
    else:
        main()
