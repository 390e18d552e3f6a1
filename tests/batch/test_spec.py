from __future__ import annotations

from pathlib import Path

import pytest

from orkit.batch import Sweep, load_spec
from orkit.errors import SpecError

SPEC = """
name = "t"
dataset = "items.jsonl"
models = ["openai/gpt-4o-mini"]
endpoint = "sim"
[prompt]
system = "Be brief."
template = "{{ question }}"
[params]
temperature = 0
[[scorers]]
kind = "exact"
expected = "answer"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(text)
    return p


def test_spec_loads_with_dataset_relative_to_the_spec_file(tmp_path: Path) -> None:
    sweep = load_spec(write(tmp_path, SPEC))
    assert sweep.dataset == str(tmp_path / "items.jsonl")
    assert sweep.models == ["openai/gpt-4o-mini"]
    assert sweep.system == "Be brief." and sweep.prompt == "{{ question }}"
    assert sweep.params == {"temperature": 0}
    assert sweep.endpoint == "sim"
    assert [s.name for s in sweep.built_scorers()] == ["exact"]


def test_flags_override_spec_values(tmp_path: Path) -> None:
    sweep = load_spec(
        write(tmp_path, SPEC), {"models": ["a/b", "c/d"], "concurrency": 3, "name": None}
    )
    assert sweep.models == ["a/b", "c/d"] and sweep.concurrency == 3 and sweep.name == "t"


def test_prompt_file_is_read_relative_to_the_spec(tmp_path: Path) -> None:
    (tmp_path / "p.j2").write_text("Q: {{ question }}")
    text = SPEC.replace('template = "{{ question }}"', 'file = "p.j2"')
    assert load_spec(write(tmp_path, text)).prompt == "Q: {{ question }}"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: "concurency = 3\n" + s, "field 'concurency': unknown key"),
        (lambda s: s.replace('models = ["openai/gpt-4o-mini"]', "models = []"), "field 'models'"),
        (lambda s: s.replace('models = ["openai/gpt-4o-mini"]', 'models = "x"'), "field 'models'"),
        (lambda s: s.replace('endpoint = "sim"', 'endpoint = "ftp://x"'), "field 'endpoint'"),
        (lambda s: s.replace('kind = "exact"', 'kind = "fuzzy"'), "scorers[0].kind"),
        (lambda s: s.replace("temperature = 0", "model = 'x'"), "field 'params'"),
        (lambda s: s.replace("[prompt]", "[prompt]\nfile = 'x.j2'"), "field 'prompt'"),
        (lambda s: "repeats = 0\n" + s, "field 'repeats'"),
        (lambda s: s.replace("name =", "name = = "), "invalid TOML"),
    ],
)
def test_invalid_specs_name_the_file_and_field(tmp_path: Path, edit, message) -> None:
    path = write(tmp_path, edit(SPEC))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nope.toml")


def test_sweep_validates_python_arguments_too() -> None:
    with pytest.raises(SpecError, match="concurrency"):
        Sweep(dataset="x.jsonl", models=["a/b"], prompt="{{ q }}", concurrency=0)
    with pytest.raises(SpecError, match="dataset"):
        Sweep(dataset=None, models=["a/b"], prompt="{{ q }}")
