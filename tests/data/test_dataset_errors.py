"""Bad datasets: each ends in one exact line naming the file and the line (or row), raised
when the bad row is reached while streaming, and by `validate()` before anything is sent."""

from __future__ import annotations

import pandas as pd
import pytest

from orkit.data import open_dataset
from orkit.errors import ConfigError, DatasetError


def first_error(source, **kwargs) -> DatasetError:
    with pytest.raises(DatasetError) as info:
        open_dataset(source, **kwargs).validate()
    err = info.value
    assert isinstance(err, ConfigError)
    assert "\n" not in str(err)
    return err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "x.jsonl",
            '{"a": 1}\n{"a": 2}\n{"a": 3 "b": 4}\n',
            "datasets/x.jsonl, line 3: invalid JSON: Expecting ',' delimiter (col 9)",
            id="jsonl-malformed",
        ),
        pytest.param(
            "x.jsonl",
            '{"a": 1}\n{"a": 2',
            "datasets/x.jsonl, line 2: invalid JSON: Expecting ',' delimiter (col 8)",
            id="jsonl-truncated-last-line",
        ),
        pytest.param(
            "x.jsonl",
            '{"a": 1}\n[1, 2]\n',
            "datasets/x.jsonl, line 2: expected a JSON object, got an array",
            id="jsonl-not-an-object",
        ),
        pytest.param(
            "x.jsonl",
            '{"a": 1}\n"text"\n',
            "datasets/x.jsonl, line 2: expected a JSON object, got a string",
            id="jsonl-string",
        ),
        pytest.param(
            "x.jsonl",
            b'{"a": 1}\n{"a": "\xff"}\n',
            "datasets/x.jsonl, line 2: not UTF-8 text (invalid start byte at byte 8)",
            id="jsonl-not-utf8",
        ),
        pytest.param(
            "x.jsonl",
            "\n  \n\n",
            "datasets/x.jsonl: no rows (the dataset is empty)",
            id="jsonl-blank",
        ),
        pytest.param(
            "x.json",
            '[\n  {"a": 1},\n  {"a": 2}\n  {"a": 3}\n]',
            "datasets/x.json, line 4: invalid JSON: Expecting ',' delimiter (col 3)",
            id="json-missing-comma",
        ),
        pytest.param(
            "x.json",
            '[{"a": 1}, 2]',
            "datasets/x.json, row 2: expected a JSON object, got a number",
            id="json-element-not-an-object",
        ),
        pytest.param(
            "x.json",
            '"just a string"',
            "datasets/x.json, line 1: expected a JSON array of objects, got a string (col 1)",
            id="json-not-an-array",
        ),
        pytest.param(
            "x.json",
            '[{"a": 1},\n {"a": 2}',
            "datasets/x.json, line 2: invalid JSON: unexpected end of file "
            "(the array is not closed) (col 10)",
            id="json-unclosed",
        ),
        pytest.param(
            "x.json",
            '[{"a": 1}] [',
            "datasets/x.json, line 1: invalid JSON: Extra data after the array (col 12)",
            id="json-extra-data",
        ),
        pytest.param(
            "x.json", "[]", "datasets/x.json: no rows (the dataset is empty)", id="json-empty"
        ),
        pytest.param(
            "x.csv",
            'id,q,a\n1,x,y\n2,"p, q"\n',
            "datasets/x.csv, line 3: expected 3 fields as in the header, got 2"
            " (a ragged row: check delimiters and quoting)",
            id="csv-ragged-short",
        ),
        pytest.param(
            "x.csv",
            "id,q\n1,x\n2,y,z\n",
            "datasets/x.csv, line 3: expected 2 fields as in the header, got 3"
            " (a ragged row: check delimiters and quoting)",
            id="csv-ragged-long",
        ),
        pytest.param(
            "x.csv",
            "id,q,id\n1,2,3\n",
            "datasets/x.csv, line 1: duplicate column name 'id'",
            id="csv-dup-column",
        ),
        pytest.param(
            "x.csv",
            ",q\n1,2\n",
            "datasets/x.csv, line 1: column 1 of the header has no name",
            id="csv-unnamed",
        ),
        pytest.param(
            "x.csv",
            "id,q\n",
            "datasets/x.csv: no rows (the dataset is empty)",
            id="csv-header-only",
        ),
        pytest.param(
            "x.parquet",
            "not parquet at all",
            "datasets/x.parquet: not a readable Parquet file "
            "(Parquet magic bytes not found in footer. "
            "Either the file is corrupted or this is not a parquet file.)",
            id="parquet-garbage",
        ),
    ],
)
def test_bad_files(write, name: str, content: str | bytes, message: str) -> None:
    err = first_error(write(name, content))
    assert str(err) == message
    assert err.path == f"datasets/{name}"


def test_json_array_not_utf8(write) -> None:
    err = first_error(write("x.json", b'[{"a": "\xff"}]'))
    assert str(err) == (
        "datasets/x.json, line 1: not UTF-8 text (invalid start byte), at or after this line"
    )


def test_corrupt_parquet_data_names_the_first_row_of_the_bad_batch(write_parquet, workdir) -> None:
    path = write_parquet(
        "x.parquet",
        {"id": list(range(5000)), "s": [f"text {i} " * 5 for i in range(5000)]},
        row_group_size=1000,
    )
    data = bytearray((workdir / path).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 400] = b"A" * 400
    (workdir / path).write_bytes(bytes(data))
    err = first_error(path, batch_size=1000)
    assert err.line in {1, 1001, 2001, 3001, 4001}  # the first row of the batch that failed
    assert str(err).startswith(f"datasets/x.parquet, row {err.line}: unreadable Parquet data (")


