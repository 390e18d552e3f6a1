"""Plan a sweep: validate the dataset against the prompt, then expand rows into tasks.

Validation streams the whole dataset once before anything is sent, so a malformed row or a
missing template variable stops the run with nothing sent. Expansion streams it again,
rendering each row once and fanning it out over models and repeats.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orkit._hashing import canonical_json, content_hash
from orkit.batch import Task, task_key
from orkit.data import Dataset, FileFactsCache, Item, PromptTemplate, with_path
from orkit.errors import DatasetError
from orkit.plan._cache_breakpoints import Breakpoints, marks_breakpoints
from orkit.plan._endpoint import Endpoint
from orkit.plan._render import RowRender, row_renderer, sender
from orkit.results import DatasetCopyWriter

__all__ = ["Plan", "validate_dataset"]


def validate_dataset(
    dataset: Dataset, templates: Sequence[PromptTemplate], facts: FileFactsCache | None = None
) -> int:
    """Stream every row once, rendering every prompt for it: a malformed row, a missing
    variable, a failing expression, a bad conversation or an attachment of the wrong type
    or size raises here, before anything is sent. Returns the row count. (Rendering costs
    microseconds per row; sending a broken run costs money.) `facts`: the plan's cache of
    attached files, filled here so the lanes read each file once more at most."""
    for template in templates:
        template.check_columns(dataset.columns(), path=dataset.path)
    renders = [row_renderer(t, dataset, facts) for t in templates]
    count = 0
    try:
        for item in dataset:
            for render in renders:
                render(item)
            count += 1
    except DatasetError as exc:  # a row's error names the line and column; add the file
        raise with_path(exc, dataset.path) from None
    return count


class DuplicateRows:
    """Which copy of its content each dataset row is, shared by a plan's lanes.

    A task's key hashes the row's content, not its position, so keys survive edits elsewhere
    in the dataset; but two identical rows (no id column) were then one task, and a
    1,200-row dataset of three distinct rows ran 3 tasks. The second and later copies of a
    row hash their copy number too, so each row is its own task (the response cache still
    answers the copies of a deterministic request for $0). The first copy keeps its plain
    key: runs started before this resume as they were. Every lane walks the dataset in order
    on one thread, so the first lane to reach a row has seen every row before it; the others
    read its answer. Memory: one entry per distinct row, plus one per later copy.
    """

    __slots__ = ("_copies", "_later", "_next")

    def __init__(self) -> None:
        self._copies: dict[str, int] = {}
        self._later: dict[int, int] = {}
        self._next = 0

    def item_hash(self, index: int, content_hash_: str) -> str:
        if index >= self._next:
            copy = self._copies.get(content_hash_, 0)
            self._copies[content_hash_] = copy + 1
            if copy:
                self._later[index] = copy
            self._next = index + 1
        else:
            copy = self._later.get(index, 0)
        return content_hash_ if copy == 0 else content_hash(content_hash_, f"copy {copy}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """How a sweep expands into tasks: per model, per row, per prompt, per params set, per
    repeat."""

    dataset: Dataset
    prompts: Sequence[tuple[str, PromptTemplate]]
    models: Sequence[str]
    param_sets: Sequence[dict[str, Any]]
    repeats: int
    sent_as: Mapping[str, str] = field(default_factory=dict)
    """The model id sent for a contestant named otherwise (a label, or `id @ host`)."""
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    """The endpoint of each contestant that has its own (the others use the run's)."""
    duplicates: DuplicateRows = field(default_factory=DuplicateRows, repr=False, compare=False)
    file_facts: FileFactsCache = field(default_factory=FileFactsCache, repr=False, compare=False)
    """Attached files' digests and sizes, read once by validation, shared by the lanes."""
    breakpoints: Breakpoints | None = None
    """Prompt-cache breakpoints, sent to the models that cache only where told."""

    def renderers(self) -> list[tuple[str, RowRender]]:
        """Each prompt's row → messages (attachments included, as the run records them)."""
        return [(pid, row_renderer(t, self.dataset, self.file_facts)) for pid, t in self.prompts]

    @property
    def tasks_per_item(self) -> int:
        return len(self.models) * len(self.prompts) * len(self.param_sets) * self.repeats

    def copy_dataset(self, writer: DatasetCopyWriter) -> None:
        """Stream the dataset into the run's `dataset.parquet`."""
        for batch in self.dataset.iter_batches():
            writer.write_batch(_copy_rows(batch))
        writer.close()

    def lane(self, model: str, copy: DatasetCopyWriter | None = None) -> Iterator[Task]:
        """The tasks of one model, lazily, in dataset order.

        Each model gets its own pass over the dataset, so a slow model (a tight rate limit, a
        free-model quota) never holds back the others, and memory stays flat. With `copy`,
        the pass also writes the run's copy of the dataset: each batch once its tasks are
        handed out (so the first requests never wait for it), in the event loop, where a
        few milliseconds per batch cost nothing while requests are in flight. Done at the
        end instead, it was 0.1 s after the last answer of a 5,000-row run; in a thread
        alongside the requests, 1.2% of the throughput (the GIL). A lane stopped early
        drops its partial copy (the next execution writes one).
        """
        try:
            yield from self._tasks(model, copy)
        except BaseException:
            if copy is not None:
                copy.abort()
            raise
        if copy is not None:
            copy.close()

    def _tasks(self, model: str, copy: DatasetCopyWriter | None) -> Iterator[Task]:
        sets = [(p, canonical_json(p)) for p in self.param_sets]
        # `{{ column }}` templates skip Jinja (the same text, ~10x cheaper per row)
        prompts = self.renderers()
        make_request = sender(self.prompts, self.dataset)
        sent_model = self.sent_as.get(model)
        marks = self.marks_for(model)
        for batch in self.dataset.iter_batches():
            for item in batch:
                item_hash = self.duplicates.item_hash(
                    item.index, content_hash(canonical_json(item.fields))
                )
                for prompt_id, render in prompts:
                    messages = render(item)
                    messages_json = canonical_json(messages)  # the key: unmarked
                    if marks is not None:
                        messages = marks.mark(prompt_id, messages)
                    for params, params_json in sets:
                        request = make_request(prompt_id, model, messages, params, item)
                        for repeat in range(self.repeats):
                            yield Task(
                                key=task_key(item_hash, messages_json, model, params_json, repeat),
                                item_index=item.index,
                                item_id=item.item_id,
                                prompt_id=prompt_id,
                                model=model,
                                params_json=params_json,
                                repeat=repeat,
                                messages_json=messages_json,
                                request=request,
                                fields=item.fields,
                                sent_model=sent_model,
                            )
            if copy is not None:
                copy.write_batch(_copy_rows(batch))

    def marks_for(self, model: str) -> Breakpoints | None:
        """The breakpoints requests to `model` carry (its tasks, and the estimate's response
        cache look-up of them); None for a model that gets the very messages rendered
        (byte-identical bodies): no `prompt_cache`, or a model that caches by itself."""
        marks = self.breakpoints
        if marks is None or not marks_breakpoints(self.sent_as.get(model) or model):
            return None
        return marks

    def lanes(self, copy: DatasetCopyWriter | None = None) -> list[Iterator[Task]]:
        """One lane per model; the first also writes `copy` (see `lane`)."""
        return [self.lane(model, copy if i == 0 else None) for i, model in enumerate(self.models)]


def _copy_rows(batch: Sequence[Item]) -> list[dict[str, Any]]:
    return [{**it.fields, "item_id": it.item_id, "item_index": it.index} for it in batch]
