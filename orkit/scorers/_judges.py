"""LLM-as-judge scorers: rubric (a 1..N score), reference-based (correct or not against the
item's reference answer) and pairwise (better than the baseline model's output, or not).

They build requests and read replies (see `_judge_base`); orkit's engine sends the requests.
A pairwise judge asks twice by default, with the answers in both orders, and averages: a
judge that prefers whichever answer comes first then scores a tie instead of a win.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jinja2

from orkit.errors import ConfigError, ScorerError
from orkit.scorers._base import Score
from orkit.scorers._judge_base import DEFAULT_JUDGE_PARAMS, JudgeCase
from orkit.scorers._judge_prompts import (
    PAIRWISE,
    REFERENCE,
    RUBRIC,
    SYSTEM,
    compile_template,
    render,
)
from orkit.scorers._verdicts import read_score, read_verdict, read_winner
from orkit.types import ChatRequest

__all__ = ["PairwiseJudge", "ReferenceJudge", "RubricJudge", "pairwise", "reference", "rubric"]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class _JudgeBase:
    """What the three judges share: the model, its request params, the prompt."""

    name: str
    judge_model: str
    params: Mapping[str, Any]
    template: str | None
    _prompt: jinja2.Template = field(repr=False, compare=False)

    baseline: str | None = None
    is_pairwise = False

    def _request(self, variables: Mapping[str, Any]) -> ChatRequest:
        try:
            prompt = render(self._prompt, variables)
        except jinja2.UndefinedError as exc:
            raise ScorerError(
                f"{self.name}: prompt template: {exc.message}", scorer=self.name
            ) from None
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
        return ChatRequest(model=self.judge_model, messages=messages, params=dict(self.params))

    def _spec(self, kind: str, **options: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"kind": kind, "model": self.judge_model, **options}
        if self.name != kind:
            spec["name"] = self.name
        if dict(self.params) != dict(DEFAULT_JUDGE_PARAMS):
            spec["params"] = dict(self.params)
        if self.template is not None:
            spec["template"] = self.template
        return {k: v for k, v in spec.items() if v is not None}


def _variables(case: JudgeCase, **more: Any) -> dict[str, Any]:
    """What a judge's prompt template is rendered with: the question and the dataset item
    (as `item`) for every judge, plus what this judge shows (`more`)."""
    return {"question": case.question, "item": case.fields, **more}


def _rubric_text(rubric: jinja2.Template | None, name: str, fields: Mapping[str, Any]) -> str:
    if rubric is None:
        return ""
    try:
        return render(rubric, {**fields, "item": fields})
    except jinja2.UndefinedError as exc:
        raise ScorerError(f"{name}: rubric: {exc.message}", scorer=name) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class RubricJudge(_JudgeBase):
    rubric: str
    scale: int
    pass_score: float
    expected: str | None
    _rubric: jinja2.Template = field(repr=False, compare=False)

    calls_per_task = 1

    @property
    def spec(self) -> dict[str, Any]:
        return self._spec(
            "judge_rubric",
            rubric=self.rubric,
            scale=self.scale,
            pass_score=self.pass_score,
            expected=self.expected,
        )

    def requests(self, case: JudgeCase) -> list[ChatRequest] | None:
        reference = case.fields.get(self.expected) if self.expected else None
        variables = _variables(
            case,
            answer=_text(case.output),
            reference=_text(reference),
            rubric=_rubric_text(self._rubric, self.name, case.fields),
            scale=self.scale,
        )
        return [self._request(variables)]

    def verdict(self, case: JudgeCase, replies: Sequence[str | None]) -> Score:
        reply = replies[0] if replies else None
        if reply is None:
            return Score(None, detail="not judged: the judge request failed")
        score, why = read_score(reply, self.scale)
        if score is None:
            return Score(None, detail=why)
        value = (score - 1) / (self.scale - 1)
        return Score(value, passed=score >= self.pass_score, detail=f"{score:g}/{self.scale}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceJudge(_JudgeBase):
    expected: str

    calls_per_task = 1

    @property
    def spec(self) -> dict[str, Any]:
        return self._spec("judge_reference", expected=self.expected)

    def requests(self, case: JudgeCase) -> list[ChatRequest] | None:
        reference = case.fields.get(self.expected)
        if reference is None or reference == "":
            return None  # nothing to compare with on this item
        variables = _variables(case, answer=_text(case.output), reference=_text(reference))
        return [self._request(variables)]

    def verdict(self, case: JudgeCase, replies: Sequence[str | None]) -> Score:
        reply = replies[0] if replies else None
        expected = _text(case.fields.get(self.expected))
        if reply is None:
            return Score(None, expected=expected, detail="not judged: the judge request failed")
        correct, why = read_verdict(reply)
        if correct is None:
            return Score(None, expected=expected, detail=why)
        return Score(1.0 if correct else 0.0, passed=correct, expected=expected)


_WIN = {"A": 1.0, "tie": 0.5, "B": 0.0}
"""The candidate's points when it is answer A (swap the letters when it is answer B)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PairwiseJudge(_JudgeBase):
    rubric: str | None
    expected: str | None
    swap: bool
    _rubric: jinja2.Template | None = field(repr=False, compare=False)

    is_pairwise = True

    @property
    def calls_per_task(self) -> int:
        return 2 if self.swap else 1

    @property
    def spec(self) -> dict[str, Any]:
        return self._spec(
            "judge_pairwise",
            baseline=self.baseline,
            rubric=self.rubric,
            expected=self.expected,
            swap=self.swap,
        )

    def requests(self, case: JudgeCase) -> list[ChatRequest] | None:
        if case.baseline_output is None:
            return None  # the baseline has no answer for this item
        variables = _variables(
            case,
            reference=_text(case.fields.get(self.expected)) if self.expected else "",
            rubric=_rubric_text(self._rubric, self.name, case.fields),
        )
        mine, theirs = _text(case.output), _text(case.baseline_output)
        out = [self._request({**variables, "answer_a": mine, "answer_b": theirs})]
        if self.swap:
            out.append(self._request({**variables, "answer_a": theirs, "answer_b": mine}))
        return out

    def verdict(self, case: JudgeCase, replies: Sequence[str | None]) -> Score:
        points, notes = [], []
        for order, reply in enumerate(replies):
            label = "candidate first" if order == 0 else "baseline first"
            if reply is None:
                notes.append(f"{label}: not judged")
                continue
            winner, why = read_winner(reply)
            if winner is None:
                notes.append(f"{label}: {why}")
                continue
            if order == 1 and winner != "tie":
                winner = "A" if winner == "B" else "B"  # the candidate was answer B
            points.append(_WIN[winner])
            notes.append(f"{label}: {_outcome(winner)}")
        vs = f"vs {case.baseline_model}" if case.baseline_model else "vs baseline"
        detail = f"{vs}; " + "; ".join(notes)
        if not points:
            return Score(None, detail=detail)
        value = sum(points) / len(points)
        passed = True if value > 0.5 else (False if value < 0.5 else None)
        return Score(value, passed=passed, detail=detail)


