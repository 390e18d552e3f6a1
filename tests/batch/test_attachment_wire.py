"""What an attachment sweep puts on the wire, captured in front of the emulator: images as
base64 data URLs with the type their bytes say, PDFs as `file` parts with the file-parser
plugin, the prefill last; and what the results record (digests, never the data)."""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from orkit import Run, Sweep
from orkit.data import PromptTemplate
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
MODEL = "openai/gpt-4o-mini"
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Capture:
    """An ASGI app in front of another that keeps every chat request body it passes on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            await self.app(scope, receive, send)
            return
        messages = []
        while True:
            message = await receive()
            messages.append(message)
            if not message.get("more_body"):
                break
        self.bodies.append(json.loads(b"".join(m.get("body", b"") for m in messages)))
        pending = iter(messages)

        async def replay() -> MutableMapping[str, Any]:
            return next(pending, None) or await receive()

        await self.app(scope, replay, send)


@pytest.fixture
def captured() -> Iterator[tuple[str, Capture]]:
    config = SimConfig(time_scale=0.0, local_server=True, models={MODEL: ModelProfile()})
    capture = Capture(create_app(config))
    with serve_in_thread(app=capture) as url:
        yield url, capture


def test_the_wire_carries_data_urls_file_parts_and_the_prefill(
    tmp_path: Path, captured: tuple[str, Capture]
) -> None:
    url, capture = captured
    shutil.copytree(MEDIA, tmp_path / "media")
    rows = [
        {"id": "png", "q": "Colour?", "photo": "media/jpeg-named.png", "doc": None},
        {"id": "pdf", "q": "Total?", "photo": None, "doc": "media/invoice.pdf"},
    ]
    dataset = tmp_path / "items.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    prompt = PromptTemplate(
        "{{ q }}",
        prefill="The answer:",
        attachments={"images": ["photo"], "pdfs": ["doc"], "pdf_engine": "mistral-ocr"},
    )
    sweep = Sweep(
        dataset=str(dataset),
        models=[MODEL],
        prompt=prompt,
        endpoint=url,
        params={"max_tokens": 8},
        out=str(tmp_path / "runs"),
        cache=False,
    )
    run = sweep.run(progress=False)
    by_text = {b["messages"][0]["content"][0]["text"]: b for b in capture.bodies}
    image_body, pdf_body = by_text["Colour?"], by_text["Total?"]
    jpeg = (MEDIA / "jpeg-named.png").read_bytes()
    assert image_body["messages"][0]["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()},
    }
    assert image_body["messages"][-1] == {"role": "assistant", "content": "The answer:"}
    assert "plugins" not in image_body  # no PDF in this request
    pdf_part = pdf_body["messages"][0]["content"][1]
    assert pdf_part["type"] == "file" and pdf_part["file"]["filename"] == "invoice.pdf"
    pdf = (MEDIA / "invoice.pdf").read_bytes()
    assert (
        pdf_part["file"]["file_data"]
        == "data:application/pdf;base64," + base64.b64encode(pdf).decode()
    )
    assert pdf_body["plugins"] == [{"id": "file-parser", "pdf": {"engine": "mistral-ocr"}}]
    results = Run(run.path).to_pandas()
    assert list(results["status"]) == ["ok", "ok"]
    for stored in results["messages_json"]:
        assert "base64" not in stored and "sha256:" in stored
        assert json.loads(stored)[-1] == {"role": "assistant", "content": "The answer:"}
