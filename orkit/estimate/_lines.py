"""One line of an estimate: a model's requests priced from the prompt sizes of the whole
dataset, its calibration and its providers' prices (vectorised over rows); and the judge
calls that LLM-judge scorers will add."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from orkit.catalog import ModelInfo, ProviderEndpoint
from orkit.cost import (
    COUNTED_PROMPT_ERROR,
    CUES,
    DEFAULT_TOKENS_PER_S,
    DEFAULT_TTFT_S,
    LaneLoad,
    LineEstimate,
    ModelCalibration,
    OutputBand,
    PriceBand,
    Rates,
    WorkGroup,
    family_of,
    group_cost,
    image_weight,
    media_tokens,
    mixed_band,
    output_band,
    price_band,
    with_reasoning,
)
from orkit.estimate._embed_texts import answers_spread, embedded_texts_group
from orkit.estimate._workload import PromptSizes
from orkit.types import output_cap

__all__ = [
    "JUDGE_PROMPT_OVERHEAD",
    "LineInputs",
    "answer_band",
    "chain_band",
    "judge_calls_per_task",
    "judge_lines",
    "model_line",
]

JUDGE_PROMPT_OVERHEAD = 200
"""Tokens a judge prompt adds around the question and answer (rubric, format rules), unless
the scorer says (`prompt_overhead_tokens`)."""


@dataclass(frozen=True, slots=True)
class LineInputs:
    """Everything one model's line needs besides the prompt sizes."""

    param_sets: Sequence[Mapping[str, Any]]
    repeats: int
    hit_shares: Mapping[tuple[int, int], float]
    """(prompt index, params index) → share of requests the response cache answers."""
    counted: bool
    """Prompt tokens were counted request by request (`orkit.cost.count_prompt_tokens`), not
    estimated from the text's size by tokenizer family."""
    latency_scale: float = 1.0
    """Real seconds per emulated second (the emulator's `time_scale`)."""
    concurrency: int = 16
    """Requests in flight at once to this model (the sweep's `in_flight.per_model`)."""
    limits: Mapping[str, Any] | None = None
    server_paced: bool = False
    """A URL endpoint (a local server): what earlier runs learnt of its time per request and
    of how many it serves at once replaces OpenRouter's priors."""
    fallbacks: Mapping[str, tuple[ModelInfo, Sequence[ProviderEndpoint] | None]] = field(
        default_factory=dict
    )
    """Models that may answer in this model's place (a params set's `models` list, the
    sweep's `fallbacks`), with their providers."""
    chains: Sequence[Sequence[str]] = ()
    """Per params set (same order as `param_sets`): the models that may answer instead."""


def prompt_tokens(
    info: ModelInfo, sizes: PromptSizes, cal: ModelCalibration | None, counted: bool
) -> np.ndarray:
    """Estimated prompt tokens of each row of one prompt variant for this model."""
    if counted and sizes.counted_tokens is not None:
        return sizes.counted_tokens.astype(np.float64)
    fam = family_of(info.tokenizer)
    tokens = (
        sizes.ascii_chars / fam.chars_per_token
        + sizes.other_chars * fam.tokens_per_other_char
        + sizes.messages * float(fam.per_message)
        + float(fam.per_request)
    )
    if sizes.images is not None and sizes.pdf_pages is not None:
        # image and PDF parts: the priors, weighed by the image price; the calibration's
        # ratio below learnt them with the text (`orkit.cost._learn`)
        weight = image_weight(info.pricing, info.prompt_price)
        tokens = tokens + media_tokens(sizes.images, sizes.pdf_pages, weight)
    if cal is not None and cal.prompt_ratio:
        tokens = tokens * cal.prompt_ratio
    return np.asarray(tokens, dtype=np.float64)


