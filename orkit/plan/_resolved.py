"""The sweep a run stores in its manifest, fully resolved, and the check that the files it
read have not changed since.

A resume or retry rebuilds its sweep from this record alone: every command-line override is
already applied and every path is absolute, so it works from any working directory and never
re-reads the spec file (which holds neither the overrides nor the working directory the run
started in). What can still change under a run is the content of the files it read, the
dataset and prompt files: their sha256 is kept and compared.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from orkit.data import open_dataset
from orkit.errors import DatasetError
from orkit.plan._spec import resolve_scorer_paths, spec_from_dict
from orkit.plan._sweep import SweepDefinition
from orkit.results import Manifest, PromptFileRecord

__all__ = [
    "adopt_drift",
    "content_drift",
    "prompt_files",
    "resolved_spec",
    "stored_sweep",
]


def resolved_spec(sweep: SweepDefinition) -> dict[str, Any]:
    """The sweep as spec data with every path absolute (against the working directory the
    run starts in, which is what a relative path meant when it was given)."""
    spec = sweep.to_spec()
    if isinstance(sweep.dataset, str | Path):
        spec["dataset"] = os.path.abspath(sweep.dataset)
    spec["out"] = os.path.abspath(sweep.out)
    if "scorers" in spec:
        spec["scorers"] = [resolve_scorer_paths(s, Path.cwd()) for s in spec["scorers"]]
    return spec


def prompt_files(sweep: SweepDefinition) -> dict[str, PromptFileRecord]:
    """{prompt id: {path, sha256}} of the prompt variants read from a file (`file = ...` in
    the spec, or `--prompt-file`) whose text the sweep still uses (a `--prompt` override
    replaces it)."""
    files = _spec_prompt_files(sweep)
    if sweep.prompt_file:
        path = os.path.abspath(sweep.prompt_file)
        if _uses_text_of(sweep, sweep.prompt_id, path):
            files[sweep.prompt_id] = PromptFileRecord(path=path, sha256=_sha256(path) or "")
    return files


def _uses_text_of(sweep: SweepDefinition, pid: str, path: str) -> bool:
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return bool(_sha256(path)) and sweep.prompts.get(pid, {}).get("template") == text


def _spec_prompt_files(sweep: SweepDefinition) -> dict[str, PromptFileRecord]:
    if not sweep.spec_path or not os.path.isfile(sweep.spec_path):
        return {}

    try:
        raw = tomllib.loads(Path(sweep.spec_path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}  # the spec was loaded a moment ago; nothing to add if it changed since
    base = Path(sweep.spec_path).parent
    tables = {"default": raw["prompt"]} if isinstance(raw.get("prompt"), dict) else {}
    if tables:
        pid = tables["default"].get("id", "default")
        tables = {str(pid): tables["default"]}
    elif isinstance(raw.get("prompts"), dict):
        tables = {str(k): v for k, v in raw["prompts"].items() if isinstance(v, dict)}
    files = {}
    for pid, table in tables.items():
        file = table.get("file")
        if not isinstance(file, str):
            continue
        path = os.path.abspath(base / Path(file).expanduser())
        if _uses_text_of(sweep, pid, path):
            files[pid] = PromptFileRecord(path=path, sha256=_sha256(path) or "")
    return files


def stored_sweep(manifest: Manifest, where: str) -> SweepDefinition:
    """The sweep the run was started with, from its manifest alone."""
    spec = dict(manifest.spec)
    if not manifest.spec_resolved:
        spec = _old_spec(spec, manifest)
    return spec_from_dict(spec, where=where, into=SweepDefinition)


def _old_spec(spec: dict[str, Any], manifest: Manifest) -> dict[str, Any]:
    """An old manifest's spec: its dataset path as given (relative to where the run began,
    which the manifest does not say); the path the run read, if that one is absolute."""
    read = manifest.dataset_path
    dataset = spec.get("dataset")
    relative = isinstance(dataset, str) and not os.path.isabs(dataset)
    if relative and isinstance(read, str) and os.path.isabs(read):
        spec["dataset"] = read
    return spec


def content_drift(sweep: SweepDefinition, manifest: Manifest) -> tuple[SweepDefinition, list[str]]:
    """What changed in the files the run read, one phrase each naming the file, and the
    sweep with any changed prompt file's new text (used only if drift is allowed)."""
    changes = []
    fingerprint = manifest.dataset_fingerprint
    if isinstance(sweep.dataset, str) and fingerprint:
        try:
            now = open_dataset(sweep.dataset, id_field=sweep.id_field).fingerprint()
        except (OSError, DatasetError):
            now = None
        if now != fingerprint:
            what = "is gone" if now is None else "content changed"
            changes.append(f"dataset {what} ({sweep.dataset})")
    prompts = {pid: dict(v) for pid, v in sweep.prompts.items()}
    for pid, file in (manifest.prompt_files or {}).items():
        now = _sha256(file["path"])
        if now == file["sha256"]:
            continue
        if now is None:
            changes.append(f"prompt file of {pid!r} is gone ({file['path']})")
            continue  # nothing to adopt: the run goes on with the text it stored
        changes.append(f"prompt file of {pid!r} content changed ({file['path']})")
        if pid in prompts:
            prompts[pid]["template"] = Path(file["path"]).read_text("utf-8")
    if prompts != sweep.prompts:
        sweep = replace(sweep, prompts=prompts)
    return sweep, changes


def _sha256(path: str) -> str | None:
    """sha256 hex of the file, or None if it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def adopt_drift(manifest: Manifest, sweep: SweepDefinition, changes: list[str]) -> None:
    """Record in the manifest that the run goes on with its input files as they are now:
    the changes, and the new fingerprints (so the next resume compares against these)."""
    manifest.drift = [*(manifest.drift or []), *changes]
    manifest.spec = resolved_spec(sweep)
    manifest.spec_resolved = True
    dataset = manifest.dataset
    if dataset is not None and isinstance(sweep.dataset, str):
        try:
            dataset["fingerprint"] = open_dataset(
                sweep.dataset, id_field=sweep.id_field
            ).fingerprint()
        except (OSError, DatasetError):
            pass  # gone: the resume fails on it with a clear error, naming the file
    for file in (manifest.prompt_files or {}).values():
        file["sha256"] = _sha256(file["path"]) or file["sha256"]
