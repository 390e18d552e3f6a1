"""Fixtures for the dataset and template tests: a scratch `datasets/` folder (the tests run
from its parent, so paths and error messages read `datasets/x.jsonl`) and file writers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "datasets").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(workdir: Path) -> Callable[[str, str | bytes], str]:
    """`write("x.jsonl", text)` → `"datasets/x.jsonl"` (relative, as a user would type it)."""

    def _write(name: str, content: str | bytes) -> str:
        path = workdir / "datasets" / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return f"datasets/{name}"

    return _write


@pytest.fixture
def write_jsonl(write: Callable[[str, str | bytes], str]) -> Callable[[str, list[Any]], str]:
    def _write(name: str, rows: list[Any]) -> str:
        return write(name, "".join(json.dumps(r) + "\n" for r in rows))

    return _write


@pytest.fixture
def write_parquet(workdir: Path) -> Callable[..., str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def _write(
        name: str, columns: dict[str, list[Any]], *, row_group_size: int | None = None
    ) -> str:
        pq.write_table(
            pa.table(columns), workdir / "datasets" / name, row_group_size=row_group_size
        )
        return f"datasets/{name}"

    return _write


@pytest.fixture
def arithmetic() -> list[dict[str, Any]]:
    return [{"id": f"q{i}", "question": f"What is {i} + 1?", "answer": i + 1} for i in range(5)]