def _calibrated(band: PriceBand, info: ModelInfo, cal: ModelCalibration | None) -> PriceBand:
    """The expected rates scaled by what past runs were billed against the listed price."""
    if cal is None or not cal.price_ratio or band.is_free:
        return band
    r = cal.price_ratio
    exp = Rates(
        (info.prompt_price or 0.0) * r,
        (info.completion_price or 0.0) * r,
        (info.request_price or 0.0) * r,
    )
    low = Rates(min(band.low.prompt, exp.prompt), min(band.low.completion, exp.completion))
    high = Rates(max(band.high.prompt, exp.prompt), max(band.high.completion, exp.completion))
    low = Rates(low.prompt, low.completion, min(band.low.request, exp.request))
    high = Rates(high.prompt, high.completion, max(band.high.request, exp.request))
    return replace(band, low=low, expected=exp, high=high)


def chain_band(
    primary: PriceBand,
    fallbacks: Sequence[tuple[ModelInfo, Sequence[ProviderEndpoint] | None]],
    params: Mapping[str, Any],
) -> PriceBand:
    """The band of a request that a fallback model may answer: the low and expected rates
    are the primary's (it answers when it can), the high rates the dearest of the chain
    (OpenRouter bills the model that answered: a paid model after a `:free` one is billed
    at its price)."""
    if not fallbacks:
        return primary
    highs = [primary.high, *(price_band(i, e, params).high for i, e in fallbacks)]
    high = Rates(
        max(r.prompt for r in highs),
        max(r.completion for r in highs),
        max(r.request for r in highs),
    )
    return replace(primary, high=high)


def answer_band(
    info: ModelInfo,
    size: PromptSizes,
    cal: ModelCalibration | None,
    cap: int | None,
    repeats: int,
) -> OutputBand:
    """The answer-length band of one prompt variant's requests under `max_tokens = cap`.

    With lengths learnt per length cue, each cue's requests are priced from this prompt's
    answers with that cue, else from this model's answers with that cue to any prompt, and a
    cue never seen gets the wide default band; the parts are weighted by their requests.
    A calibration from before cues has this prompt's lengths only (other prompts: default).
    """
    ceiling = info.max_completion_tokens
    if cal is None or not cal.knows_cues or size.cues is None or not size.rows:
        sample, own = cal.output_sample(size.fingerprint) if cal else (None, False)
        requests = size.rows * repeats
        return output_band(sample, own_prompt=own, cap=cap, ceiling=ceiling, requests=requests)
    counts = np.bincount(size.cues, minlength=len(CUES))
    parts = []
    for index, cue in enumerate(CUES):
        rows = int(counts[index])
        if not rows:
            continue
        sample, _ = cal.cue_sample(size.fingerprint, cue)
        # A cue's answers are this model's to that cue, whichever prompt asked: they stand
        # for this prompt's (own_prompt=True), unlike the pooled sample of every cue.
        band = output_band(
            sample,
            own_prompt=sample is not None,
            cap=cap,
            ceiling=ceiling,
            requests=rows * repeats,
        )
        parts.append((rows, band))
    return mixed_band(parts)


def _source(bands: Sequence[OutputBand]) -> str:
    sources = sorted({b.source for b in bands})
    return sources[0] if len(sources) == 1 else "mixed: " + ", ".join(sources)


