"""Datasets and prompt templates (layer 2).

`open_dataset` reads JSONL, JSON, CSV/TSV, Parquet and in-memory tables as a stream of `Item`s,
with row-numbered one-line errors; `PromptTemplate` renders Jinja2 templates into chat messages.

Examples:
    >>> from orkit.data import PromptTemplate, open_dataset
    >>> ds = open_dataset([{"id": "q1", "question": "2+2?"}])
    >>> tmpl = PromptTemplate("Answer with the number only.\\n{{ question }}")
    >>> tmpl.check_columns(ds.columns())
    >>> [tmpl.render(item) for item in ds]
    [[{'role': 'user', 'content': 'Answer with the number only.\\n2+2?'}]]

Public: the names in `__all__`, imported from `orkit.data`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.data._attachments import (
    PDF_ENGINES,
    AttachedChatRequest,
    AttachmentResolver,
    Attachments,
    attach_parts,
)
from orkit.data._chat import ROLES, with_path
from orkit.data._dataset import Dataset, Item, open_dataset
from orkit.data._fastrender import fast_renderer
from orkit.data._files import FORMATS as DATASET_FORMATS
from orkit.data._media import FileFactsCache, sniff
from orkit.data._template import PromptTemplate

__all__ = [
    "DATASET_FORMATS",
    "PDF_ENGINES",
    "ROLES",
    "AttachedChatRequest",
    "AttachmentResolver",
    "Attachments",
    "Dataset",
    "FileFactsCache",
    "Item",
    "PromptTemplate",
    "attach_parts",
    "fast_renderer",
    "open_dataset",
    "sniff",
    "with_path",
]

_exports.publish(globals())
