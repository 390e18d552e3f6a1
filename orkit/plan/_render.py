"""A prompt's messages for a dataset row as the run sends and records them (layer 4): the
template's text messages, plus the row's attachment parts (resolved against the dataset's
directory); and the request a task carries."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from orkit.data import (
    AttachedChatRequest,
    AttachmentResolver,
    Dataset,
    FileFactsCache,
    Item,
    PromptTemplate,
    attach_parts,
    fast_renderer,
)
from orkit.types import ChatRequest

__all__ = ["RowRender", "attachment_dir", "row_renderer", "sender"]

RowRender = Callable[[Item], list[dict[str, Any]]]
MakeRequest = Callable[[str, str, list[dict[str, Any]], dict[str, Any], Item], ChatRequest]


def attachment_dir(dataset: Dataset) -> str:
    """Where relative attachment paths start: the dataset file's directory (the working
    directory for in-memory data)."""
    return os.path.dirname(os.path.abspath(dataset.path)) if dataset.path else os.getcwd()


def row_renderer(
    template: PromptTemplate, dataset: Dataset, facts: FileFactsCache | None = None
) -> RowRender:
    """`template`'s messages for a row, with its attachment parts (as digests: see
    `orkit.data.AttachedChatRequest`)."""
    render: RowRender = fast_renderer(template) or template.render
    spec = template.attachment_spec
    if spec is None:
        return render
    resolver = AttachmentResolver(spec, attachment_dir(dataset), facts or FileFactsCache())
    columns = ", ".join(spec.columns)

    def with_parts(item: Item) -> list[dict[str, Any]]:
        return attach_parts(render(item), resolver.parts(item), item, columns)

    return with_parts


def sender(prompts: Sequence[tuple[str, PromptTemplate]], dataset: Dataset) -> MakeRequest:
    """The request of a task: a plain `ChatRequest`, or for a prompt with attachments one
    that reads them when it is sent."""
    attached = {pid for pid, t in prompts if t.attachment_spec is not None}
    base = attachment_dir(dataset) if attached else "."

    def make(
        prompt_id: str,
        model: str,
        messages: list[dict[str, Any]],
        params: dict[str, Any],
        item: Item,
    ) -> ChatRequest:
        if prompt_id in attached:
            return AttachedChatRequest(
                model=model, messages=messages, params=params, fields=item.fields, base_dir=base
            )
        return ChatRequest(model=model, messages=messages, params=params)

    return make
