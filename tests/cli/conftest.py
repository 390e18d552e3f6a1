"""What the CLI tests share: the argument list of an `orkit run` (the local server that
reports no cost, `no_usage_url`, is in tests/conftest.py, shared with tests/batch)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

RunArgs = Callable[..., list[str]]


@pytest.fixture
def run_args(tmp_path: Path) -> RunArgs:
    """Builds `orkit run` arguments: `items` rows `{"q": ...}` written to `items.jsonl`, the
    prompt `{{ q }}`, one model, `endpoint`, `--out runs`, then `flags`. The order is fixed,
    so `args[1:9]` is dataset, prompt, model and endpoint and `args[1:11]` adds `--out`."""

    def build(
        endpoint: str, *flags: str, items: int = 4, model: str = "openai/gpt-4o-mini"
    ) -> list[str]:
        path = tmp_path / "items.jsonl"
        path.write_text("".join(json.dumps({"q": f"{i} + 1?"}) + "\n" for i in range(items)))
        return [
            "run",
            "--dataset",
            str(path),
            "--prompt",
            "{{ q }}",
            "--model",
            model,
            "--endpoint",
            endpoint,
            "--out",
            str(tmp_path / "runs"),
            *flags,
        ]

    return build
