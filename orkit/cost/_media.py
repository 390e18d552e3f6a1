"""Prompt tokens of images and PDFs, estimated before anything is sent (layer 2).

No offline tokenizer sees an image, so each image part counts `IMAGE_TOKENS` and each PDF
page `PDF_PAGE_TOKENS` (pages counted from the file when it is local, `PDF_PAGES` when they
are not known: a PDF by URL). The priors sit between the big providers' documented counts:
an image of about 1,000 × 1,000 pixels is 765 tokens at OpenAI (high detail: 85 + 170 per
512-pixel tile), ~1,300 at Anthropic (width × height / 750, at most ~1,600) and 1,032 at
Gemini (258 per 768-pixel tile); a page of text read by the file-parser plugin is ~600-800
tokens, a page read natively by the model (its text and its picture) ~1,500. An image's
tokens are priced at the catalog's `pricing.image` where it lists one (per image token),
else at the prompt price. The model's billed prompt tokens correct all of it, as they
correct the text's: calibration's `prompt_ratio` compares the billed count with this
estimate, images and pages included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "IMAGE_TOKENS",
    "PDF_PAGES",
    "PDF_PAGE_TOKENS",
    "count_media",
    "image_weight",
    "media_tokens",
]

IMAGE_TOKENS = 1_000
"""Prompt tokens per image part (the prior; see the module's docstring)."""
PDF_PAGE_TOKENS = 1_000
"""Prompt tokens per PDF page."""
PDF_PAGES = 10
"""Pages of a PDF whose pages are not known (a URL, or a PDF with compressed page objects)."""


def count_media(messages: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(image parts, PDF pages) of a request's messages: every `image_url` part, and every
    `file` part's pages (`attachment.pages` as the plan recorded it, else `PDF_PAGES`)."""
    images = pages = 0
    for m in messages:
        content = m.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "image_url":
                images += 1
            elif kind == "file":
                meta = part.get("attachment")
                known = meta.get("pages") if isinstance(meta, Mapping) else None
                pages += known if isinstance(known, int) and known > 0 else PDF_PAGES
    return images, pages


def image_weight(pricing: Mapping[str, Any], prompt_price: float | None) -> float:
    """An image token's price in prompt tokens: `pricing.image` over the prompt price where
    both are listed and positive, else 1 (priced as prompt tokens)."""
    try:
        image = float(pricing.get("image"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1.0
    if not prompt_price or prompt_price <= 0 or image < 0:
        return 1.0
    return image / prompt_price


def media_tokens(images: Any, pages: Any, weight: float = 1.0) -> Any:
    """Prompt-token equivalents of `images` image parts and `pages` PDF pages (numbers or
    numpy arrays alike).

    Examples:
        >>> media_tokens(2, 3)
        5000.0
        >>> media_tokens(1, 0, weight=0.5)
        500.0
    """
    return images * (IMAGE_TOKENS * weight) + pages * float(PDF_PAGE_TOKENS)
