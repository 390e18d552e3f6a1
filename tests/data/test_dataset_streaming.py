"""Datasets are streamed: batches come from row groups / chunks as they are needed, and memory
stays far below the size of the file."""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Generator

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orkit.data import open_dataset

ROWS = 100_000


@pytest.fixture
def big_parquet(workdir) -> tuple[str, int]:
    """100k rows of ~200 bytes in row groups of 1,000: ~20 MB once decoded."""
    table = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "question": [f"{i:06d} " + "lorem ipsum dolor sit amet " * 7 for i in range(ROWS)],
        }
    )
    size = table.nbytes
    pq.write_table(table, workdir / "datasets" / "big.parquet", row_group_size=1_000)
    return "datasets/big.parquet", size


def test_a_large_parquet_streams_in_batches_without_loading_the_table(
    big_parquet, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, decoded_bytes = big_parquet

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole Parquet file was read at once")

    monkeypatch.setattr(pq, "read_table", whole_file)
    monkeypatch.setattr(pq.ParquetFile, "read", whole_file)
    gc.collect()
    baseline = pa.total_allocated_bytes()
    peak, sizes, seen = 0, [], 0
    ds = open_dataset(path, batch_size=2_000)
    for batch in ds.iter_batches():
        peak = max(peak, pa.total_allocated_bytes() - baseline)
        sizes.append(len(batch))
        assert batch[0].index == seen and batch[0].line == seen + 1
        seen += len(batch)
    assert seen == ROWS and set(sizes) == {2_000} and len(sizes) == 50
    assert peak < decoded_bytes / 4, (peak, decoded_bytes)  # ~3 MB of ~21 MB


def test_parquet_count_and_columns_come_from_metadata(
    big_parquet, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(*args, **kwargs):
        raise AssertionError("count() or columns() read row data")

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", no_reading)
    ds = open_dataset(big_parquet[0])
    assert ds.count() == ROWS
    assert ds.columns() == ["id", "question"]


def test_the_first_jsonl_batch_does_not_read_the_whole_file(workdir) -> None:
    path = workdir / "datasets" / "big.jsonl"
    with path.open("w") as fh:
        for i in range(20_000):  # ~20 MB
            fh.write(json.dumps({"id": i, "text": "x" * 1_000}) + "\n")
    ds = open_dataset("datasets/big.jsonl", batch_size=500)
    tracemalloc.start()
    try:
        batches = ds.iter_batches()
        assert isinstance(batches, Generator)  # closed below, as a consumer that stops does
        first = next(batches)
        _, peak = tracemalloc.get_traced_memory()
        batches.close()
    finally:
        tracemalloc.stop()
    assert len(first) == 500 and first[-1].item_id == "499"
    assert peak < 4_000_000, peak  # ~0.5 MB of rows; the file is 20 MB


def test_jsonl_count_streams_lines(workdir) -> None:
    path = workdir / "datasets" / "n.jsonl"
    path.write_text("".join(f'{{"i": {i}}}\n' for i in range(5_000)) + "\n\n")
    assert open_dataset("datasets/n.jsonl").count() == 5_000


def test_a_dataset_can_be_iterated_twice(workdir) -> None:
    (workdir / "datasets" / "x.csv").write_text("id,q\n1,a\n2,b\n")
    ds = open_dataset("datasets/x.csv")
    assert [i.item_id for i in ds] == [i.item_id for i in ds] == ["1", "2"]
