"""The fast path for `{{ column }}` templates renders exactly what Jinja renders, and leaves
anything it is unsure of (null, missing, control flow) to Jinja."""

from __future__ import annotations

from typing import Any

import pytest

from orkit.data import PromptTemplate, fast_renderer, open_dataset
from orkit.errors import TemplateError


@pytest.mark.parametrize(
    ("user", "system", "fields"),
    [
        ("Q: {{ question }}", None, {"question": "2+2?"}),
        ("{{a}}-{{ b }}\n", "Be {{ tone }}.", {"a": 1, "b": 2.5, "tone": "terse"}),
        ("{{ flag }} {{ items }}", "   ", {"flag": True, "items": [1, "x"]}),
        ("no holes at all", "static system", {}),
        ("Où est {{ city }} ?", None, {"city": "東京"}),
    ],
)
def test_same_messages_as_jinja(user: str, system: str | None, fields: dict[str, Any]) -> None:
    template = PromptTemplate(user, system=system)
    render = fast_renderer(template)
    assert render is not None
    assert render(fields) == template.render(fields)


def test_templates_with_logic_or_filters_get_no_fast_path() -> None:
    assert fast_renderer(PromptTemplate("{% if x %}a{% endif %}")) is None
    assert fast_renderer(PromptTemplate("{{ x | upper }}")) is None
    assert fast_renderer(PromptTemplate("{{ x.y }}")) is None


def test_a_null_value_is_reported_by_jinja_with_its_row() -> None:
    template = PromptTemplate("Q: {{ question }}")
    render = fast_renderer(template)
    assert render is not None
    item = next(iter(open_dataset([{"id": "a", "question": None}])))
    with pytest.raises(TemplateError, match="'question' is null"):
        render(item)
