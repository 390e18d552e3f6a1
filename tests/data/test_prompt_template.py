"""`PromptTemplate`: rendering to chat messages, strictness about missing and null values,
prompts kept as plain text (no HTML escaping), and the checks made before a run."""

from __future__ import annotations

import pickle
from typing import Any

import jinja2
import pytest

from orkit.data import Item, PromptTemplate, open_dataset
from orkit.errors import ConfigError, TemplateError


def item(fields: dict[str, Any], *, line: int = 7, item_id: str = "q7") -> Item:
    return Item(index=line - 1, line=line, item_id=item_id, fields=fields)


def test_user_only_renders_one_user_message() -> None:
    t = PromptTemplate("Answer with the number only.\n{{ question }}")
    assert t.render(item({"question": "What is 2 + 2?"})) == [
        {"role": "user", "content": "Answer with the number only.\nWhat is 2 + 2?"}
    ]
    assert t.name == "default" and t.system is None


def test_system_and_user() -> None:
    t = PromptTemplate("{{ question }}", system="You are a {{ role }}.", name="terse")
    assert t.render({"question": "Capital of France?", "role": "geographer"}) == [
        {"role": "system", "content": "You are a geographer."},
        {"role": "user", "content": "Capital of France?"},
    ]
    assert t.variables == {"question", "role"}


def test_a_blank_system_message_is_left_out() -> None:
    t = PromptTemplate("{{ q }}", system="{% if hint %}Hint: {{ hint }}{% endif %}")
    assert t.render({"q": "x", "hint": ""}) == [{"role": "user", "content": "x"}]
    assert t.render({"q": "x", "hint": "y"})[0] == {"role": "system", "content": "Hint: y"}


def test_autoescape_is_off_prompts_are_text() -> None:
    t = PromptTemplate("{{ a }} {{ b }}")
    text = t.render({"a": "Tom & Jerry <b>'quoted'</b>", "b": '"x" > 1'})[0]["content"]
    assert text == "Tom & Jerry <b>'quoted'</b> \"x\" > 1"


def test_tojson_is_plain_json() -> None:
    t = PromptTemplate("{{ data | tojson }}|{{ data | tojson(indent=1) }}")
    out = t.render({"data": {"a": "<&>", "é": 1}})[0]["content"]
    assert out == '{"a": "<&>", "é": 1}|{\n "a": "<&>",\n "é": 1\n}'


def test_loops_over_list_values_for_few_shot_prompts() -> None:
    t = PromptTemplate(
        "{% for ex in shots %}Q: {{ ex.q }}\nA: {{ ex.a }}\n{% endfor %}Q: {{ question }}\nA:"
    )
    out = t.render({"shots": [{"q": "1+1", "a": "2"}, {"q": "2+2", "a": "4"}], "question": "3+3"})
    assert out[0]["content"] == "Q: 1+1\nA: 2\nQ: 2+2\nA: 4\nQ: 3+3\nA:"
    assert t.variables == {"shots", "question"}


def test_inline_templates_keep_their_trailing_newline() -> None:
    assert PromptTemplate("{{ q }}\n").render({"q": "x"})[0]["content"] == "x\n"
    assert PromptTemplate("{{ q }}").render({"q": "x"})[0]["content"] == "x"


def test_from_file_drops_the_final_newline_an_editor_adds(tmp_path) -> None:
    path = tmp_path / "arith.j2"
    path.write_text("Answer with the number only.\n\n{{ question }}\n", encoding="utf-8")
    t = PromptTemplate.from_file(path, system="Be terse.")
    assert t.name == "arith" and t.user == "Answer with the number only.\n\n{{ question }}"
    assert t.render({"question": "1+1"})[1]["content"] == "Answer with the number only.\n\n1+1"
    assert PromptTemplate.from_file(str(path), name="other").name == "other"


def test_from_file_missing_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        PromptTemplate.from_file(tmp_path / "nope.txt")
    assert str(info.value) == f"prompt file {tmp_path / 'nope.txt'}: no such file"


def test_a_missing_variable_names_it_the_row_and_the_id() -> None:
    t = PromptTemplate("{{ question }} {{ context }}")
    with pytest.raises(TemplateError) as info:
        t.render(item({"question": "x"}, line=17, item_id="q17"))
    err = info.value
    assert str(err) == "template 'default': no value for 'context' in item 'q17' (line 17)"
    assert (err.variable, err.row, err.item_id) == ("context", 17, "q17")
    assert isinstance(err, ConfigError)


def test_a_missing_variable_in_a_plain_mapping() -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate("{{ question }}", name="arith").render({})
    assert str(info.value) == "template 'arith': no value for 'question'"
    assert info.value.variable == "question" and info.value.row is None


def test_a_missing_attribute_is_an_error_too() -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate("{{ meta.lang }}").render(item({"meta": {}}))
    assert (
        str(info.value)
        == "template 'default': 'dict object' has no attribute 'lang' in item 'q7' (line 7)"
    )


def test_a_null_value_is_not_rendered_as_none() -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate("Context: {{ context }}").render(item({"context": None}))
    assert str(info.value) == (
        "template 'default': 'context' is null in item 'q7' (line 7); "
        "write {{ context or '' }} to allow it"
    )
    assert info.value.variable == "context"
    assert PromptTemplate("{{ context or '' }}.").render({"context": None})[0]["content"] == "."
    assert (
        PromptTemplate("{% if context %}x{% endif %}.").render({"context": None})[0]["content"]
        == "."
    )


