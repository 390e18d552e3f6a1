"""`Manifest`: every shape of `manifest.json` orkit has written reads back typed, an
unchanged manifest writes back byte for byte, a newer orkit's keys survive, and a manifest
this orkit cannot read fails in one line naming the file."""

from __future__ import annotations

import json
import shutil
from dataclasses import fields
from pathlib import Path

import pytest

from orkit.errors import RunError
from orkit.results import MANIFEST_VERSION, ExecutionRecord, Manifest, RunDir
from orkit.results._manifest import _JSON_TYPES, _KNOWN

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "manifests"
SHAPES = ["first_release", "journal", "cost", "resolved", "executions_judges"]


def _fixture(name: str, tmp_path: Path) -> Path:
    """A copy of a fixture manifest, as `<run_id>/manifest.json`."""
    source = (
        FIXTURES / "run_v1" / "manifest.json" if name == "run_v1" else FIXTURES / f"{name}.json"
    )
    run_id: str = json.loads(source.read_text())["run_id"]
    run_dir = tmp_path / name / run_id
    run_dir.mkdir(parents=True)
    shutil.copy(source, run_dir / "manifest.json")
    return run_dir / "manifest.json"


@pytest.mark.parametrize("shape", [*SHAPES, "run_v1"])
def test_every_shape_orkit_wrote_reads_back_typed(shape: str, tmp_path: Path) -> None:
    path = _fixture(shape, tmp_path)
    raw = json.loads(path.read_text())
    m = Manifest.read(path)
    assert m.manifest_version == 1 and m.run_id == raw["run_id"] == path.parent.name
    assert m.status == raw["status"] and m.spec == raw["spec"]
    assert m.totals_all == (raw.get("totals") or {}).get("all", {})
    assert m.dataset_fingerprint == raw["dataset"]["fingerprint"]
    assert m.prompt_fingerprints  # every shape has them (the first release: migrated)
    assert m.extra == {}  # nothing orkit wrote is unknown to it


def test_the_first_release_s_one_prompt_fingerprint_is_kept_under_its_prompt_id(
    tmp_path: Path,
) -> None:
    path = _fixture("first_release", tmp_path)
    raw = json.loads(path.read_text())
    m = Manifest.read(path)
    assert m.prompt_fingerprints == {"qa": raw["prompt_fingerprint"]}
    assert m.spec_resolved is None and m.executions is None and m.estimate is None
    m.write(path)
    rewritten = json.loads(path.read_text())
    assert "prompt_fingerprint" not in rewritten
    # in the old key's place: the order of the file is kept
    assert list(rewritten) == [
        "prompt_fingerprints" if k == "prompt_fingerprint" else k for k in raw
    ]


def test_older_shapes_lack_later_keys_and_read_them_as_none(tmp_path: Path) -> None:
    journal = Manifest.read(_fixture("journal", tmp_path))
    assert journal.status == "stopped" and journal.error and journal.resume_with
    assert journal.drift == ["dataset content changed (datasets/capitals.jsonl)"]
    assert journal.estimate is None and journal.cost is None and journal.prompt_files is None
    cost = Manifest.read(_fixture("cost", tmp_path))
    assert cost.costs_filled == {"generation": 1} and cost.warnings == []
    resolved = Manifest.read(_fixture("resolved", tmp_path))
    assert resolved.spec_resolved is True and resolved.executions is None
    assert resolved.prompt_files == {"default": {"path": "/data/prompt.txt", "sha256": "77ab" * 16}}
    judged = Manifest.read(_fixture("executions_judges", tmp_path))
    assert judged.last_execution["status"] == "completed"
    assert judged.judges is not None and judged.judges["cost_usd"] == 0.0004
    assert judged.rescores is not None and judged.rescores[-1]["judge_requests"] == 4


@pytest.mark.parametrize("shape", [s for s in [*SHAPES, "run_v1"] if s != "first_release"])
def test_a_manifest_read_and_written_unchanged_is_the_same_file(shape: str, tmp_path: Path) -> None:
    path = _fixture(shape, tmp_path)
    before = path.read_bytes()
    Manifest.read(path).write(path)
    assert path.read_bytes() == before
    RunDir(path.parent).write_manifest(RunDir(path.parent).read_manifest())
    assert path.read_bytes() == before


def test_a_finished_run_loses_its_resume_hint_and_a_cancelled_one_keeps_its_null_error(
    tmp_path: Path,
) -> None:
    path = _fixture("journal", tmp_path)
    m = Manifest.read(path)
    m.status, m.error, m.resume_with = "completed", None, None
    m.write(path)
    raw = json.loads(path.read_text())
    assert "resume_with" not in raw  # the key goes with the value, as before
    assert raw["error"] is None  # read as a key: stays one
    assert raw["finished_at"] == "2026-11-28T10:00:02+00:00"


