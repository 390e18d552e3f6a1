"""A chat spec's bad row (a conversation that is not one, a GIF where a PDF goes, an
oversized PDF) ends `orkit run` in one line naming the file, line and column, exit 2, and
nothing sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from orkit.cli import main

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"


@pytest.fixture
def nothing_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the run gets as far as opening a connection."""
    import orkit.plan._assemble as runner

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a client was opened: something would have been sent")

    monkeypatch.setattr(runner, "open_client", forbidden)


def _spec(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    shutil.copytree(MEDIA, tmp_path / "media")
    (tmp_path / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "spec.toml").write_text(
        'dataset = "items.jsonl"\nmodels = ["openai/gpt-4o-mini"]\nendpoint = "sim"\n'
        '[prompt]\nmessages = "chat"\n'
        '[prompt.attachments]\nimages = ["photo"]\npdfs = ["doc"]\nmax_part_mb = 0.002\n'
    )
    return tmp_path / "spec.toml"


def _row(**kw: Any) -> dict[str, Any]:
    return {"chat": [{"role": "user", "content": "Look."}], "photo": None, "doc": None, **kw}


@pytest.mark.parametrize(
    ("bad", "line"),
    [
        (_row(chat="hello"), "line 2, field 'chat': must be a list of messages"),
        (
            _row(doc="media/red-square.gif"),
            "line 2, field 'doc': file 'media/red-square.gif': not a PDF (image/gif)",
        ),
        (
            _row(doc="media/invoice.pdf"),
            "line 2, field 'doc': file 'media/invoice.pdf' is 2,981 bytes, over the 0.002 MB",
        ),
    ],
)
@pytest.mark.usefixtures("nothing_sent")
def test_a_bad_chat_row_is_one_line_exit_2_nothing_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: dict[str, Any], line: str
) -> None:
    spec = _spec(tmp_path, [_row(photo="media/red-square.png"), bad])
    code = main(["run", str(spec), "--yes"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert code == 2 and len(err) == 1 and "Traceback" not in err[0]
    assert str(tmp_path / "items.jsonl") in err[0] and line in err[0]
