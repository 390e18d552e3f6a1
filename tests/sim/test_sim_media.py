"""Image and file parts: counted as prompt tokens by a stated rule, priced from the catalog
(`pricing.image`, the OCR engine's per-page fee), refused with OpenRouter's 404 where the
model lacks the modality, and mentioned in the answer."""

from __future__ import annotations

import base64
import struct
import zlib
from decimal import Decimal
from typing import Any

import pytest

from orkit.sim.media import OCR_USD_PER_PAGE

from .sim_testkit import START, FakeTime, chat_body

TEXT_ONLY = "meta-llama/llama-3.3-70b-instruct"  # input_modalities: text
IMAGE_NO_FILE = "mistralai/mistral-small-3.2-24b-instruct"  # image, text
PRICED_IMAGES = "google/gemini-2.5-flash"  # pricing.image = 0.0000003


def png(width: int, height: int) -> str:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    data = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )
    return "data:image/png;base64," + base64.b64encode(data).decode()


def jpeg(width: int, height: int) -> str:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    data = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 4) + b"JF" + sof + b"\xff\xd9"
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def pdf(pages: int) -> str:
    objects = b"".join(
        b"%d 0 obj << /Type /Page /Parent 1 0 R >> endobj\n" % i for i in range(pages)
    )
    data = b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 9 >> endobj\n" + objects + b"%%EOF"
    return "data:application/pdf;base64," + base64.b64encode(data).decode()


def image_part(url: str, **extra: Any) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url, **extra}}


def file_part(data: str, name: str = "report.pdf") -> dict[str, Any]:
    return {"type": "file", "file": {"filename": name, "file_data": data}}


def with_parts(
    *parts: dict[str, Any], text: str = "Describe this.", **extra: Any
) -> dict[str, Any]:
    body = chat_body(temperature=0, **extra)
    body["messages"] = [{"role": "user", "content": [{"type": "text", "text": text}, *parts]}]
    return body


async def prompt_tokens(sim: Any, body: dict[str, Any]) -> int:
    response = await sim.chat(body)
    assert response.status_code == 200, response.text
    tokens: int = response.json()["usage"]["prompt_tokens"]
    return tokens


@pytest.mark.parametrize(
    ("part", "tokens"),
    [
        (image_part(png(512, 512)), 85 + 170),  # one tile
        (image_part(png(1024, 1024)), 85 + 170 * 4),  # 768x768 after scaling: 2x2 tiles
        (image_part(png(4096, 2048)), 85 + 170 * 6),  # 2048x1024, then 1536x768: 3x2
        (image_part(jpeg(640, 480)), 85 + 170 * 2),
        (image_part(png(4000, 4000), detail="low"), 85),
        (image_part("https://example.com/cat.png"), 85 + 170 * 4),  # not fetched: 1024x1024
    ],
)
async def test_image_tokens_follow_the_tile_rule(
    make_sim, part: dict[str, Any], tokens: int
) -> None:
    sim = await make_sim()
    with_image = await prompt_tokens(sim, with_parts(part))
    without = await prompt_tokens(sim, with_parts())
    assert with_image - without == tokens


async def test_the_catalogs_image_price_is_charged_per_image(make_sim) -> None:
    sim = await make_sim()
    body = with_parts(image_part(png(512, 512)), image_part(png(512, 512)), model=PRICED_IMAGES)
    answer = (await sim.chat(body)).json()
    usage = answer["usage"]
    runtime = sim.sim.book.get(PRICED_IMAGES)
    [endpoint] = [e for e in runtime.endpoints if e.provider.name == answer["provider"]]
    rate = runtime.prices
    assert rate.image > 0
    expected = (usage["prompt_tokens"] * rate.prompt + 2 * rate.image) * endpoint.multiplier
    prompt_cost = Decimal(str(usage["cost_details"]["upstream_inference_prompt_cost"]))
    assert prompt_cost == pytest.approx(expected)


