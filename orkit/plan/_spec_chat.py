"""A spec's chat options in `[prompt]` / `[prompts.<id>]` (layer 4): the conversation column,
few-shot examples, prefill and `[prompt.attachments]`, read with paths resolved against the
spec file.

```toml
[prompt]
messages = "conversation"      # a column of [{role, content}, ...]
system = "Be terse."           # prepended unless the conversation has its own
template = "{{ question }}"    # optional: a final user message
few_shot = "shots.jsonl"       # {input, output} or {role, content} per line (or few_shot_column)
prefill = "Answer:"            # a trailing assistant message the model continues

[prompt.attachments]
images = ["photo"]             # URL, path (relative to the dataset file) or bytes
pdfs = ["report"]
pdf_engine = "mistral-ocr"     # cloudflare-ai | mistral-ocr | native
max_part_mb = 5
max_request_mb = 20
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orkit.errors import SpecError

__all__ = ["chat_options"]

_ATTACHMENT_KEYS = ("images", "pdfs", "pdf_engine", "max_part_mb", "max_request_mb")


def chat_options(
    table: Mapping[str, Any], base: Path, where: str | None, at: str
) -> dict[str, Any]:
    """The chat keys of one prompt table, checked for shape (values are checked when the
    sweep is made: `orkit.plan._prompt_tables.check_variant`)."""
    out: dict[str, Any] = {}
    for key in ("messages", "few_shot_column", "prefill", "render_messages"):
        if table.get(key) is not None:
            out[key] = table[key]
    shots = table.get("few_shot")
    if isinstance(shots, str):
        p = Path(shots).expanduser()
        out["few_shot"] = str(p if p.is_absolute() else base / p)
    elif isinstance(shots, list):
        out["few_shot"] = shots  # inline examples: [{input = "...", output = "..."}]
    elif shots is not None:
        raise SpecError(
            "must be a file path or a list of examples", path=where, field=f"{at}.few_shot"
        )
    attachments = table.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, Mapping):
            raise SpecError("must be a table", path=where, field=f"{at}.attachments")
        for key in attachments:
            if key not in _ATTACHMENT_KEYS:
                known = ", ".join(_ATTACHMENT_KEYS)
                raise SpecError(
                    f"unknown key (known: {known})", path=where, field=f"{at}.attachments.{key}"
                )
        for key in ("images", "pdfs"):
            value = attachments.get(key)
            if isinstance(value, str):
                attachments = {**attachments, key: [value]}
            elif value is not None and not (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ):
                raise SpecError(
                    "must be a list of column names", path=where, field=f"{at}.attachments.{key}"
                )
        out["attachments"] = dict(attachments)
    return out