def test_error_attributes_carry_the_facts(write) -> None:
    err = first_error(write("x.jsonl", '{"a": 1}\n{"a": 1 2}\n'))
    assert (err.path, err.line, err.field) == ("datasets/x.jsonl", 2, None)
    err = first_error(write("x.json", '[{"a": 1}, 2]'))
    assert (err.path, err.line, err.field) == ("datasets/x.json", 2, None)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nope.jsonl", "datasets/nope.jsonl: no such file"),
        (
            "x.txt",
            "datasets/x.txt: unknown dataset format (extension '.txt'); "
            "use one of .jsonl, .ndjson, .json, .csv, .tsv, .parquet, .pq",
        ),
        (
            "noext",
            "datasets/noext: unknown dataset format (no extension); "
            "use one of .jsonl, .ndjson, .json, .csv, .tsv, .parquet, .pq",
        ),
    ],
)
def test_unopenable_paths_fail_at_open(workdir, name: str, message: str) -> None:
    with pytest.raises(DatasetError) as info:
        open_dataset(f"datasets/{name}")
    assert str(info.value) == message


def test_empty_file_fails_at_open(write) -> None:
    path = write("x.jsonl", "")
    with pytest.raises(DatasetError) as info:
        open_dataset(path)
    assert str(info.value) == "datasets/x.jsonl: empty file (no rows)"


def test_a_directory_is_not_a_dataset(workdir) -> None:
    (workdir / "datasets" / "dir.jsonl").mkdir()
    with pytest.raises(DatasetError) as info:
        open_dataset("datasets/dir.jsonl")
    assert str(info.value) == "datasets/dir.jsonl: is a directory, not a file"


def test_missing_id_field_names_file_line_and_field(write_jsonl) -> None:
    path = write_jsonl("x.jsonl", [{"qid": "a"}, {"q": "no id here"}])
    err = first_error(path, id_field="qid")
    assert str(err) == "datasets/x.jsonl, line 2, field 'qid': missing id"
    assert (err.line, err.field) == (2, "qid")


def test_implicit_id_column_missing_in_a_later_row(write_jsonl) -> None:
    err = first_error(write_jsonl("x.jsonl", [{"id": "a"}, {"id": "b"}, {"q": 3}]))
    assert str(err) == "datasets/x.jsonl, line 3, field 'id': missing id"


def test_duplicate_ids_name_both_lines(write_jsonl) -> None:
    err = first_error(write_jsonl("x.jsonl", [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "b"}]))
    assert str(err) == "datasets/x.jsonl, line 4, field 'id': duplicate id 'b' (first on line 2)"


def test_duplicate_ids_in_csv_count_file_lines(write) -> None:
    err = first_error(write("x.csv", "id,q\na,1\nb,2\na,3\n"))
    assert str(err) == "datasets/x.csv, line 4, field 'id': duplicate id 'a' (first on line 2)"


def test_duplicate_ids_in_parquet_say_row(write_parquet) -> None:
    err = first_error(write_parquet("x.parquet", {"id": [1, 2, 1]}))
    assert str(err) == "datasets/x.parquet, row 3, field 'id': duplicate id '1' (first on row 1)"
    assert (err.path, err.line, err.field) == ("datasets/x.parquet", 3, "id")


def test_duplicate_ids_across_batches(write_jsonl) -> None:
    rows = [{"id": str(i)} for i in range(10)] + [{"id": "3"}]
    with pytest.raises(
        DatasetError, match=r"line 11, field 'id': duplicate id '3' \(first on line 4\)"
    ):
        open_dataset(write_jsonl("x.jsonl", rows), batch_size=4).validate()


@pytest.mark.parametrize(
    ("value", "kind"),
    [(None, "null"), ({"x": 1}, "dict"), (1.5, "float"), (True, "bool"), ("", None)],
)
def test_ids_must_be_non_empty_strings_or_integers(write_jsonl, value, kind) -> None:
    err = first_error(write_jsonl("x.jsonl", [{"id": "a"}, {"id": value}]))
    expected = "empty id" if kind is None else f"an id must be a string or an integer, got {kind}"
    assert str(err) == f"datasets/x.jsonl, line 2, field 'id': {expected}"


def test_in_memory_errors_say_row_and_what_the_source_is() -> None:
    err = first_error([{"q": 1}, 5])
    assert str(err) == "<records>, row 2: expected a mapping (dict), got int"
    assert err.path is None and err.line == 2
    err = first_error(pd.DataFrame({"id": ["a", "b", "a"]}))
    assert str(err) == "<DataFrame>, row 3, field 'id': duplicate id 'a' (first on row 1)"
    err = first_error([])
    assert str(err) == "<records>: no rows (the dataset is empty)"


def test_errors_are_raised_when_the_bad_row_is_reached(write) -> None:
    good = "".join(f'{{"id": "{i}"}}\n' for i in range(6))
    ds = open_dataset(write("x.jsonl", good + "{oops\n"), batch_size=2)
    batches = ds.iter_batches()
    assert [i.item_id for i in next(batches)] == ["0", "1"]  # the file is read as needed
    assert [i.item_id for i in next(batches)] == ["2", "3"]
    assert [i.item_id for i in next(batches)] == ["4", "5"]
    with pytest.raises(DatasetError, match=r"^datasets/x.jsonl, line 7: invalid JSON"):
        next(batches)


def test_columns_of_a_malformed_first_line_raise_the_same_error(write) -> None:
    ds = open_dataset(write("x.jsonl", "{oops\n"))
    with pytest.raises(DatasetError, match=r"^datasets/x.jsonl, line 1: invalid JSON"):
        ds.columns()
