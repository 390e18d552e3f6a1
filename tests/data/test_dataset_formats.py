"""Each dataset format: values, ids, positions, columns, count, fingerprint and batching."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from orkit.data import Dataset, Item, open_dataset
from orkit.errors import ConfigError


def test_jsonl_keeps_json_types_and_file_lines(write) -> None:
    path = write(
        "x.jsonl",
        '{"id": "a", "n": 1, "ok": true, "tags": ["x"], "meta": {"k": null}}\n'
        "\n"
        "   \n"
        '{"id": "b", "n": 2.5, "ok": false, "tags": [], "meta": {}}\n',
    )
    ds = open_dataset(path)
    items = list(ds)
    assert ds.path == path and ds.format == "jsonl"
    assert [(i.index, i.line, i.item_id) for i in items] == [(0, 1, "a"), (1, 4, "b")]
    assert items[0].fields == {"id": "a", "n": 1, "ok": True, "tags": ["x"], "meta": {"k": None}}
    assert items[1].fields["n"] == 2.5
    assert ds.columns() == ["id", "n", "ok", "tags", "meta"]
    assert ds.count() == 2


def test_ndjson_extension_and_crlf_and_bom(write) -> None:
    path = write("x.ndjson", b'\xef\xbb\xbf{"q": "a"}\r\n{"q": "b"}\r\n')
    ds = open_dataset(path)
    assert [(i.line, i.item_id, i.fields) for i in ds] == [
        (1, "0", {"q": "a"}),
        (2, "1", {"q": "b"}),
    ]
    assert ds.count() == 2 and ds.columns() == ["q"]


def test_item_is_frozen(write_jsonl) -> None:
    item = next(iter(open_dataset(write_jsonl("x.jsonl", [{"q": 1}]))))
    assert isinstance(item, Item)
    with pytest.raises(AttributeError):
        item.item_id = "other"  # type: ignore[misc]


def test_ids_come_from_id_field_then_id_column_then_row_index(write_jsonl, arithmetic) -> None:
    path = write_jsonl("x.jsonl", arithmetic)
    assert [i.item_id for i in open_dataset(path)] == ["q0", "q1", "q2", "q3", "q4"]
    assert [i.item_id for i in open_dataset(path, id_field="answer")] == ["1", "2", "3", "4", "5"]
    bare = write_jsonl("bare.jsonl", [{"question": "a"}, {"question": "b"}])
    assert [i.item_id for i in open_dataset(bare)] == ["0", "1"]


def test_json_array_uses_row_numbers(write) -> None:
    path = write("x.json", '[\n  {"id": 1, "q": "a"},\n\n  {"id": 2, "q": "b", "n": [1, 2]}\n]\n')
    ds = open_dataset(path)
    items = list(ds)
    assert ds.format == "json"
    assert [(i.line, i.item_id) for i in items] == [(1, "1"), (2, "2")]
    assert items[1].fields == {"id": 2, "q": "b", "n": [1, 2]}
    assert ds.columns() == ["id", "q"] and ds.count() == 2


def test_json_array_larger_than_the_read_window(write) -> None:
    rows = [{"id": i, "text": "x" * 500 + str(i)} for i in range(5000)]  # ~2.5 MB, > 2 windows
    path = write("big.json", json.dumps(rows, indent=1))
    ds = open_dataset(path, batch_size=1000)
    got = [item for batch in ds.iter_batches() for item in batch]
    assert len(got) == 5000 == ds.count()
    assert got[-1].fields == rows[-1] and got[2345].fields == rows[2345]


def test_json_file_holding_json_lines_is_read_as_jsonl(write) -> None:
    ds = open_dataset(write("x.json", '{"q": "a"}\n{"q": "b"}\n'))
    assert ds.format == "jsonl" and [i.line for i in ds] == [1, 2]


def test_csv_values_are_strings_with_file_lines(write) -> None:
    path = write(
        "x.csv",
        'id,question,answer\na,"Hello, world",1\n\nb,"two\nlines",2\nc,"say ""hi""",\n',
    )
    ds = open_dataset(path)
    items = list(ds)
    assert ds.format == "csv"
    assert [(i.line, i.item_id) for i in items] == [(2, "a"), (4, "b"), (6, "c")]
    assert items[0].fields == {"id": "a", "question": "Hello, world", "answer": "1"}
    assert items[1].fields["question"] == "two\nlines"
    assert items[2].fields == {"id": "c", "question": 'say "hi"', "answer": ""}
    assert ds.columns() == ["id", "question", "answer"]
    assert ds.count() == 3


def test_csv_with_bom_and_crlf(write) -> None:
    ds = open_dataset(write("x.csv", b"\xef\xbb\xbfid,q\r\n1,a\r\n2,b\r\n"))
    assert ds.columns() == ["id", "q"]
    assert [(i.line, i.fields) for i in ds] == [
        (2, {"id": "1", "q": "a"}),
        (3, {"id": "2", "q": "b"}),
    ]


