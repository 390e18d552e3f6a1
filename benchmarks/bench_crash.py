"""Crash safety: kill -9 a 5,000-task `orkit run` (report included) in every phase of its
life, resume it, and check that nothing is missing, nothing is doubled, and nothing the run
had recorded is paid for twice.

Phases, each given its own kills (`ORKIT_BENCH_KILLS_PER_PHASE`, default 5):
- `startup`: between the process start and its first request: alternately at a random
  moment before its run directory exists (imports, spec, checks, preflight) and as soon as
  it appears (then the manifest, the key check, the journal);
- `steady`: while answers arrive (killed when the journal holds a random number of rows);
- `end_writes`: after the last answer is journaled (Parquet flush, manifest, calibration,
  report): killed a random fraction of the reference run's end-phase time after the journal
  is full;
- `resume`: a run killed in steady state is resumed, the resume killed while it answers,
  then resumed again.

Kill moments are drawn by phase and the phase is then *observed*, not assumed: the emulator's
request count at the kill (0: startup), the journal's rows at the kill (all of them: the end
writes) and the manifest (`completed`: the report was being written). A kill that finds the
process already gone is not a kill: it is counted in `vacuous_draws` and drawn again.
Those delays are drawn within the phase times of an uninterrupted reference run made first
(measured, so a slower machine stretches them too).

Per kill, from emulator billing snapshots taken once the killed process's requests have
settled: `double_billed` counts the task bodies billed before the kill and billed again
after it (in-flight work the resume had to ask for again); `double_billed_received` those
whose answer was already committed to the journal at the kill, which must be 0. The
uninterrupted reference run is the baseline (it bills each task once).
Last line of output: one JSON object; a missed target exits 1 after printing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _harness import (
    emit_checked,
    median,
    model_profile,
    sim_process,
    sim_reset,
    sim_stats,
    workdir,
    write_items,
)

from orkit import load_spec
from orkit.sim import SIM_API_KEY

KILLS_PER_PHASE = int(os.environ.get("ORKIT_BENCH_KILLS_PER_PHASE", "5"))
PHASES = ("startup", "steady", "end_writes", "resume")
ITEMS = 2500
MODELS = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]  # 5,000 tasks
CONCURRENCY = 64
POLL_S = 0.005
PROCESS_BOUND_S = 600.0  # no orkit process of this benchmark may take longer
MAX_DRAWS_PER_PHASE = 4 * KILLS_PER_PHASE  # every loop is bounded
# For development: a comma-separated subset of PHASES (the targets then ask only for them).
PHASES_RUN = tuple(os.environ.get("ORKIT_BENCH_PHASES", ",".join(PHASES)).split(","))


def write_spec(tmp: Path, url: str) -> Path:
    items = write_items(tmp / "items.jsonl", ITEMS)
    spec = tmp / "spec.toml"
    spec.write_text(
        f'dataset = "{items}"\nmodels = {json.dumps(MODELS)}\nendpoint = "{url}"\n'
        f'concurrency = {CONCURRENCY}\nout = "{tmp / "runs"}"\ncache = false\n'
        '[prompt]\ntemplate = "{{ question }}"\n[params]\nmax_tokens = 8\ntemperature = 0\n'
    )
    return spec


def body_hash(task: Any) -> str:
    """The emulator's key for a request body: the body orkit's client sends for a task."""
    body = task.request.to_body(stream=True)
    body["stream_options"] = {"include_usage": True}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def journal_keys(journal: Path) -> set[str]:
    """Task keys with a final outcome in a journal (read-only; empty when there is none)."""
    if not journal.is_file():
        return set()
    try:
        with sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True) as db:
            return {k for (k,) in db.execute("select task_key from tasks where final = 1")}
    except sqlite3.Error:  # created but its tables not yet: nothing recorded
        return set()


def journal_rows(journal: Path) -> int:
    """Final rows in a journal, as a poll sees them while the run writes (0 if none yet)."""
    if not journal.is_file():
        return 0
    try:
        db = sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True, timeout=0.05)
        try:
            (n,) = db.execute("select count(*) from tasks where final = 1").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return 0
    return int(n)


def manifest_status(run_dir: Path | None) -> str | None:
    if run_dir is None:
        return None
    try:
        return str(json.loads((run_dir / "manifest.json").read_text())["status"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def only_run_dir(runs: Path) -> Path | None:
    dirs = [p for p in runs.iterdir() if p.is_dir()] if runs.is_dir() else []
    return dirs[0] if len(dirs) == 1 else None


def orkit(tmp: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "OPENROUTER_API_KEY": SIM_API_KEY,
        "ORKIT_CACHE_DIR": str(tmp / "cache"),  # the calibration it writes stays here
    }
    return subprocess.Popen(
        [sys.executable, "-m", "orkit", *args, "-q"],
        cwd=tmp,  # the default report path, reports/<run>.html, lands in tmp
        env=env,
        text=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen[str], what: str) -> None:
    _, err = proc.communicate(timeout=PROCESS_BOUND_S)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} exited {proc.returncode}: {err.strip()[-800:]}")


def wait_for(proc: subprocess.Popen[str], ready: Callable[[], bool]) -> bool:
    """Poll until `ready()`; False if the process ended first."""
    deadline = time.monotonic() + PROCESS_BOUND_S
    while time.monotonic() < deadline:
        if ready():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(POLL_S)
    raise RuntimeError("orkit neither reached the kill point nor ended in time")


def kill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL; True if it struck a live process (not one that had already exited)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc.returncode == -signal.SIGKILL


def settled_billing(url: str) -> dict[str, Any]:
    """The emulator's stats once the requests of a killed process have ended (it bills a
    completion it finished sending even if the client is gone)."""
    deadline = time.monotonic() + 60
    while True:
        stats = sim_stats(url)
        if stats["in_flight"] == 0 or time.monotonic() > deadline:
            return stats
        time.sleep(0.02)


@dataclass
class Kill:
    phase: str
    """What the kill struck, as observed: startup, steady, end_writes or resume."""
    step: str
    """Finer: before_run_dir / before_journal / before_first_request; answering;
    before_manifest / report (the manifest says completed)."""
    rows_at_kill: int
    billed_before: Counter[str]
    billed_at_kill: Counter[str]
    received: set[str]
    """Task keys whose answer was committed to the journal at the kill."""
    double_billed: int = 0
    double_billed_received: int = 0
    in_flight_at_kill: int = 0


@dataclass
class Trial:
    target: str
    kills: list[Kill] = field(default_factory=list)
    vacuous: int = 0
    keys_match: bool = False
    duplicate_rows: int = 0
    all_ok: bool = False
    reran: bool = False
    """Killed before the run directory had a journal: `orkit run` again, as a user would."""
    refusal: str | None = None
    """What `orkit resume` said of a run directory without a journal (it must refuse)."""
    report_after: bool = False


@dataclass
class PhaseTimes:
    """When the reference run reached each mark (s): from its start, its run directory and
    its journal (just before the first request); from its last row, its `completed`
    manifest and its exit (the report written)."""

    run_dir_s: float
    startup_s: float
    answering_s: float
    manifest_s: float
    end_s: float

    def end_delay(self, rng: random.Random, n: int) -> float:
        """Alternately before and after the manifest says `completed` (Parquet, manifest
        and calibration, then the report)."""
        if n % 2 == 0:
            return rng.uniform(0.0, self.manifest_s)
        return rng.uniform(self.manifest_s, self.end_s)


class Bench:
    def __init__(self, tmp: Path, url: str, spec: Path, hashes: Mapping[str, str]) -> None:
        self.tmp, self.url, self.spec, self.hashes = tmp, url, spec, hashes
        self.runs = tmp / "runs"
        self.total = len(hashes)

    def reset(self) -> None:
        sim_reset(self.url)
        for path in (self.runs, self.tmp / "reports"):
            shutil.rmtree(path, ignore_errors=True)

    def journal(self) -> Path:
        run_dir = only_run_dir(self.runs)
        return run_dir / "journal.sqlite" if run_dir is not None else self.runs / "none"

    def reference(self) -> tuple[PhaseTimes, int, float]:
        """An uninterrupted run: its phase times, how many bodies it had billed twice (the
        baseline: none), and its wall time."""
        self.reset()
        start = time.monotonic()
        proc = orkit(self.tmp, "run", str(self.spec), "--yes")
        marks: dict[str, float] = {}

        def seen(name: str, cond: bool) -> bool:
            if cond and name not in marks:
                marks[name] = time.monotonic()
            return cond

        def completed() -> bool:
            run_dir = only_run_dir(self.runs)
            seen("run_dir", run_dir is not None)
            journal = self.journal()
            seen("journal", journal.is_file())
            rows = journal_rows(journal) if "last_row" not in marks else self.total
            seen("first_row", rows > 0)
            seen("last_row", rows >= self.total)
            return seen("manifest", manifest_status(run_dir) == "completed")

        if not wait_for(proc, completed):
            raise RuntimeError("the reference run ended before its manifest said completed")
        finish(proc, "the reference run")
        end = time.monotonic()
        stats = sim_stats(self.url)
        twice = sum(1 for n in stats["billed_by_body_hash"].values() if n > 1)
        times = PhaseTimes(
            run_dir_s=marks["run_dir"] - start,
            startup_s=marks["journal"] - start,
            answering_s=marks["last_row"] - marks.get("first_row", marks["journal"]),
            manifest_s=marks["manifest"] - marks["last_row"],
            end_s=end - marks["last_row"],
        )
        return times, twice, end - start

    def observe_kill(self, proc_kind: str, billed_before: Counter[str]) -> Kill:
        """What the kill just made struck, from the emulator and the run directory."""
        stats = settled_billing(self.url)
        run_dir = only_run_dir(self.runs)
        received = journal_keys(run_dir / "journal.sqlite") if run_dir is not None else set()
        billed = Counter(stats["billed_by_body_hash"])
        if stats["requests"] == 0:
            phase = "startup"
            if run_dir is None:
                step = "before_run_dir"
            elif not (run_dir / "journal.sqlite").is_file():
                step = "before_journal"
            else:
                step = "before_first_request"
        elif len(received) < self.total:
            phase, step = ("resume" if proc_kind == "resume" else "steady"), "answering"
        else:
            phase = "end_writes"
            step = "report" if manifest_status(run_dir) == "completed" else "before_manifest"
        return Kill(phase, step, len(received), billed_before, billed, received)

    def one(self, target: str, rng: random.Random, times: PhaseTimes, n: int) -> Trial:
        """Draw trial `n` of `target` (a phase): start a run, kill it there, resume."""
        self.reset()
        trial = Trial(target)
        proc = orkit(self.tmp, "run", str(self.spec), "--yes")
        nothing: Counter[str] = Counter()
        if target == "startup":
            if n % 2 == 0:  # imports, spec, checks, preflight: most of the startup's time
                time.sleep(rng.uniform(0.0, times.run_dir_s))
            else:  # its run directory appeared; the manifest, key check and journal follow
                wait_for(proc, lambda: only_run_dir(self.runs) is not None)
            struck = kill(proc)
        elif target == "end_writes":
            full = wait_for(proc, lambda: journal_rows(self.journal()) >= self.total)
            if full:
                time.sleep(times.end_delay(rng, n))
            struck = kill(proc)
        else:  # steady, or the first kill of a resume trial (early: room for the second)
            high = 0.95 if target == "steady" else 0.6
            rows = int(self.total * rng.uniform(0.02, high))
            wait_for(proc, lambda: journal_rows(self.journal()) >= rows)
            struck = kill(proc)
        if not struck:
            trial.vacuous += 1
            return trial
        trial.kills.append(self.observe_kill("run", nothing))
        if target == "resume" and trial.kills[0].phase == "steady":
            self.kill_a_resume(trial, rng)
        self.recover(trial)
        return trial

    def kill_a_resume(self, trial: Trial, rng: random.Random) -> None:
        run_dir = only_run_dir(self.runs)
        assert run_dir is not None
        first = trial.kills[0]
        rows = int(first.rows_at_kill + (self.total - first.rows_at_kill) * rng.uniform(0.05, 0.9))
        proc = orkit(self.tmp, "resume", str(run_dir))
        wait_for(proc, lambda: journal_rows(run_dir / "journal.sqlite") >= rows)
        if kill(proc):
            trial.kills.append(self.observe_kill("resume", first.billed_at_kill))
        else:
            trial.vacuous += 1

    def recover(self, trial: Trial) -> None:
        """Resume the run, as a user would; one killed before it had a journal has nothing
        to resume (`orkit resume` says so): it is run again."""
        run_dir = only_run_dir(self.runs)
        if run_dir is not None and (run_dir / "journal.sqlite").is_file():
            finish(orkit(self.tmp, "resume", str(run_dir)), "resume")
        else:
            trial.reran = True
            if run_dir is not None:  # resume refuses, saying why; the user starts again
                refused = orkit(self.tmp, "resume", str(run_dir))
                _, err = refused.communicate(timeout=PROCESS_BOUND_S)
                clear = refused.returncode != 0 and "start it again with orkit run" in err
                trial.refusal = "clear" if clear else f"exit {refused.returncode}: {err[-300:]}"
                shutil.rmtree(run_dir)
            finish(orkit(self.tmp, "run", str(self.spec), "--yes"), "the run started again")
            run_dir = only_run_dir(self.runs)
            assert run_dir is not None
        self.check(trial, run_dir)

    def check(self, trial: Trial, run_dir: Path) -> None:
        import pandas as pd

        df = pd.read_parquet(run_dir / "results")
        trial.keys_match = set(df["task_key"]) == set(self.hashes)
        trial.duplicate_rows = int(df["task_key"].duplicated().sum())
        trial.all_ok = bool((df["status"] == "ok").all())
        trial.report_after = (self.tmp / "reports" / f"{run_dir.name}.html").is_file()
        final = Counter(sim_stats(self.url)["billed_by_body_hash"])
        for k in trial.kills:
            count_double_billing(k, final, self.hashes)


def count_double_billing(k: Kill, final: Counter[str], hashes: Mapping[str, str]) -> None:
    """Fill `k`'s counts: bodies the killed process had billed (between the previous
    snapshot and this kill's) that were billed again later."""
    mine = {h for h, n in k.billed_at_kill.items() if n > k.billed_before.get(h, 0)}
    again = {h for h in mine if final.get(h, 0) > k.billed_at_kill[h]}
    received = {hashes[key] for key in k.received if key in hashes}
    k.double_billed = len(again)
    k.double_billed_received = len(again & received)
    k.in_flight_at_kill = len(mine - received)


