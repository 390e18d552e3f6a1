"""The judges' prompts (Jinja2 templates over plain text) and their rendering.

Each prompt puts the material in tagged blocks (`<question>`, `<answer>`, `<reference>`,
`<rubric>`, `<answer_a>`, `<answer_b>`) and asks for a fixed last line (`Score: N/5`,
`Verdict: CORRECT`, `Winner: A`) that `_verdicts` reads — the emulator's judge solver
recognises the same blocks. A custom `template` gets the same variables: `question`,
`answer`, `reference`, `rubric`, `scale`, `answer_a`, `answer_b`, and `item` (the dataset row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

from orkit.errors import ConfigError

__all__ = ["PAIRWISE", "REFERENCE", "RUBRIC", "SYSTEM", "compile_template", "render"]

SYSTEM = "You are a careful, impartial grader of AI answers. Follow the output format exactly."

RUBRIC = """Grade the answer to the question below against the rubric.

<question>
{{ question }}
</question>

<answer>
{{ answer }}
</answer>
{% if reference %}

<reference>
{{ reference }}
</reference>
{% endif %}

<rubric>
{{ rubric }}
</rubric>

Say in one or two sentences how well the answer meets the rubric. Then end your reply with a \
final line of exactly this form, where N is a whole number from 1 (does not meet the rubric) \
to {{ scale }} (fully meets it):
Score: N/{{ scale }}"""

REFERENCE = """Decide whether the answer to the question below agrees with the reference \
answer. Judge the meaning, not the wording: extra explanation is fine, a different result is not.

<question>
{{ question }}
</question>

<reference>
{{ reference }}
</reference>

<answer>
{{ answer }}
</answer>

Explain your decision in one sentence. Then end your reply with a final line that is exactly \
"Verdict: CORRECT" or "Verdict: INCORRECT"."""

PAIRWISE = """Compare two answers to the same question and decide which one is better\
{% if rubric %} by the criteria below{% endif %}. Their order says nothing about their \
quality, and neither does their length.

<question>
{{ question }}
</question>
{% if reference %}

<reference>
{{ reference }}
</reference>
{% endif %}

<answer_a>
{{ answer_a }}
</answer_a>

<answer_b>
{{ answer_b }}
</answer_b>
{% if rubric %}

<rubric>
{{ rubric }}
</rubric>
{% endif %}

Explain your decision in one or two sentences. Then end your reply with a final line that is \
exactly "Winner: A", "Winner: B" or "Winner: tie"."""


def _environment() -> jinja2.Environment:
    # Plain text, not HTML: no autoescaping. StrictUndefined: a misspelt variable fails loudly.
    return jinja2.Environment(
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def compile_template(source: str, *, what: str) -> jinja2.Template:
    """Compile a judge prompt or rubric; a syntax error is a one-line ConfigError."""
    try:
        return _environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{what}: template error on line {exc.lineno}: {exc.message}") from None


def render(template: jinja2.Template, variables: Mapping[str, Any]) -> str:
    """Render; raises jinja2.UndefinedError (the caller names the scorer) for a missing one."""
    return template.render(**variables)
