"""Answers to requests with extras: reasoning first, then tool calls or a (JSON) text.

Each part is honoured only where the served endpoint supports it, as OpenRouter drops a
parameter a provider does not take (`provider.require_parameters` turns that into a 404
before this point): `tools` needs `tools`; a json_schema `response_format` needs
`structured_outputs` (else plain text comes back); `json_object` needs `response_format`;
reasoning needs `reasoning`/`include_reasoning` (`orkit.sim.reasoning`).

The text answer is the plain one (`orkit.sim.answers`), except:
- after a `tool` result, an unsolvable prompt is answered with the tool's result (the model
  relays what the tool said), so a call -> result -> answer loop gets a checkable answer;
- with images or files, an unsolvable prompt's answer opens with what was attached
  (`Media.mention`);
- a json_schema answer is a value of the schema (`orkit.sim.schema_values`), the solver's
  answer (right or wrong) in its most answer-like field; `SimConfig.structured_invalid_rate`
  of them break the schema instead.
Tool-call arguments break their tool's schema at `SimConfig.tool_args_invalid_rate`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from orkit.sim._hashing import alnum, unit
from orkit.sim.answers import Answer, Draft, answer_key, finish, json_wrap, make_draft
from orkit.sim.extras import Extras
from orkit.sim.reasoning import Reasoning, think, wants_reasoning
from orkit.sim.request import ChatRequest
from orkit.sim.runtime import ModelRuntime
from orkit.sim.schema_values import ValueHints, answer_path, break_value, put, sample
from orkit.sim.solvers import Solvers
from orkit.sim.tokenizer import count_tokens, pieces, text_of
from orkit.sim.tools import ToolCall, ToolSpec, fitting_tools

__all__ = ["RichOptions", "compose_rich"]

_NONE = Extras(None, None, None, None)
_LEAD_WORDS = 24


@dataclass(frozen=True)
class RichOptions:
    """The `SimConfig` settings that shape answers with extras."""

    tool_args_invalid_rate: float = 0.0
    structured_invalid_rate: float = 0.0
    default_reasoning: bool = False


def compose_rich(
    solvers: Solvers,
    runtime: ModelRuntime,
    supported: frozenset[str],
    request: ChatRequest,
    *,
    seed: int,
    occurrence: int,
    max_tokens: int | None,
    options: RichOptions,
) -> Answer:
    """The completion `runtime` (served where `supported` parameters hold) gives `request`."""
    extras = request.extras or _NONE
    key = answer_key(runtime, request, seed, occurrence)
    reasoning = None
    if wants_reasoning(extras.reasoning, runtime.entry, supported, options.default_reasoning):
        lead = "The user asks: " + " ".join(request.user_text.split()[:_LEAD_WORDS])
        draws = (unit(*key, "think"), unit(*key, "thought"))
        reasoning = think(extras.reasoning, runtime.entry, request.max_tokens, lead, draws)
        if max_tokens is not None:
            if reasoning.tokens >= max_tokens:  # thinking used the whole budget
                cut = Reasoning(reasoning.pieces[:max_tokens], reasoning.shown)
                return Answer("", (), "length", reasoning=cut)
            max_tokens -= reasoning.tokens
    tools = extras.tools if "tools" in supported else None
    if tools is not None:
        chosen = fitting_tools(
            tools, request.messages, request.user_text, "parallel_tool_calls" in supported
        )
        if chosen:
            calls = [
                _call(runtime, tool, index, request, key, options)
                for index, tool in enumerate(chosen)
            ]
            return _tool_answer(calls, max_tokens, reasoning)
    draft = make_draft(solvers, runtime, request, key, max_tokens)
    text = _text(draft, request, extras)
    mode = _honoured_mode(request.json_mode, supported)
    if mode == "json_schema" and extras.schema is not None:
        text = _structured(extras.schema, draft, request, key, options)
    elif mode is not None:
        text = json_wrap(replace(draft, text=text), request.json_key)
    answer = finish(text, request.stop, max_tokens, draft.correct)
    return replace(answer, reasoning=reasoning) if reasoning is not None else answer


def _honoured_mode(mode: str | None, supported: frozenset[str]) -> str | None:
    if mode == "json_schema" and "structured_outputs" not in supported:
        return None
    if mode == "json_object" and "response_format" not in supported:
        return None
    return mode


def _text(draft: Draft, request: ChatRequest, extras: Extras) -> str:
    if draft.solution is not None:
        return draft.text
    last = request.messages[-1]
    if last.get("role") == "tool":
        relayed = text_of(last.get("content")).strip()
        if relayed:
            return relayed
    if extras.media is not None:
        return extras.media.mention() + " " + draft.text
    return draft.text


def _structured(
    schema: Mapping[str, Any],
    draft: Draft,
    request: ChatRequest,
    key: tuple[Any, ...],
    options: RichOptions,
) -> str:
    value = sample(schema, ValueHints.of(request.user_text), unit(*key, "schema"))
    answer: Any = draft.text
    if draft.solution is not None and draft.solution.kind == "json":
        try:
            answer = json.loads(draft.text)
        except ValueError:
            answer = draft.text
    if isinstance(answer, dict) and isinstance(value, dict):
        props = schema.get("properties")
        for name, item in answer.items():
            if isinstance(props, Mapping) and name in props:
                kind = props[name].get("type") if isinstance(props[name], Mapping) else None
                value = put(value, (name, kind if isinstance(kind, str) else "string"), item)
    else:
        path = answer_path(schema)
        if path is not None:
            value = put(value, path, answer)
    return _maybe_broken(schema, value, unit(*key, "bad-json"), options.structured_invalid_rate)


def _maybe_broken(schema: Mapping[str, Any], value: Any, draw: float, rate: float) -> str:
    if draw >= rate:
        return _dump(value)
    broken = break_value(schema, value, draw / rate if rate else 0.0)
    if broken is None:
        return _dump(value)[:-1]  # the schema takes anything: send malformed JSON
    return _dump(broken)


def _call(
    runtime: ModelRuntime,
    tool: ToolSpec,
    index: int,
    request: ChatRequest,
    key: tuple[Any, ...],
    options: RichOptions,
) -> ToolCall:
    params = tool.parameters or {"type": "object", "properties": {}}
    value = sample(params, ValueHints.of(request.user_text), unit(*key, "args", index))
    arguments = _maybe_broken(
        params, value, unit(*key, "bad-args", index), options.tool_args_invalid_rate
    )
    return ToolCall(
        call_id=_call_id(runtime.id, tool.name, key, index),
        name=tool.name,
        arguments=arguments,
        pieces=tuple(pieces(arguments)),
        name_tokens=count_tokens(tool.name),
    )


def _call_id(model_id: str, name: str, key: tuple[Any, ...], index: int) -> str:
    """An id in the serving lab's style, as the captures show them."""
    author = model_id.split("/")[0]
    if author == "anthropic":
        return "toolu_01" + alnum(22, *key, "call", index)
    if author == "google":
        return f"tool_{name}_{alnum(20, *key, 'call', index)}"
    return "call_" + alnum(24, *key, "call", index)


def _tool_answer(
    calls: list[ToolCall], max_tokens: int | None, reasoning: Reasoning | None
) -> Answer:
    kept: list[ToolCall] = []
    finish_reason = "tool_calls"
    budget = max_tokens
    for call in calls:
        if budget is not None and call.tokens > budget:
            room = max(0, budget - call.name_tokens)
            cut = call.pieces[:room]
            kept.append(replace(call, arguments="".join(cut), pieces=cut))
            finish_reason = "length"
            break
        kept.append(call)
        if budget is not None:
            budget -= call.tokens
    return Answer("", (), finish_reason, reasoning=reasoning, tool_calls=tuple(kept))


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