def main() -> None:
    rng = random.Random(7)
    config = {
        "seed": 3,
        "time_scale": 0.02,
        "window_scale": 0.0,
        "json_padding": False,
        "models": {m: model_profile(1.0) for m in MODELS},
    }
    trials: list[Trial] = []
    vacuous = 0
    with workdir() as tmp, sim_process(config) as url:
        spec = write_spec(tmp, url)
        hashes = {t.key: body_hash(t) for t in load_spec(spec).tasks()}
        assert len(hashes) == ITEMS * len(MODELS)
        bench = Bench(tmp, url, spec, hashes)
        times, reference_twice, reference_s = bench.reference()
        print(f"reference run: {reference_s:.2f} s, phases {times}", flush=True)
        kills_by_phase: Counter[str] = Counter()
        for phase in PHASES_RUN:
            for n in range(MAX_DRAWS_PER_PHASE):
                if kills_by_phase[phase] >= KILLS_PER_PHASE:
                    break
                trial = bench.one(phase, rng, times, n)
                vacuous += trial.vacuous
                if not trial.kills:
                    print(f"{phase}: vacuous draw (the process had ended)", flush=True)
                    continue
                kills_by_phase.update(k.phase for k in trial.kills)
                trials.append(trial)
                print(f"{phase}: {describe(trial)}", flush=True)
    result = summarize(trials, vacuous, reference_twice, reference_s, times)
    emit_checked(result, missed_targets(result))


