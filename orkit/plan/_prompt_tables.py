"""A sweep's prompt variants as tables and as `PromptTemplate`s (layer 4): what a spec's
`[prompt]` / `[prompts.<id>]` says, what `Sweep(prompt=PromptTemplate(...))` gives, and the
check of a table's keys.

A table holds `template` and `system` (as ever), and for a chat prompt `messages` (the
conversation column), `few_shot` (a file path, or a list of examples), `few_shot_column`,
`prefill`, `render_messages` and `attachments` (`images`, `pdfs`, `pdf_engine`,
`max_part_mb`, `max_request_mb`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orkit.data import PromptTemplate
from orkit.errors import ConfigError, SpecError

__all__ = ["CHAT_KEYS", "VARIANT_KEYS", "check_variant", "template_of", "variant_of"]

CHAT_KEYS = ("messages", "few_shot", "few_shot_column", "prefill", "render_messages", "attachments")
VARIANT_KEYS = frozenset({"template", "system", *CHAT_KEYS})


def template_of(pid: str, variant: Mapping[str, Any]) -> PromptTemplate:
    """The `PromptTemplate` of one variant table."""
    return PromptTemplate(
        user=variant.get("template"),
        system=variant.get("system"),
        name=pid,
        messages=variant.get("messages"),
        few_shot=variant.get("few_shot"),
        few_shot_column=variant.get("few_shot_column"),
        prefill=variant.get("prefill"),
        render_messages=variant.get("render_messages", True),
        attachments=variant.get("attachments"),
    )


def variant_of(template: PromptTemplate) -> dict[str, Any]:
    """The table of a `PromptTemplate` (the spec form; unset options left unsaid)."""
    table: dict[str, Any] = {}
    if template.user is not None:
        table["template"] = template.user
    if template.system is not None:
        table["system"] = template.system
    for key in ("messages", "few_shot_column", "prefill"):
        if getattr(template, key) is not None:
            table[key] = getattr(template, key)
    if template.few_shot is not None:
        shots = template.few_shot
        table["few_shot"] = (
            str(shots) if isinstance(shots, str | Path) else [dict(s) for s in shots]
        )
    if not template.render_messages:
        table["render_messages"] = False
    if template.attachment_spec is not None:
        table["attachments"] = template.attachment_spec.table()
    return table


def check_variant(pid: str, variant: Mapping[str, Any], path: str | None) -> None:
    """Raise SpecError naming `prompts.<pid>.<key>` for a bad table."""
    at = f"prompts.{pid}"
    unknown = set(variant) - VARIANT_KEYS
    if unknown:
        raise SpecError("unknown key", path=path, field=f"{at}.{sorted(unknown)[0]}")
    template = variant.get("template")
    chat = any(
        variant.get(k) is not None for k in ("messages", "few_shot", "few_shot_column", "prefill")
    )
    if template is None and not chat:
        raise SpecError("a prompt template is required", path=path, field=f"{at}.template")
    if template is not None and (not isinstance(template, str) or not template.strip()):
        raise SpecError("a prompt template is required", path=path, field=f"{at}.template")
    for key in ("system", "messages", "few_shot_column", "prefill"):
        value = variant.get(key)
        if value is not None and not isinstance(value, str):
            raise SpecError(f"must be a string, got {value!r}", path=path, field=f"{at}.{key}")
    if not isinstance(variant.get("render_messages", True), bool):
        raise SpecError("must be true or false", path=path, field=f"{at}.render_messages")
    if any(variant.get(k) is not None for k in CHAT_KEYS):
        try:
            template_of(pid, variant)  # loads the few-shot file, checks attachments
        except SpecError:
            raise
        except ConfigError as exc:
            raise SpecError(str(exc), path=path, field=at) from None