def _outcome(winner: str) -> str:
    return {"A": "win", "B": "loss"}.get(winner, "tie")


def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = {**DEFAULT_JUDGE_PARAMS, **(params or {})}
    for key in ("model", "messages", "stream"):
        if key in merged:
            raise ConfigError(f"judge params: {key!r} is set by orkit")
    return merged


def _model(model: Any, kind: str) -> str:
    if not isinstance(model, str) or "/" not in model:
        raise ConfigError(f"scorer {kind}: model must be a model id like 'openai/gpt-4o-mini'")
    return model


def rubric(
    model: str,
    rubric: str,
    *,
    scale: int = 5,
    pass_score: float | None = None,
    expected: str | None = None,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    name: str = "judge_rubric",
) -> RubricJudge:
    """An LLM judge scoring each output from 1 to `scale` against `rubric` (a Jinja2
    template over the item's columns). The score is stored as (N-1)/(scale-1) in [0, 1]; it
    passes at `pass_score` (default: three quarters of the scale, rounded up — 4 of 5).
    With `expected`, the item's reference answer is shown to the judge too."""
    if not isinstance(scale, int) or scale < 2:
        raise ConfigError(f"scorer judge_rubric: scale must be an integer >= 2, got {scale!r}")
    threshold = pass_score if pass_score is not None else math.ceil(0.75 * scale)
    return RubricJudge(
        name=name,
        judge_model=_model(model, "judge_rubric"),
        params=_params(params),
        template=template,
        _prompt=compile_template(template or RUBRIC, what=f"scorer {name}"),
        rubric=rubric,
        scale=scale,
        pass_score=threshold,
        expected=expected,
        _rubric=compile_template(rubric, what=f"scorer {name} rubric"),
    )


def reference(
    model: str,
    expected: str = "answer",
    *,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    name: str = "judge_reference",
) -> ReferenceJudge:
    """An LLM judge deciding whether each output agrees with the item's reference answer
    (column `expected`) in meaning — for answers an exact match would wrongly fail."""
    return ReferenceJudge(
        name=name,
        judge_model=_model(model, "judge_reference"),
        params=_params(params),
        template=template,
        _prompt=compile_template(template or REFERENCE, what=f"scorer {name}"),
        expected=expected,
    )


def pairwise(
    model: str,
    *,
    baseline: str | None = None,
    rubric: str | None = None,
    expected: str | None = None,
    swap: bool = True,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    name: str = "judge_pairwise",
) -> PairwiseJudge:
    """An LLM judge comparing each model's output with the `baseline` model's output (default:
    the sweep's first model) on the same item, prompt, params and repeat: 1 = better, 0.5 =
    tie, 0 = worse, so a model's mean is its win rate against the baseline. With `swap` (the
    default) each pair is judged in both orders and the two verdicts averaged."""
    return PairwiseJudge(
        name=name,
        judge_model=_model(model, "judge_pairwise"),
        params=_params(params),
        template=template,
        _prompt=compile_template(template or PAIRWISE, what=f"scorer {name}"),
        baseline=baseline,
        rubric=rubric,
        expected=expected,
        swap=swap,
        _rubric=compile_template(rubric, what=f"scorer {name} rubric") if rubric else None,
    )