def describe(trial: Trial) -> str:
    kills = ", ".join(
        f"{k.phase}/{k.step} at {k.rows_at_kill} rows: {k.double_billed} billed twice"
        f" ({k.double_billed_received} received)"
        for k in trial.kills
    )
    return (
        f"{kills}; keys match {trial.keys_match}, {trial.duplicate_rows} duplicates"
        + (", run again" if trial.reran else "")
        + (f" (resume refused: {trial.refusal.strip()})" if trial.refusal else "")
        + ("" if trial.report_after else ", no report after the resume")
    )


def summarize(
    trials: list[Trial], vacuous: int, reference_twice: int, reference_s: float, t: PhaseTimes
) -> dict[str, Any]:
    kills = [k for tr in trials for k in tr.kills]
    per_kill = [k.double_billed for k in kills]
    by_phase: dict[str, list[Kill]] = {p: [k for k in kills if k.phase == p] for p in PHASES}
    return {
        "trials": len(trials),
        "mismatched_trials": sum(not tr.keys_match for tr in trials),
        "duplicate_rows": sum(tr.duplicate_rows for tr in trials),
        "double_billed_received": sum(k.double_billed_received for k in kills),
        "in_flight_at_kill": sum(k.in_flight_at_kill for k in kills),
        "double_billed_total": sum(per_kill),
        "tasks_per_trial": len(MODELS) * ITEMS,
        "killed_after_rows": [k.rows_at_kill for k in kills],
        "kills": len(kills),
        "double_billed_per_kill_median": median(per_kill) if per_kill else None,
        "double_billed_per_kill_max": max(per_kill, default=None),
        "kills_by_phase": {p: len(ks) for p, ks in by_phase.items()},
        "kills_by_step": dict(Counter(f"{k.phase}/{k.step}" for k in kills)),
        "double_billed_per_kill_median_by_phase": {
            p: median([k.double_billed for k in ks]) if ks else None for p, ks in by_phase.items()
        },
        "double_billed_per_kill_max_by_phase": {
            p: max((k.double_billed for k in ks), default=None) for p, ks in by_phase.items()
        },
        # the client's pool holds `concurrency` connections, one request each
        "in_flight_cap": CONCURRENCY,
        "vacuous_draws": vacuous,
        "failed_rows_after_resume": sum(not tr.all_ok for tr in trials),
        "reports_missing_after_resume": sum(not tr.report_after for tr in trials),
        "runs_started_again": sum(tr.reran for tr in trials),
        # a run directory without a journal: `orkit resume` must refuse, saying to start again
        "resumes_refused_clearly": sum(tr.refusal == "clear" for tr in trials),
        "resumes_refused_unclearly": sum(
            tr.refusal is not None and tr.refusal != "clear" for tr in trials
        ),
        "reference_double_billed": reference_twice,
        "reference_wall_s": round(reference_s, 3),
        "reference_phase_s": {
            "startup": round(t.startup_s, 3),
            "answering": round(t.answering_s, 3),
            "end_writes": round(t.end_s, 3),
            "end_writes_before_manifest": round(t.manifest_s, 3),
        },
    }


