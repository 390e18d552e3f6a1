"""Issue 12's reproductions of bad input that slipped through and cost money: each is now
one line on stderr, exit 2, nothing sent, and caught by `run`, `run --dry-run` and
`estimate` alike, before any table is printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orkit.cli import main
from orkit.cli._run import _parse_params

VERBS = [["run", "-q", "--no-report", "--no-estimate"], ["run", "--dry-run"], ["estimate"]]
VERB_IDS = ["run", "dry-run", "estimate"]


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    (tmp_path / "items.jsonl").write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": f"What is {i} + 1?", "answer": str(i + 1)})
            + "\n"
            for i in range(30)
        )
    )
    return tmp_path


def write_spec(folder: Path, extra: str = "", params: str = "temperature = 0") -> Path:
    spec = folder / "spec.toml"
    spec.write_text(
        f'dataset = "items.jsonl"\nmodels = ["openai/gpt-oss-20b:free"]\nendpoint = "sim"\n'
        f'out = "{folder / "runs"}"\n'
        f'[prompt]\ntemplate = "{{{{ question }}}}"\n[params]\n{params}\n'
        f"[sim]\ntime_scale = 0.0\n{extra}"
    )
    return spec


def refused(capsys: pytest.CaptureFixture[str], folder: Path, *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, (out, err)
    assert out == ""  # no estimate table, no dry-run table
    assert len(lines) == 1 and "Traceback" not in err, err
    assert not (folder / "runs").exists()  # no run was started
    return lines[0]


@pytest.mark.parametrize("verb", VERBS, ids=VERB_IDS)
def test_a_misspelt_param_flag(capsys, spec_dir: Path, verb: list[str]) -> None:
    # issue 12: `--param temprature=0` was sent as-is, exit 0
    spec = write_spec(spec_dir)
    line = refused(capsys, spec_dir, *verb, str(spec), "--param", "temprature=0")
    assert line.startswith("orkit: error: --param temprature=0: ")  # the flag, not the spec
    assert "did you mean 'temperature'?" in line


@pytest.mark.parametrize("verb", VERBS, ids=VERB_IDS)
def test_a_temperature_that_is_not_a_number(capsys, spec_dir: Path, verb: list[str]) -> None:
    # issue 12: `temperature = "hot"` passed --dry-run and every task failed with a 400
    spec = write_spec(spec_dir, params='temperature = "hot"')
    line = refused(capsys, spec_dir, *verb, str(spec))
    assert str(spec) in line and "'params.temperature'" in line and "'hot'" in line


@pytest.mark.parametrize("verb", VERBS, ids=VERB_IDS)
def test_a_scorer_column_that_does_not_exist(capsys, spec_dir: Path, verb: list[str]) -> None:
    # issue 12: a scorer whose `expected` column does not exist was silently dropped
    spec = write_spec(spec_dir, extra='[[scorers]]\nkind = "exact"\nexpected = "expected"\n')
    line = refused(capsys, spec_dir, *verb, str(spec))
    assert "scorer 'exact' reads column 'expected'" in line and "items.jsonl" in line


@pytest.mark.parametrize("verb", VERBS, ids=VERB_IDS)
def test_the_same_model_twice(capsys, spec_dir: Path, verb: list[str]) -> None:
    # issue 12: `-m X -m X` ran X twice
    spec = write_spec(spec_dir)
    model = "openai/gpt-4o-mini"
    line = refused(capsys, spec_dir, *verb, str(spec), "-m", model, "-m", model)
    assert f"'{model}' is given twice" in line


@pytest.mark.parametrize("verb", VERBS, ids=VERB_IDS)
def test_a_data_policy_that_leaves_no_endpoint(capsys, spec_dir: Path, verb: list[str]) -> None:
    # issue 12: 30 requests estimated for a model that then answered 30 x 404 "No endpoints
    # found matching your data policy"
    spec = write_spec(spec_dir, params='temperature = 0\nprovider = {data_collection = "deny"}')
    line = refused(capsys, spec_dir, *verb, str(spec))
    assert "openai/gpt-oss-20b:free" in line and "provider.data_collection = 'deny'" in line


def test_the_estimate_prices_the_fallback_list_and_says_what_a_free_model_spills(
    capsys, spec_dir: Path
) -> None:
    # issue 12: a "$0" :free estimate became a bill
    spec = write_spec(
        spec_dir, params='temperature = 0\nmax_tokens = 16\nmodels = ["openai/gpt-4o"]'
    )
    assert main(["estimate", str(spec)]) == 0
    out = capsys.readouterr().out
    total = next(ln for ln in out.splitlines() if ln.startswith("TOTAL"))
    assert total.split()[-3:-1] != ["$0", "$0"]  # the high end is not $0
    # within today's free quota: none spills, and the line says so (issue 18: in numbers)
    assert (
        "openai/gpt-oss-20b:free: none of 30 requests expected to spill to paid openai/gpt-4o "
        "(today's free quota covers them)" in out
    )


def test_a_warning_for_an_unsupported_param_in_the_dry_run(capsys, spec_dir: Path) -> None:
    spec = write_spec(spec_dir)
    code = main(["run", "--dry-run", str(spec), "-m", "openai/gpt-4o-mini", "--param", "top_k=5"])
    captured = capsys.readouterr()
    assert code == 0 and "dry run: nothing was sent" in captured.out
    assert captured.err.startswith("warning: openai/gpt-4o-mini does not support top_k")


def test_param_extra_flag_fills_the_extra_table() -> None:
    params = _parse_params(["temperature=0", "extra.foo=1", "extra.bar=x"])
    assert params == {"temperature": 0, "extra": {"foo": 1, "bar": "x"}}


def test_param_extra_flag_adds_to_the_specs_extra_table(spec_dir: Path) -> None:
    from orkit.cli import build_parser
    from orkit.cli._run import _build_sweep

    spec = write_spec(spec_dir)
    spec.write_text(spec.read_text().replace("[sim]", "[params.extra]\nkeep = 1\n[sim]"))
    argv = ["run", str(spec), "--param", "extra.added=2", "--param", "max_tokens=8"]
    sweep = _build_sweep(build_parser().parse_args(argv))
    assert sweep.params == {"temperature": 0, "max_tokens": 8, "extra": {"keep": 1, "added": 2}}
    assert sweep.param_sets() == [{"temperature": 0, "max_tokens": 8, "keep": 1, "added": 2}]