async def test_a_text_only_model_refuses_images_with_the_real_404(make_sim) -> None:
    sim = await make_sim()
    response = await sim.chat(with_parts(image_part(png(64, 64)), model=TEXT_ONLY))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No endpoints found that support image input"
    fallback = await sim.chat(
        with_parts(image_part(png(64, 64)), model=TEXT_ONLY, models=["openai/gpt-4o-mini"])
    )
    assert fallback.json()["model"] == "openai/gpt-4o-mini"


async def test_pdf_pages_are_counted_and_read_natively_where_the_model_takes_files(
    make_sim,
) -> None:
    sim = await make_sim()
    three = await prompt_tokens(sim, with_parts(file_part(pdf(3))))
    without = await prompt_tokens(sim, with_parts())
    assert three - without == 3 * 800
    body = (await sim.chat(with_parts(file_part(pdf(3))))).json()
    assert "server_tool_use_details" not in body["usage"]
    assert body["usage"]["cost"] == body["usage"]["cost_details"]["upstream_inference_cost"]


async def test_a_model_without_file_input_gets_the_ocr_parser_and_its_fee(make_sim) -> None:
    sim = await make_sim()
    body = (await sim.chat(with_parts(file_part(pdf(4)), model=IMAGE_NO_FILE))).json()
    usage = body["usage"]
    fee = Decimal(str(usage["cost"])) - Decimal(
        str(usage["cost_details"]["upstream_inference_cost"])
    )
    assert fee == pytest.approx(4 * OCR_USD_PER_PAGE)
    free = with_parts(
        file_part(pdf(4)),
        model=IMAGE_NO_FILE,
        plugins=[{"id": "file-parser", "pdf": {"engine": "pdf-text"}}],
    )
    usage = (await sim.chat(free)).json()["usage"]
    assert usage["cost"] == usage["cost_details"]["upstream_inference_cost"]


async def test_native_file_reading_on_a_model_without_file_input_is_the_404(make_sim) -> None:
    sim = await make_sim()
    body = with_parts(
        file_part(pdf(1)),
        model=IMAGE_NO_FILE,
        plugins=[{"id": "file-parser", "pdf": {"engine": "native"}}],
    )
    response = await sim.chat(body)
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No endpoints found that support file input"


async def test_the_answer_mentions_what_was_attached(make_sim) -> None:
    sim = await make_sim()
    body = with_parts(image_part(png(640, 480)), file_part(pdf(2), "q3.pdf"))
    content = (await sim.chat(body)).json()["choices"][0]["message"]["content"]
    assert content.startswith("Attached: a 640x480 PNG image, q3.pdf (2 pages). ")
    solvable = with_parts(image_part(png(64, 64)), text="What is the capital of France?")
    answer = (await sim.chat(solvable)).json()["choices"][0]["message"]["content"]
    assert not answer.startswith("Attached")  # a solvable question gets its answer only


async def test_generation_counts_the_media(make_sim) -> None:
    clock = FakeTime(START)
    sim = await make_sim(time_fn=clock)
    body = (await sim.chat(with_parts(image_part(png(8, 8)), file_part(pdf(1))))).json()
    clock.advance(5)
    stats = (await sim.http.get("/generation", params={"id": body["id"]})).json()["data"]
    assert stats["num_media_prompt"] == 2
    assert stats["tokens_prompt"] == body["usage"]["prompt_tokens"]


@pytest.mark.parametrize(
    ("part", "said"),
    [
        ({"type": "image_url", "image_url": {}}, "content[1].image_url.url must be a string"),
        (image_part("data:image/png;base64,@@@"), "invalid base64"),
        (image_part("data:image/png,rawbytes"), "not base64"),
        ({"type": "file", "file": {"filename": "a.pdf"}}, "file.file_data must be a string"),
    ],
)
async def test_malformed_parts_are_400s(make_sim, part: dict[str, Any], said: str) -> None:
    sim = await make_sim()
    response = await sim.chat(with_parts(part))
    assert response.status_code == 400 and said in response.json()["error"]["message"]