def missed_targets(r: Mapping[str, Any]) -> list[str]:
    """Every target the result misses (empty: all held)."""
    missed = []
    for key in ("mismatched_trials", "duplicate_rows", "double_billed_received"):
        if r[key] != 0:
            missed.append(f"{key} = {r[key]} (target 0)")
    if r["failed_rows_after_resume"]:
        missed.append(f"failed_rows_after_resume = {r['failed_rows_after_resume']} (target 0)")
    if r["resumes_refused_unclearly"]:
        # a run killed before its first request: resume must say to start it again
        missed.append(f"resumes_refused_unclearly = {r['resumes_refused_unclearly']} (target 0)")
    if r["reports_missing_after_resume"]:
        # a kill during the report's write: the resume that has nothing to send writes it
        missed.append(
            f"reports_missing_after_resume = {r['reports_missing_after_resume']} (target 0)"
        )
    if r["reference_double_billed"]:
        missed.append(f"reference_double_billed = {r['reference_double_billed']} (target 0)")
    counts = r["kills_by_phase"]
    short = {p: counts[p] for p in PHASES_RUN if counts[p] < KILLS_PER_PHASE}
    if short:
        missed.append(f"kills_by_phase {short}: fewer than {KILLS_PER_PHASE} kills")
    worst = r["double_billed_per_kill_max"]
    if worst is not None and worst > r["in_flight_cap"]:
        # more than could be in flight: orkit sent again what had finished
        missed.append(f"double_billed_per_kill_max = {worst} > in_flight_cap {r['in_flight_cap']}")
    return missed


if __name__ == "__main__":
    main()