def test_tsv(write) -> None:
    ds = open_dataset(write("x.tsv", "id\tq\n1\ta, b\n"))
    assert ds.format == "tsv" and [i.fields for i in ds] == [{"id": "1", "q": "a, b"}]


def test_parquet_keeps_arrow_types_and_row_numbers(write_parquet) -> None:
    path = write_parquet(
        "x.parquet", {"id": [10, 11], "q": ["a", None], "xs": [[1, 2], []], "f": [0.5, 1.5]}
    )
    ds = open_dataset(path)
    items = list(ds)
    assert ds.format == "parquet"
    assert [(i.line, i.item_id) for i in items] == [(1, "10"), (2, "11")]
    assert items[0].fields == {"id": 10, "q": "a", "xs": [1, 2], "f": 0.5}
    assert items[1].fields["q"] is None
    assert ds.columns() == ["id", "q", "xs", "f"] and ds.count() == 2


def test_pandas_dataframe_missing_values_become_none() -> None:
    df = pd.DataFrame({"id": [1, 2], "q": ["a", None], "x": [1.5, float("nan")]})
    ds = open_dataset(df)
    items = list(ds)
    assert ds.format == "pandas" and ds.path is None
    assert [(i.line, i.item_id) for i in items] == [(1, "1"), (2, "2")]
    assert items[0].fields == {"id": 1, "q": "a", "x": 1.5}
    assert items[1].fields == {"id": 2, "q": None, "x": None}
    assert ds.columns() == ["id", "q", "x"] and ds.count() == 2


def test_list_of_dicts_polars_and_arrow(arithmetic) -> None:
    for source, fmt in (
        (arithmetic, "records"),
        (pl.DataFrame(arithmetic), "polars"),
        (pa.Table.from_pylist(arithmetic), "arrow"),
    ):
        ds = open_dataset(source)
        assert ds.format == fmt
        assert [i.fields for i in ds] == arithmetic
        assert [i.item_id for i in ds] == ["q0", "q1", "q2", "q3", "q4"]
        assert ds.columns() == ["id", "question", "answer"] and ds.count() == 5


def test_path_objects_and_datasets_are_accepted(write_jsonl, arithmetic) -> None:
    path = write_jsonl("x.jsonl", arithmetic)
    ds = open_dataset(Path(path))
    assert ds.path == path and len(list(ds)) == 5
    assert open_dataset(ds) is ds


def test_batches_have_batch_size_items_and_the_last_the_rest(write_jsonl, arithmetic) -> None:
    ds = open_dataset(write_jsonl("x.jsonl", arithmetic), batch_size=2)
    batches = list(ds.iter_batches())
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [i.index for b in batches for i in b] == [0, 1, 2, 3, 4]
    assert [i.item_id for b in batches for i in b] == [i.item_id for i in ds]


def test_validate_returns_the_row_count(write_jsonl, arithmetic) -> None:
    assert open_dataset(write_jsonl("x.jsonl", arithmetic)).validate() == 5


def test_file_fingerprint_is_the_sha256_of_the_bytes(write) -> None:
    content = '{"q": "a"}\n{"q": "b"}\n'
    path = write("x.jsonl", content)
    ds = open_dataset(path)
    assert ds.fingerprint() == hashlib.sha256(content.encode()).hexdigest() == ds.fingerprint()
    write("x.jsonl", content + '{"q": "c"}\n')
    assert open_dataset(path).fingerprint() != hashlib.sha256(content.encode()).hexdigest()


def test_memory_fingerprint_is_stable_and_ignores_key_order(arithmetic) -> None:
    reordered = [
        {"answer": r["answer"], "question": r["question"], "id": r["id"]} for r in arithmetic
    ]
    fp = open_dataset(arithmetic).fingerprint()
    assert len(fp) == 64
    assert (
        fp
        == open_dataset(reordered).fingerprint()
        == open_dataset(pd.DataFrame(arithmetic)).fingerprint()
    )
    changed = [*arithmetic[:-1], {**arithmetic[-1], "answer": 99}]
    assert open_dataset(changed).fingerprint() != fp


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
        ({"id_field": ""}, "id_field must be a column name, got ''"),
    ],
)
def test_bad_options_are_config_errors(kwargs, message) -> None:
    with pytest.raises(ConfigError) as info:
        open_dataset([{"q": 1}], **kwargs)
    assert str(info.value) == message


def test_an_unsupported_source_type_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        open_dataset(42)
    assert str(info.value) == (
        "a dataset is a file path, a pandas/polars DataFrame, a pyarrow Table "
        "or a list of dicts; got int"
    )


def test_dataset_repr() -> None:
    assert repr(open_dataset([{"q": 1}])) == "<Dataset records <records>>"
    assert isinstance(open_dataset([{"q": 1}]), Dataset)
