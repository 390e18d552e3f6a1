"""Image and PDF columns sent as content parts: the MIME type from the magic bytes, sizes
checked before sending (errors naming the row, the column and the file), the part recorded
as a digest, and the data read and base64-encoded only into the body that is sent."""

from __future__ import annotations

import base64
import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest

from orkit.data import (
    AttachedChatRequest,
    AttachmentResolver,
    Attachments,
    Item,
    attach_parts,
    sniff,
)
from orkit.errors import ConfigError, DatasetError

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"


@pytest.fixture
def media(tmp_path: Path) -> Path:
    """A copy of the media fixtures, next to which a dataset would sit."""
    shutil.copytree(MEDIA, tmp_path / "img")
    return tmp_path


def _item(fields: dict[str, Any]) -> Item:
    return Item(index=0, line=3, item_id="r1", fields=fields)


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("red-square.png", "image/png"),
        ("red-square.jpg", "image/jpeg"),
        ("red-square.webp", "image/webp"),
        ("red-square.gif", "image/gif"),
        ("jpeg-named.png", "image/jpeg"),  # the bytes say JPEG, whatever the name says
        ("invoice.pdf", "application/pdf"),
    ],
)
def test_the_type_comes_from_the_magic_bytes(name: str, mime: str) -> None:
    assert sniff((MEDIA / name).read_bytes()[:16]) == mime


def test_an_image_path_is_recorded_as_a_digest_and_sent_as_a_data_url(media: Path) -> None:
    resolver = AttachmentResolver(Attachments(images=["photo"]), str(media))
    parts = resolver.parts(_item({"photo": "img/jpeg-named.png"}))
    data = (media / "img" / "jpeg-named.png").read_bytes()
    assert len(parts) == 1 and parts[0]["image_url"]["url"].startswith("sha256:")
    meta = parts[0]["attachment"]
    assert meta["mime"] == "image/jpeg" and meta["bytes"] == len(data)
    assert meta["file"] == "img/jpeg-named.png" and meta["column"] == "photo"
    messages = attach_parts([{"role": "user", "content": "What is it?"}], parts, _item({}), "photo")
    request = AttachedChatRequest(model="m", messages=messages, base_dir=str(media))
    sent = request.to_body(stream=False)["messages"][0]["content"]
    assert sent[0] == {"type": "text", "text": "What is it?"}
    assert sent[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(data).decode()},
    }
    # what the plan keeps is unchanged: the bytes were never stored
    assert "data:" not in str(request.messages)


def test_urls_bytes_data_urls_lists_and_nulls(media: Path) -> None:
    png = (MEDIA / "red-square.png").read_bytes()
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    resolver = AttachmentResolver(Attachments(images=["a", "b", "c", "d"]), str(media))
    row = {
        "a": "https://x.test/cat.jpg",
        "b": png,
        "c": [data_url, "img/red-square.gif"],
        "d": None,
    }
    parts = resolver.parts(_item(row))
    assert [p["image_url"]["url"][:7] for p in parts] == [
        "https:/",
        "sha256:",
        "sha256:",
        "sha256:",
    ]
    assert parts[0]["attachment"] == {"column": "a", "url": True}
    assert parts[2]["attachment"]["sha256"] == parts[1]["attachment"]["sha256"]  # same bytes
    assert parts[3]["attachment"]["index"] == 1
    messages = attach_parts([{"role": "user", "content": "?"}], parts, _item(row), "a")
    body = AttachedChatRequest(model="m", messages=messages, fields=row, base_dir=str(media))
    urls = [p["image_url"]["url"] for p in body.to_body(stream=True)["messages"][0]["content"][1:]]
    assert urls[0] == "https://x.test/cat.jpg"
    assert urls[1] == urls[2] == data_url
    assert urls[3].startswith("data:image/gif;base64,")


