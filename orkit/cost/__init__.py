"""Cost truth (layer 2): token estimation per tokenizer family and orkit's own per-request
token count, price bands from the catalog
and the providers' endpoints, answer-length bands from calibration, the arithmetic and the
duration of an estimate, and the accounting of what a request cost when the response did not
say. `orkit.estimate` assembles these into `Sweep.estimate()`.

Examples:
    >>> from orkit.cost import family_of, measure_messages
    >>> size = measure_messages([{"role": "user", "content": "What is 2 + 2?"}])
    >>> round(family_of("GPT").prompt_tokens(size), 1)
    9.4

Public: the names in `__all__`, imported from `orkit.cost`; its `_` modules are internal.
"""

from __future__ import annotations

from orkit import _exports
from orkit.cost._accounting import (
    GenerationCost,
    cost_from_generation,
    cost_from_prices,
    is_insured,
)
from orkit.cost._arith import GroupCost, WorkGroup, group_cost
from orkit.cost._byok import BYOK_FEE_RATE, is_byok_model
from orkit.cost._caching import (
    CACHE_MIN_TOKENS,
    CACHE_TTL_S,
    CacheRates,
    CacheSplit,
    cache_rates,
    cache_split,
    first_wave,
    is_explicit_cache_model,
)
from orkit.cost._calibration import (
    ANY_PROMPT,
    SERVICE_SUMS,
    Calibration,
    ModelCalibration,
    Observation,
    OutputSample,
    sample_of,
)
from orkit.cost._count import COUNTED_PROMPT_ERROR, count_prompt_tokens, count_text_tokens
from orkit.cost._cues import CUES, answer_length_cue, answer_length_cue_index, cue_key
from orkit.cost._dearest import model_prices
from orkit.cost._duration import (
    DEFAULT_TOKENS_PER_S,
    DEFAULT_TTFT_S,
    Duration,
    FreeQuota,
    LaneLoad,
    plan_duration,
)
from orkit.cost._fill import fill_unknown_costs
from orkit.cost._learn import Lessons, learn_from_run
from orkit.cost._media import (
    IMAGE_TOKENS,
    PDF_PAGE_TOKENS,
    PDF_PAGES,
    count_media,
    image_weight,
    media_tokens,
)
from orkit.cost._output import (
    DEFAULT_OUTPUT_TOKENS,
    OutputBand,
    mixed_band,
    output_band,
)
from orkit.cost._prices import (
    PriceBand,
    PriceOverride,
    Rates,
    dearest_factors,
    price_band,
    price_overrides,
)
from orkit.cost._reasoning import (
    EFFORT_SHARE,
    UNCAPPED_TOKENS,
    reasoning_prior,
    with_reasoning,
)
from orkit.cost._result import (
    Estimate,
    LineEstimate,
    budget_verdict,
    format_duration,
)
from orkit.cost._tokens import FAMILIES, TextSize, TokenizerFamily, family_of, measure_messages
from orkit.cost._worst_case import Prices, dearest_of_chain, worst_case_usd

__all__ = [
    "ANY_PROMPT",
    "BYOK_FEE_RATE",
    "CACHE_MIN_TOKENS",
    "CACHE_TTL_S",
    "COUNTED_PROMPT_ERROR",
    "CUES",
    "DEFAULT_OUTPUT_TOKENS",
    "DEFAULT_TOKENS_PER_S",
    "DEFAULT_TTFT_S",
    "EFFORT_SHARE",
    "FAMILIES",
    "IMAGE_TOKENS",
    "PDF_PAGES",
    "PDF_PAGE_TOKENS",
    "SERVICE_SUMS",
    "UNCAPPED_TOKENS",
    "CacheRates",
    "CacheSplit",
    "Calibration",
    "Duration",
    "Estimate",
    "FreeQuota",
    "GenerationCost",
    "GroupCost",
    "LaneLoad",
    "Lessons",
    "LineEstimate",
    "ModelCalibration",
    "Observation",
    "OutputBand",
    "OutputSample",
    "PriceBand",
    "PriceOverride",
    "Prices",
    "Rates",
    "TextSize",
    "TokenizerFamily",
    "WorkGroup",
    "answer_length_cue",
    "answer_length_cue_index",
    "budget_verdict",
    "cache_rates",
    "cache_split",
    "cost_from_generation",
    "cost_from_prices",
    "count_media",
    "count_prompt_tokens",
    "count_text_tokens",
    "cue_key",
    "dearest_factors",
    "dearest_of_chain",
    "family_of",
    "fill_unknown_costs",
    "first_wave",
    "format_duration",
    "group_cost",
    "image_weight",
    "is_byok_model",
    "is_explicit_cache_model",
    "is_insured",
    "learn_from_run",
    "measure_messages",
    "media_tokens",
    "mixed_band",
    "model_prices",
    "output_band",
    "plan_duration",
    "price_band",
    "price_overrides",
    "reasoning_prior",
    "sample_of",
    "with_reasoning",
    "worst_case_usd",
]

_exports.publish(globals())