def test_optional_variables_guarded_by_the_template() -> None:
    t = PromptTemplate(
        "{% if hint is defined %}Hint: {{ hint }}\n{% endif %}{{ q }} {{ lang | default('en') }}"
    )
    assert t.variables == {"hint", "q", "lang"}
    assert t.required_variables == {"q"}
    assert t.render({"q": "x"})[0]["content"] == "x en"
    assert t.render({"q": "x", "hint": "h", "lang": "fr"})[0]["content"] == "Hint: h\nx fr"
    t.check_columns(["q"])  # hint and lang may be absent


def test_a_failing_expression_names_the_row() -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate("{{ a / b }}").render(item({"a": 1, "b": 0}))
    assert (
        str(info.value)
        == "template 'default': ZeroDivisionError: division by zero in item 'q7' (line 7)"
    )


def test_check_columns_passes_when_every_variable_is_a_column() -> None:
    t = PromptTemplate("{{ question }}", system="{{ persona }}")
    assert t.required_variables == {"question", "persona"}  # the system prompt's too
    t.check_columns(["id", "question", "persona"])  # raises nothing
    # and only then: without the system prompt's column it is caught
    with pytest.raises(TemplateError) as info:
        t.check_columns(["id", "question"])
    assert info.value.variable == "persona"


def test_check_columns_names_the_variable_the_file_and_the_columns() -> None:
    t = PromptTemplate("Answer with the number only.\n{{ questoin }}")
    with pytest.raises(TemplateError) as info:
        t.check_columns(["id", "question", "answer"], path="datasets/arith.jsonl")
    assert str(info.value) == (
        "template 'default' uses variable 'questoin' but datasets/arith.jsonl has no such column "
        "(columns: id, question, answer); did you mean 'question'?"
    )
    assert info.value.variable == "questoin"


def test_check_columns_lists_every_missing_variable() -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate("{{ a }}{{ b }}{{ c }}").check_columns(["c"])
    assert str(info.value) == (
        "template 'default' uses variables 'a', 'b' but the dataset has no such column (columns: c)"
    )


def test_check_columns_with_a_dataset(write_jsonl, arithmetic) -> None:
    ds = open_dataset(write_jsonl("arith.jsonl", arithmetic))
    PromptTemplate("{{ question }}").check_columns(ds.columns(), path=ds.path)
    with pytest.raises(TemplateError, match=r"datasets/arith\.jsonl has no such column"):
        PromptTemplate("{{ prompt }}").check_columns(ds.columns(), path=ds.path)


def test_rendering_every_item_of_a_dataset(write_jsonl, arithmetic) -> None:
    t = PromptTemplate("Answer with the number only.\n{{ question }}")
    rendered = [t.render(i) for i in open_dataset(write_jsonl("arith.jsonl", arithmetic))]
    assert rendered[3] == [
        {"role": "user", "content": "Answer with the number only.\nWhat is 3 + 1?"}
    ]


@pytest.mark.parametrize(
    ("user", "system", "message"),
    [
        (
            "{{ x ",
            None,
            "template 'default' (user), line 1: unexpected end of template, "
            "expected 'end of print statement'.",
        ),
        (
            "{{ x }}",
            "{% if %}",
            "template 'default' (system), line 1: "
            "Expected an expression, got 'end of statement block'",
        ),
        ("   ", None, "template 'default': the user message template is empty"),
    ],
)
def test_bad_templates_fail_when_built(user, system, message) -> None:
    with pytest.raises(TemplateError) as info:
        PromptTemplate(user, system=system)
    assert str(info.value) == message


def test_templates_compile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    t = PromptTemplate("{{ q }}", system="{{ s }}")

    def no_compiling(*args, **kwargs):
        raise AssertionError("compiled again while rendering")

    monkeypatch.setattr(jinja2.Environment, "from_string", no_compiling)
    monkeypatch.setattr(jinja2.Environment, "parse", no_compiling)
    for i in range(100):
        assert t.render({"q": str(i), "s": "sys"})[1]["content"] == str(i)


def test_fingerprint_covers_system_and_user_but_not_the_name() -> None:
    base = PromptTemplate("{{ q }}", system="S")
    assert len(base.fingerprint()) == 64
    assert base.fingerprint() == PromptTemplate("{{ q }}", system="S", name="other").fingerprint()
    assert base.fingerprint() != PromptTemplate("{{ q }}").fingerprint()
    assert base.fingerprint() != PromptTemplate("{{ q }} ", system="S").fingerprint()
    assert (
        PromptTemplate("ab", system=None).fingerprint()
        != PromptTemplate("b", system="a").fingerprint()
    )


def test_templates_are_values() -> None:
    a = PromptTemplate("{{ q }}", system="S", name="n")
    assert a == PromptTemplate("{{ q }}", system="S", name="n") and hash(a) == hash(
        PromptTemplate("{{ q }}", "S", "n")
    )
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a and copy.render({"q": "x"}) == a.render({"q": "x"})
    with pytest.raises(AttributeError):
        a.user = "other"  # type: ignore[misc]
