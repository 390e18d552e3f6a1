"""Images and PDFs end to end against the emulator (issue 17's parts together): the parts
orkit builds from dataset columns reach the emulator, which counts them by its documented
rules (`orkit.sim.media`: OpenAI's tile rule for images, 800 tokens a PDF page); a model
without image input gives an error row while the others answer; the estimate prices the
parts by orkit's priors and a pilot's calibration brings it to what the emulator bills."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from orkit import Sweep
from orkit.cost import IMAGE_TOKENS, PDF_PAGE_TOKENS
from orkit.data import PromptTemplate
from orkit.sim import SIM_API_KEY, SimConfig, serve_in_thread
from tests.batch.test_tools_on_sim import WEATHER_TOOL, get_weather

pytestmark = pytest.mark.integration

MEDIA = Path(__file__).resolve().parents[2] / "datasets" / "chat" / "media"
SEES = "openai/gpt-4o-mini"  # input modalities: text, image, file
BLIND = "deepseek/deepseek-v3.2"  # text only
# the emulator's rule (orkit.sim.media): a 32x32 image is one 512 px tile, 85 + 170; an
# image it cannot size (a URL it does not fetch) counts as 1024x1024, 85 + 4 * 170; a PDF
# page 800
SMALL_IMAGE_TOKENS = 85 + 170
URL_IMAGE_TOKENS = 85 + 4 * 170
PAGE_TOKENS = 800
ATTACH = {"images": ["image"], "pdfs": ["doc"], "pdf_engine": "cloudflare-ai"}


@pytest.fixture
def sim_url() -> Iterator[str]:
    with serve_in_thread(SimConfig(time_scale=0.0)) as url:
        yield url


def _dataset(tmp_path: Path, rows: list[dict[str, Any]]) -> str:
    shutil.copytree(MEDIA, tmp_path / "media", dirs_exist_ok=True)
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"image": None, "doc": None, **r}) + "\n" for r in rows))
    return str(path)


def _sweep(tmp_path: Path, url: str, rows: list[dict[str, Any]], **kw: Any) -> Sweep:
    base: dict[str, Any] = {
        "dataset": _dataset(tmp_path, rows),
        "models": [SEES],
        "prompt": PromptTemplate("{{ q }}", attachments=ATTACH),
        "params": {"max_tokens": 8},
        "endpoint": url,
        "out": str(tmp_path / "runs"),
        "cache": False,
    }
    return Sweep(**{**base, **kw})


def _billed(url: str) -> float:
    root = url.rsplit("/api/v1", 1)[0]
    return float(httpx.get(f"{root}/_sim/stats").json()["billed_total_usd"])


QUESTION = "Describe what is attached."
ROWS = [
    {"id": "text", "q": QUESTION},
    {"id": "png", "q": QUESTION, "image": "media/red-circle.png"},
    {"id": "jpeg", "q": QUESTION, "image": "media/blue-square.jpg"},
    {"id": "url", "q": QUESTION, "image": "https://example.com/photo.png"},
    {"id": "pdf", "q": QUESTION, "doc": "media/invoice.pdf"},
]


def test_parts_reach_the_emulator_and_are_counted_by_its_rule(tmp_path: Path, sim_url: str) -> None:
    run = _sweep(tmp_path, sim_url, ROWS, models=[SEES, BLIND]).run(
        api_key=SIM_API_KEY, progress=False
    )
    rows = pd.read_parquet(run.path / "results").set_index(["model", "item_id"])
    seen = rows.loc[SEES]
    assert (seen["status"] == "ok").all()
    extra = seen["prompt_tokens"] - seen.loc["text", "prompt_tokens"]
    # the local files went as data URLs the emulator could size (PNG and JPEG headers)
    assert extra.to_dict() == {
        "text": 0,
        "png": SMALL_IMAGE_TOKENS,
        "jpeg": SMALL_IMAGE_TOKENS,
        "url": URL_IMAGE_TOKENS,
        "pdf": PAGE_TOKENS,
    }
    # the text-only model: its image rows are the emulator's 404, the others answer
    blind = rows.loc[BLIND]
    assert blind["status"].to_dict() == {
        "text": "ok",
        "png": "error",
        "jpeg": "error",
        "url": "error",
        "pdf": "ok",  # a parser engine reads the PDF for any model
    }
    images = blind.loc[["png", "jpeg", "url"]]
    assert (images["http_status"] == 404).all()
    assert images["error_message"].str.contains("No endpoints found that support image input").all()
    pdf_tokens = rows.xs("pdf", level="item_id")["prompt_tokens"]
    assert pdf_tokens.nunique() == 1  # the same PDF, the same count for both models
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(_billed(sim_url))


def test_the_estimate_prices_images_and_pages_offline_and_against_the_emulator(
    tmp_path: Path, sim_url: str
) -> None:
    text_only = [{"id": r["id"], "q": QUESTION} for r in ROWS]
    # 3 images and a one-page PDF, each counted at orkit's prior
    priors = 3 * IMAGE_TOKENS + PDF_PAGE_TOKENS
    for endpoint in ("sim", sim_url):
        offline = endpoint == "sim"
        kw: dict[str, Any] = {"offline": True} if offline else {"api_key": SIM_API_KEY}
        attached = _sweep(tmp_path / "attached", endpoint, ROWS)
        plain = _sweep(tmp_path / "plain", endpoint, text_only)
        with_parts, without = attached.estimate(**kw), plain.estimate(**kw)
        extra = with_parts.lines[0].prompt_tokens - without.lines[0].prompt_tokens
        assert extra == pytest.approx(priors, rel=0.02), endpoint
        assert with_parts.cost_expected_usd > without.cost_expected_usd > 0, endpoint
        assert any(n.startswith("attachments: 3 image(s) and 1 PDF") for n in with_parts.notes)


@pytest.mark.parametrize("in_process", [True, False], ids=["sim", "url"])
def test_a_pilot_calibrates_the_image_prior_toward_the_emulators_bill(
    tmp_path: Path, sim_url: str, in_process: bool
) -> None:
    # images by URL: the emulator bills 765 tokens each, orkit's prior says 1,000
    rows = [
        {
            "id": f"r{i}",
            "q": f"What is {i} + 7? The number only.",
            "image": f"https://x.test/{i}.png",
        }
        for i in range(16)
    ]
    sweep = _sweep(tmp_path, "sim" if in_process else sim_url, rows)
    before = sweep.estimate(api_key=SIM_API_KEY)
    after = sweep.estimate(pilot=4, api_key=SIM_API_KEY)
    run = sweep.run(api_key=SIM_API_KEY, progress=False)
    actual = run.manifest["totals"]["all"]["cost_usd"]
    billed_prompt = int(pd.read_parquet(run.path / "results")["prompt_tokens"].sum())
    assert before.lines[0].prompt_tokens > billed_prompt  # the prior overestimates
    # calibration moves the estimate toward the bill, and close to it
    assert abs(after.cost_expected_usd - actual) < abs(before.cost_expected_usd - actual)
    assert after.cost_expected_usd == pytest.approx(actual, rel=0.15)
    assert after.lines[0].prompt_tokens == pytest.approx(billed_prompt, rel=0.05)


def test_a_tool_loop_on_a_chat_row_sends_its_image_again_each_turn(
    tmp_path: Path, sim_url: str
) -> None:
    rows = [
        {
            "id": "a",
            "q": "What is the weather in Paris?",
            "image": "media/red-circle.png",
            "conv": [
                {"role": "user", "content": "Hi {{ id }}"},
                {"role": "assistant", "content": "Hi."},
            ],
        }
    ]
    prompt = PromptTemplate(
        "{{ q }}", messages="conv", system="Be brief.", attachments={"images": ["image"]}
    )
    sweep = _sweep(
        tmp_path,
        sim_url,
        rows,
        prompt=prompt,
        params={"tools": [WEATHER_TOOL], "max_tokens": 50},
        max_turns=3,
        tools_impl={"get_weather": get_weather},
    )
    run = sweep.run(api_key=SIM_API_KEY, progress=False)
    row = pd.read_parquet(run.path / "results").iloc[0]
    assert row["status"] == "ok" and row["turns"] == 2
    assert json.loads(str(row["output_text"])) == get_weather("Paris")
    first, second = json.loads(str(row["turns_json"]))
    # the second request resends the image as data (the emulator sizes it again: 255
    # tokens), not the digest the row records (an image it could not size: 765), plus the
    # call and the tool's result, a few dozen tokens
    assert first["prompt_tokens"] > SMALL_IMAGE_TOKENS
    assert 0 < second["prompt_tokens"] - first["prompt_tokens"] < 100
    assert run.manifest["totals"]["all"]["cost_usd"] == pytest.approx(_billed(sim_url))