def test_a_new_manifest_writes_nulls_where_orkit_always_did(tmp_path: Path) -> None:
    path = tmp_path / "r" / "manifest.json"
    path.parent.mkdir()
    Manifest(run_id="r", status="running", spec={"models": ["a/b"]}).write(path)
    raw = json.loads(path.read_text())
    assert raw == {
        "manifest_version": MANIFEST_VERSION,
        "run_id": "r",
        "name": None,
        "status": "running",
        "finished_at": None,
        "spec": {"models": ["a/b"]},
        "spec_path": None,
        "catalog": None,
        "estimate": None,
    }
    assert not list(path.parent.glob(".*.tmp"))  # the temp file was renamed into place


def test_keys_of_a_newer_orkit_are_kept_where_they_were(tmp_path: Path) -> None:
    path = _fixture("run_v1", tmp_path)
    raw = json.loads(path.read_text())
    keys = list(raw)
    at = keys.index("tasks") + 1
    newer = {
        **{k: raw[k] for k in keys[:at]},
        "retries_by_hour": [1, 2],
        **{k: raw[k] for k in keys[at:]},
    }
    newer["zz_last"] = {"x": 1}
    path.write_text(json.dumps(newer, indent=2) + "\n")
    m = Manifest.read(path)
    assert m.extra == {"retries_by_hour": [1, 2], "zz_last": {"x": 1}}
    m.status = "completed"
    m.executions = [*(m.executions or []), ExecutionRecord(kind="resume")]
    m.write(path)
    again = json.loads(path.read_text())
    assert list(again) == list(newer)  # same keys, same places
    assert again["retries_by_hour"] == [1, 2] and again["zz_last"] == {"x": 1}
    assert again["status"] == "completed" and again["executions"][-1] == {"kind": "resume"}


def test_a_manifest_of_a_newer_version_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = _fixture("run_v1", tmp_path)
    raw = json.loads(path.read_text())
    path.write_text(json.dumps({**raw, "manifest_version": MANIFEST_VERSION + 1}))
    with pytest.raises(RunError, match="newer orkit") as caught:
        Manifest.read(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tasks": "six"}, "field 'tasks' should be an integer, not str"),
        ({"spec": ["a"]}, "field 'spec' should be an object, not list"),
        ({"wall_s": True}, "field 'wall_s' should be a number, not bool"),
        ({"manifest_version": "1"}, "manifest_version should be an integer"),
    ],
)
def test_a_field_of_the_wrong_type_fails_in_one_line_naming_file_and_field(
    change: dict[str, object], message: str, tmp_path: Path
) -> None:
    path = _fixture("cost", tmp_path)
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    with pytest.raises(RunError, match=message) as caught:
        Manifest.read(path)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("text", ["[1, 2]", "{not json", ""])
def test_what_is_not_a_manifest_fails_naming_the_file(text: str, tmp_path: Path) -> None:
    path = tmp_path / "r" / "manifest.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(RunError) as caught:
        Manifest.read(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_manifest_without_run_id_takes_its_directory_s_name(tmp_path: Path) -> None:
    path = tmp_path / "2026-01-01T00-00-00-abcd" / "manifest.json"
    path.parent.mkdir()
    path.write_text('{"status": "running"}')
    m = Manifest.read(path)
    assert m.run_id == "2026-01-01T00-00-00-abcd" and m.spec == {}
    assert m.totals_all == {} and m.last_execution == {} and m.top_errors is None


def test_every_field_has_its_json_type_and_the_dict_view_reads_the_file_s_form(
    tmp_path: Path,
) -> None:
    assert set(_JSON_TYPES) == set(_KNOWN)
    assert set(_KNOWN) == {f.name for f in fields(Manifest)} - {"extra", "key_order"}
    path = _fixture("run_v1", tmp_path)
    m = Manifest.read(path)
    assert m["totals"]["all"]["ok"] == 1 and m.get("drift") is None
    assert "resume_with" in m and "judges" not in m
    assert list(m) == list(json.loads(path.read_text()))


def test_orkit_reads_the_manifest_through_its_fields_not_its_dict_view() -> None:
    """`manifest["..."]` and `manifest.get(...)` are for scripts; inside orkit a key that
    does not exist must be a type error, not a silent None."""
    import ast

    root = Path(__file__).resolve().parents[2] / "orkit"

    def named_manifest(node: ast.expr) -> bool:
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        return name.endswith("manifest")

    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "_manifest.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            indexed = isinstance(node, ast.Subscript) and named_manifest(node.value)
            called = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "pop", "setdefault", "update")
                and named_manifest(node.func.value)
            )
            if indexed or called:
                found.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}")
    assert found == []
