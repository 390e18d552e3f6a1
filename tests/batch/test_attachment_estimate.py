"""The estimate counts image and PDF parts as prompt tokens (the stated priors, at the
catalog's image price), says so in a note, and learns them back from billed counts through
the calibration's prompt ratio, as it learns the text's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, cast

import pytest

from orkit import Sweep
from orkit.cost import IMAGE_TOKENS, PDF_PAGE_TOKENS, count_media, image_weight, media_tokens
from orkit.cost._learn import Lessons
from orkit.data import PromptTemplate
from orkit.results import Manifest, ResultRow, RunDir

MEDIA = Path(__file__).resolve().parents[1] / "fixtures" / "media"
MODEL = "openai/gpt-4o-mini"


def _sweep(tmp_path: Path, attachments: dict[str, Any] | None) -> Sweep:
    shutil.copytree(MEDIA, tmp_path / "media", dirs_exist_ok=True)
    rows = [
        {
            "id": str(i),
            "q": "What is shown?",
            "photo": "media/red-square.png",
            "doc": "media/invoice.pdf",
        }
        for i in range(4)
    ]
    dataset = tmp_path / "items.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return Sweep(
        dataset=str(dataset),
        models=[MODEL],
        prompt=PromptTemplate("{{ q }}", attachments=attachments),
        endpoint="openrouter",
        params={"max_tokens": 16},
        out=str(tmp_path / "runs"),
    )


def test_images_and_pages_add_their_priors_to_the_prompt_tokens(tmp_path: Path) -> None:
    plain = _sweep(tmp_path, None).estimate(offline=True)
    attached = _sweep(tmp_path, {"images": ["photo"], "pdfs": ["doc"]}).estimate(offline=True)
    extra = attached.lines[0].prompt_tokens - plain.lines[0].prompt_tokens
    # 4 rows, each one image and a one-page PDF; the part's few words of text aside
    assert extra == pytest.approx(4 * (IMAGE_TOKENS + PDF_PAGE_TOKENS), rel=0.01)
    assert attached.cost_expected_usd > plain.cost_expected_usd
    assert any(n.startswith("attachments: 4 image(s) and 4 PDF page(s)") for n in attached.notes)
    assert not any(n.startswith("attachments:") for n in plain.notes)


def test_media_are_counted_from_the_parts() -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "s"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "?"},
                {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                {"type": "file", "file": {}, "attachment": {"pages": 3}},
                {"type": "file", "file": {}},  # pages unknown: the prior
            ],
        },
    ]
    assert count_media(messages) == (1, 3 + 10)
    assert media_tokens(1, 13) == IMAGE_TOKENS + 13 * PDF_PAGE_TOKENS


def test_the_image_price_weighs_image_tokens() -> None:
    assert image_weight({"image": "0.000002"}, 0.000001) == 2.0
    assert image_weight({}, 0.000001) == 1.0  # no image price: priced as prompt tokens
    assert image_weight({"image": "0.1"}, 0.0) == 1.0  # a free prompt price weighs nothing


def test_calibration_learns_the_media_priors_with_the_text(tmp_path: Path) -> None:
    part = {"type": "image_url", "image_url": {"url": "sha256:ab"}, "attachment": {"sha256": "ab"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "hello there"}, part]}]
    text_only = [{"role": "user", "content": "hello there"}]
    estimated = {}
    for name, msgs in (("media", messages), ("text", text_only)):
        lessons = Lessons()
        lessons.add(
            cast(
                ResultRow,
                {
                    "model": MODEL,
                    "status": "ok",
                    "is_fallback": False,
                    "prompt_id": "p",
                    "params_json": "{}",
                    "completion_tokens": 5,
                    "prompt_tokens": 600,
                    "finish_reason": "stop",
                    "cost_source": "reported",
                    "cost_usd": 1e-5,
                    "messages_json": json.dumps(msgs),
                },
            )
        )
        run = RunDir.create(tmp_path / name, "r1")
        (obs,) = lessons.observations(Manifest(run_id="r1", name="x"), run)
        estimated[name] = obs.prompt_estimated
    # the billed 600 tokens are set against the text's estimate plus the image's prior:
    # a pilot's ratio corrects the prior
    assert estimated["media"] - estimated["text"] == pytest.approx(IMAGE_TOKENS, abs=2)
