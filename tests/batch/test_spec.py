from __future__ import annotations

from pathlib import Path

import pytest

from orkit import Sweep, load_spec
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
    assert sweep.prompts == {"default": {"template": "{{ question }}", "system": "Be brief."}}
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
    assert load_spec(write(tmp_path, text)).prompts["default"]["template"] == "Q: {{ question }}"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda s: "concurency = 3\n" + s,
            "field 'concurency': unknown key; did you mean 'concurrency'?",
        ),
        (lambda s: s.replace('models = ["openai/gpt-4o-mini"]', "models = []"), "field 'models'"),
        (lambda s: s.replace('models = ["openai/gpt-4o-mini"]', "models = 3"), "field 'models'"),
        (lambda s: s.replace('endpoint = "sim"', 'endpoint = "ftp://x"'), "field 'endpoint'"),
        (lambda s: s.replace('kind = "exact"', 'kind = "fuzzy"'), "scorers[0].kind"),
        (lambda s: s.replace("temperature = 0", "model = 'x'"), "field 'params'"),
        (lambda s: s.replace("[prompt]", "[prompt]\nfile = 'x.j2'"), "field 'prompt'"),
        (lambda s: s + "\n[grid]\ntemperature = []\n", "field 'grid.temperature'"),
        (lambda s: s + "\n[grid]\ntemperature = 0.5\n", "field 'grid.temperature'"),
        (
            lambda s: s.replace("temperature = 0", "x = 1") + "\n[grid]\nmodel = ['a']\n",
            "field 'grid.model'",
        ),
        (lambda s: s + "\n[grid]\ntemperature = [0, 1]\n", "also in params"),
        (lambda s: "budget_usd = -1\n" + s, "field 'budget_usd'"),
        (lambda s: s + "\n[prompts.a]\ntemplate = 'x'\n", "not both"),
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


GRID_SPEC = """
name = "grid"
dataset = "items.jsonl"
models = ["openai/gpt-4o-mini", "deepseek/deepseek-v3.2"]
endpoint = "sim"
repeats = 2
budget_usd = 1.5
cache = false

[prompts.terse]
template = "{{ question }}"
system = "Be brief."

[prompts.polite]
file = "polite.j2"

[params]
max_tokens = 32
provider = { only = ["deepinfra"] }

[grid]
temperature = [0, 0.7]
seed = [1, 2, 3]

[[scorers]]
kind = "numeric"
expected = "answer"

[limits."openai/gpt-4o-mini"]
rpm = 100

[fallbacks]
"openai/gpt-4o-mini" = ["deepseek/deepseek-v3.2"]
"""


def grid_spec(tmp_path: Path) -> Path:
    (tmp_path / "polite.j2").write_text("Please: {{ question }}")
    (tmp_path / "items.jsonl").write_text(
        "".join(
            f'{{"id": "q{i}", "question": "What is {i} + 1?", "answer": "{i + 1}"}}\n'
            for i in range(5)
        )
    )
    return write(tmp_path, GRID_SPEC)


def test_grid_and_prompt_variants_expand_to_every_combination(tmp_path: Path) -> None:
    sweep = load_spec(grid_spec(tmp_path))
    assert set(sweep.prompts) == {"terse", "polite"}
    assert len(sweep.param_sets()) == 6
    assert sweep.param_sets()[0] == {
        "max_tokens": 32,
        "provider": {"only": ["deepinfra"]},
        "temperature": 0,
        "seed": 1,
    }
    counts = sweep.count_tasks()
    assert counts == dict.fromkeys(sweep.models, 5 * 2 * 6 * 2)
    tasks = list(sweep.tasks())
    assert len(tasks) == sum(counts.values())
    assert len({t.key for t in tasks}) == len(tasks)  # every task its own key
    first = tasks[0]
    assert first.request.params["temperature"] == 0 and first.prompt_id == "terse"
    assert {t.repeat for t in tasks} == {0, 1}


def test_tasks_preview_is_lazy(tmp_path: Path) -> None:
    import itertools

    sweep = load_spec(grid_spec(tmp_path))
    preview = list(itertools.islice(sweep.tasks(), 3))
    assert len(preview) == 3


def test_task_keys_depend_on_content_not_on_order(tmp_path: Path) -> None:
    a = {t.key for t in load_spec(grid_spec(tmp_path)).tasks()}
    reordered = GRID_SPEC.replace("seed = [1, 2, 3]", "seed = [3, 1, 2]")
    b = {t.key for t in load_spec(write(tmp_path, reordered)).tasks()}
    assert a == b


def test_toml_round_trips(tmp_path: Path) -> None:
    sweep = load_spec(grid_spec(tmp_path))
    again_path = tmp_path / "again.toml"
    again_path.write_text(sweep.to_toml())
    again = load_spec(again_path)
    assert again.to_spec() == sweep.to_spec()
    assert [t.key for t in again.tasks()] == [t.key for t in sweep.tasks()]


def test_python_sweep_round_trips_through_toml(tmp_path: Path) -> None:
    (tmp_path / "d.jsonl").write_text('{"id": "a", "q": "x"}\n')
    sweep = Sweep(
        dataset=str(tmp_path / "d.jsonl"),
        models=["openai/gpt-4o-mini"],
        prompt="{{ q }}",
        system="s",
        grid={"temperature": [0, 1]},
        params={"max_tokens": 8},
        endpoint="sim",
        sim={"time_scale": 0.0},
    )
    path = tmp_path / "s.toml"
    path.write_text(sweep.to_toml())
    assert load_spec(path).to_spec() == sweep.to_spec()