def model_line(
    info: ModelInfo,
    sizes: Sequence[PromptSizes],
    cal: ModelCalibration | None,
    endpoints: Sequence[ProviderEndpoint] | None,
    inputs: LineInputs,
) -> tuple[LineEstimate, LaneLoad, list[tuple[np.ndarray, WorkGroup]]]:
    """The line, the duration load and the priced groups (for judges) of one model."""
    groups: list[tuple[np.ndarray, WorkGroup]] = []
    shares: list[float | None] = []  # per group: the share of its output that is reasoning
    for p, size in enumerate(sizes):
        # images and PDFs are priced by their priors, which calibration corrects: orkit's
        # own count has no idea how a server counts them (it would price a page at nothing)
        counted = inputs.counted and size.images is None
        prompt_error = (
            COUNTED_PROMPT_ERROR if counted else (0.05 if cal and cal.prompt_ratio else 0.2)
        )
        tokens = prompt_tokens(info, size, cal, counted)
        for k, params in enumerate(inputs.param_sets):
            share = inputs.hit_shares.get((p, k), 0.0)
            requests = size.rows * inputs.repeats
            band = answer_band(info, size, cal, output_cap(params), inputs.repeats)
            band, thinking = with_reasoning(band, info, params, output_cap(params), cal)
            shares.append(thinking)
            prices = _calibrated(price_band(info, endpoints, params), info, cal)
            chain = inputs.chains[k] if k < len(inputs.chains) else ()
            prices = chain_band(prices, [inputs.fallbacks[m] for m in chain], params)
            groups.append(
                (
                    tokens,
                    WorkGroup(
                        prompt_tokens=tokens,
                        multiplicity=inputs.repeats * (1.0 - share),
                        requests=requests,
                        cache_hits=requests * share,
                        output=band,
                        prices=prices,
                        prompt_error=prompt_error,
                    ),
                )
            )
    line, lane = _sum_line(info, cal, [g for _, g in groups], inputs, shares)
    return line, lane, groups


def _sum_line(
    info: ModelInfo,
    cal: ModelCalibration | None,
    groups: list[WorkGroup],
    inputs: LineInputs,
    shares: Sequence[float | None] = (),
) -> tuple[LineEstimate, LaneLoad]:
    costs = [group_cost(g) for g in groups]
    known = len(shares) == len(costs) and all(s is not None for s in shares)
    reasoning = sum(c.completion_tokens * (s or 0.0) for c, s in zip(costs, shares, strict=False))
    sent = sum(c.sent for c in costs)
    completion = sum(c.completion_tokens for c in costs)
    prompt = sum(c.prompt_tokens for c in costs)
    line = LineEstimate(
        model=info.id,
        role="model",
        requests=sum(g.requests for g in groups),
        cache_hits=round(sum(g.cache_hits for g in groups)),
        prompt_tokens=round(prompt),
        completion_tokens=round(completion),
        cost_low_usd=sum(c.low for c in costs),
        cost_expected_usd=sum(c.expected for c in costs),
        cost_high_usd=sum(c.high for c in costs),
        price_source=groups[0].prices.source if groups else "catalog",
        output_source=_source([g.output for g in groups]),
        free=info.is_free,
        # a router (`openrouter/auto`: "-1" in /models) bills the model it picks per request
        price_known=info.is_free or info.prompt_price is not None,
        reasoning_tokens=round(reasoning) if known and groups else None,
    )
    return line, _lane(info, cal, inputs, sent, prompt, completion)


def _lane(
    info: ModelInfo,
    cal: ModelCalibration | None,
    inputs: LineInputs,
    sent: float,
    prompt: float,
    completion: float,
) -> LaneLoad:
    scale = inputs.latency_scale
    ttft = cal.ttft_s if cal and cal.ttft_s is not None else DEFAULT_TTFT_S * scale
    tps = cal.tokens_per_s if cal and cal.tokens_per_s else DEFAULT_TOKENS_PER_S / max(scale, 1e-9)
    out_mean = completion / sent if sent else 0.0
    known = (inputs.limits or {}).get(info.id)
    rpm = getattr(known, "rpm", None) if known is not None else None
    tpm = getattr(known, "tpm", None) if known is not None else None
    fixed = getattr(known, "max_concurrency", None) if known is not None else None
    caps = [output_cap(p) for p in inputs.param_sets]
    booked = max((c for c in caps if c), default=out_mean)
    latency_s = ttft + out_mean / tps
    concurrency: float = min(fixed or inputs.concurrency, inputs.concurrency)
    if inputs.server_paced and cal is not None:
        # A local server's answers are often unstreamed (no TTFT to learn) and it serves
        # as many at once as it has slots, not as many as the run sends. Its time per
        # request is priced at this run's answer length, not at the learnt runs' mean.
        learnt = cal.service_time(out_mean)
        latency_s = learnt if learnt is not None else latency_s
        concurrency = min(concurrency, cal.capacity or concurrency)
    return LaneLoad(
        model=info.id,
        requests=sent,
        latency_s=latency_s,
        max_concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        tokens_per_request=(prompt / sent if sent else 0.0) + booked,
        free=info.is_free,
    )


