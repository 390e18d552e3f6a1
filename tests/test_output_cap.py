"""The output-cap rule has one home, `orkit.types.output_cap`: `max_completion_tokens` wins over
the deprecated `max_tokens`, and every place that needs the cap (the router's token estimate,
the budget's worst case, the estimate, the calibration) reads it from there."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from orkit import Sweep
from orkit.cost import Prices, worst_case_usd
from orkit.cost._learn import _cap as learnt_cap
from orkit.router._limits import _estimated_tokens
from orkit.types import ChatRequest, output_cap

ORKIT = Path(__file__).resolve().parent.parent / "orkit"
CAP_FIELDS = {"max_tokens", "max_completion_tokens"}

# Both set, far apart: a site that read `max_tokens` first would see 1000, not 10.
BOTH = {"max_tokens": 1000, "max_completion_tokens": 10}


@pytest.mark.parametrize(
    ("params", "cap"),
    [
        ({}, None),
        ({"temperature": 0}, None),
        ({"max_tokens": 64}, 64),
        ({"max_completion_tokens": 64}, 64),
        (BOTH, 10),
        ({"max_tokens": 10, "max_completion_tokens": 1000}, 1000),
        ({"max_completion_tokens": None, "max_tokens": 64}, 64),
        ({"max_tokens": 64.0}, 64),
        # set but unusable (the server refuses it): no cap, and no falling through to the other
        ({"max_completion_tokens": 0, "max_tokens": 64}, None),
        ({"max_tokens": -5}, None),
        ({"max_tokens": True}, None),
        ({"max_tokens": "64"}, None),
    ],
)
def test_output_cap_precedence(params: dict[str, Any], cap: int | None) -> None:
    assert output_cap(params) == cap
    assert ChatRequest(model="m", messages=[], params=params).output_cap == cap


def test_every_site_reads_max_completion_tokens_first(tmp_path: Path) -> None:
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "abcd"}], params=BOTH)
    # router: tokens booked against a tokens-per-minute limit (4 chars ~ 1 token + the cap)
    assert _estimated_tokens(request) == pytest.approx(1 + 10)
    # budget: the worst case bills the cap at the completion price
    assert worst_case_usd(request, Prices(prompt=0.0, completion=1.0)) == pytest.approx(10)
    # calibration: answers are learnt per cap, read from the stored params
    assert learnt_cap(json.dumps(BOTH)) == 10
    # estimate: nothing learnt, so every answer is expected at its cap
    sweep = Sweep(
        dataset=[{"id": f"t{i}", "topic": f"topic {i}"} for i in range(5)],
        models=["openai/gpt-4o-mini"],
        prompt="Write about {{ topic }}.",
        params=BOTH,
        endpoint="sim",
        sim={"time_scale": 0.0, "seed": 1},
        out=str(tmp_path / "runs"),
        cache=False,
    )
    line = sweep.estimate().line("openai/gpt-4o-mini")
    assert line.output_source == "max_tokens"
    assert line.completion_tokens == 5 * 10


def _reads_a_cap_field(node: ast.AST) -> bool:
    """`x.get("max_tokens")`, `x["max_tokens"]` or `"max_tokens" in x` (either field)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        key = node.args[0]
    elif isinstance(node, ast.Subscript):
        key = node.slice
    elif isinstance(node, ast.Compare) and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops):
        key = node.left
    else:
        return False
    return isinstance(key, ast.Constant) and key.value in CAP_FIELDS


def test_no_module_reads_the_cap_fields_itself() -> None:
    """A second copy of the rule would read the fields itself; only `types.py` may."""
    offenders = []
    for path in sorted(ORKIT.rglob("*.py")):
        rel = path.relative_to(ORKIT)
        if rel.parts[0] in ("sim", "catalog") or rel == Path("types.py"):
            # The emulator is independent of orkit and reads the body on its own; the catalog
            # reads a model's `top_provider.max_completion_tokens`, a limit, not a request's.
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if _reads_a_cap_field(node):
                offenders.append(f"{rel}:{getattr(node, 'lineno', '?')}")
    assert not offenders, f"read the cap with orkit.types.output_cap instead: {offenders}"