def test_a_pdf_is_a_file_part_with_the_file_parser_engine(media: Path) -> None:
    spec = Attachments(pdfs=["doc"], pdf_engine="mistral-ocr")
    parts = AttachmentResolver(spec, str(media)).parts(_item({"doc": "img/invoice.pdf"}))
    assert parts[0]["type"] == "file" and parts[0]["file"]["filename"] == "invoice.pdf"
    assert parts[0]["attachment"]["pages"] == 1
    assert parts[0]["attachment"]["engine"] == "mistral-ocr"
    messages = attach_parts(
        [{"role": "user", "content": "Total?"}, {"role": "assistant", "content": "EUR"}],
        parts,
        _item({}),
        "doc",
    )
    assert messages[-1] == {"role": "assistant", "content": "EUR"}  # the prefill stays last
    request = AttachedChatRequest(
        model="m",
        messages=messages,
        params={"plugins": [{"id": "web"}]},
        base_dir=str(media),
    )
    body = request.to_body(stream=False)
    file_part = body["messages"][0]["content"][1]
    assert file_part["file"]["file_data"].startswith("data:application/pdf;base64,JVBERi0")
    assert body["plugins"] == [
        {"id": "web"},
        {"id": "file-parser", "pdf": {"engine": "mistral-ocr"}},
    ]
    # a fallback model's copy stays attached
    copy = dataclasses.replace(request, model="other")
    assert copy.to_body(stream=False)["messages"] == body["messages"]


def test_without_an_engine_no_plugin_is_added(media: Path) -> None:
    parts = AttachmentResolver(Attachments(pdfs=["doc"]), str(media)).parts(
        _item({"doc": "img/invoice.pdf"})
    )
    messages = attach_parts([{"role": "user", "content": "?"}], parts, _item({}), "doc")
    body = AttachedChatRequest(model="m", messages=messages, base_dir=str(media)).to_body(
        stream=False
    )
    assert "plugins" not in body


@pytest.mark.parametrize(
    ("spec", "row", "error"),
    [
        (
            Attachments(images=["photo"]),
            {"photo": "img/invoice.pdf"},
            r"line 3, field 'photo': file 'img/invoice.pdf': not a PNG, JPEG, WebP or GIF image "
            r"\(application/pdf\)",
        ),
        (
            Attachments(pdfs=["doc"]),
            {"doc": "img/red-square.png"},
            r"field 'doc': file 'img/red-square.png': not a PDF \(image/png\)",
        ),
        (
            Attachments(images=["photo"]),
            {"photo": "img/nope.png"},
            r"field 'photo': file 'img/nope.png': no such file",
        ),
        (
            Attachments(images=["photo"], max_part_mb=0.0005),
            {"photo": "img/red-square.jpg"},
            r"field 'photo': file 'img/red-square.jpg' is 680 bytes, over the 0.0005 MB per part",
        ),
        (
            Attachments(images=["a", "b"], max_request_mb=0.001),
            {"a": "img/red-square.jpg", "b": "img/jpeg-named.png"},
            r"field 'a, b': the attachments weigh 1,360 bytes, over the 0.001 MB per request",
        ),
        (Attachments(images=["photo"]), {"photo": 3}, "must be a URL, a file path or bytes"),
        (Attachments(images=["photo"]), {"photo": b"hello"}, "the value: not a PNG, JPEG"),
    ],
)
def test_bad_attachments_are_one_line_errors_naming_row_column_and_file(
    media: Path, spec: Attachments, row: dict[str, Any], error: str
) -> None:
    with pytest.raises(
        DatasetError, match=rf"^line 3, {error}" if error.startswith("field") else error
    ):
        AttachmentResolver(spec, str(media)).parts(_item(row))


def test_attachments_need_a_user_message() -> None:
    with pytest.raises(DatasetError, match="need a user message"):
        attach_parts([{"role": "system", "content": "s"}], [{"type": "image_url"}], _item({}), "a")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"images": ["a"], "pdfs": ["a"]}, "both images and pdfs"),
        ({"pdf_engine": "ocr"}, "pdf_engine: must be one of cloudflare-ai, mistral-ocr"),
        ({"max_part_mb": 0}, "max_part_mb: must be a number > 0"),
        ({"images": [""]}, "must be a list of column names"),
    ],
)
def test_bad_attachment_settings(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        Attachments(**kwargs)


def test_a_file_changed_on_disk_is_read_again(media: Path) -> None:
    resolver = AttachmentResolver(Attachments(images=["p"]), str(media))
    first = resolver.parts(_item({"p": "img/red-square.png"}))[0]["attachment"]["sha256"]
    shutil.copy(MEDIA / "red-square.gif", media / "img" / "red-square.png")
    second = resolver.parts(_item({"p": "img/red-square.png"}))[0]["attachment"]
    assert second["sha256"] != first and second["mime"] == "image/gif"