def judge_calls_per_task(scorer: Any) -> int:
    """Requests an LLM-judge scorer makes per judged task (0: not a judge). Judges say it
    with `calls_per_task` (see `orkit.scorers`); `requests_per_item` is accepted too."""
    for name in ("calls_per_task", "requests_per_item"):
        value = getattr(scorer, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return 0


def judge_lines(
    judges: Sequence[tuple[Any, ModelInfo, ModelCalibration | None]],
    priced: Mapping[str, list[tuple[np.ndarray, WorkGroup]]],
    endpoints: Mapping[str, Sequence[ProviderEndpoint] | None],
    *,
    first_model: str,
    embedded: Mapping[str, tuple[np.ndarray, float]] | None = None,
) -> list[LineEstimate]:
    """Calls of LLM-judge scorers (`judge_model`, `calls_per_task`, `params`, `is_pairwise`,
    `baseline`): each judged task costs `calls_per_task` requests carrying the question,
    the answer (both answers for a pairwise judge) and `prompt_overhead_tokens` of rubric;
    `params.max_tokens` caps the verdicts. A pairwise judge does not judge its baseline.
    An embedding scorer (`judges_question=False`, e.g. `similar`) makes one request per task
    with the answer and no output; its expected texts are embedded once each per run:
    `embedded` gives their tokens by scorer name, with their relative error
    (`orkit.estimate._embed_texts`); without, each is counted as long as the answer."""
    lines = []
    for scorer, info, cal in judges:
        per_task = judge_calls_per_task(scorer)
        overhead = float(getattr(scorer, "prompt_overhead_tokens", JUDGE_PROMPT_OVERHEAD))
        params = getattr(scorer, "params", None) or {}
        pairwise = bool(getattr(scorer, "is_pairwise", False))
        baseline = getattr(scorer, "baseline", None) or first_model
        sample, own = cal.output_sample("judge:" + str(scorer.name)) if cal else (None, False)
        prices = _calibrated(price_band(info, endpoints.get(info.id), params), info, cal)
        groups = []
        embeds = not getattr(scorer, "judges_question", True)
        expected = (embedded or {}).get(str(scorer.name)) if embeds else None
        if expected is not None:
            texts, error = expected
            groups.append(embedded_texts_group(texts, error, prices))
        for model, candidate_groups in priced.items():
            if pairwise and model == baseline:
                continue
            for tokens, g in candidate_groups:
                answers = g.output.expected * (2 if pairwise else 1)
                requests = round(g.requests * per_task)
                band = output_band(
                    sample,
                    own_prompt=own,
                    cap=output_cap(params),
                    ceiling=info.max_completion_tokens,
                    requests=requests,
                )
                # An embedding scorer sends the answer (and the expected text, priced
                # below), not the question. It answers with vectors: no completion tokens.
                asked = tokens
                if embeds:
                    known = expected is not None
                    asked = np.full_like(tokens, 0.0 if known else answers, dtype=float)
                    band = OutputBand(0.0, 0.0, 0.0, "none: embeddings")
                groups.append(
                    WorkGroup(
                        prompt_tokens=asked + answers + overhead,
                        multiplicity=per_task * g.requests / max(1, tokens.size),
                        requests=requests,
                        cache_hits=0.0,
                        output=band,
                        prices=prices,
                        prompt_error=answers_spread(g) if embeds else max(g.prompt_error, 0.2),
                    )
                )
        if groups:
            no_inputs = LineInputs(param_sets=(), repeats=1, hit_shares={}, counted=False)
            line, _ = _sum_line(info, cal, groups, no_inputs)
            lines.append(replace(line, role="judge", scorer=str(scorer.name)))
    return lines
