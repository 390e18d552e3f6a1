"""An estimate's lines for models served through your own provider key (BYOK): OpenRouter
charges its fee on the provider's price, and the provider's own bill is shown apart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from orkit._format import usd
from orkit.cost import BYOK_FEE_RATE, LineEstimate, is_byok_model

__all__ = ["byok_lines", "byok_notes"]


def byok_lines(lines: Sequence[LineEstimate], byok: Sequence[str]) -> list[LineEstimate]:
    """Each line of a BYOK model (`is_byok_model`) as OpenRouter bills it: the band is the
    fee on the provider's price band, whose expected value (the provider's bill) the line
    keeps in `byok_upstream_usd`. Calibration learns the provider's price (a BYOK row's
    upstream cost), so the band it corrects is the provider's, and the fee follows it."""
    if not byok:
        return list(lines)
    return [
        replace(
            line,
            cost_low_usd=line.cost_low_usd * BYOK_FEE_RATE,
            cost_expected_usd=line.cost_expected_usd * BYOK_FEE_RATE,
            cost_high_usd=line.cost_high_usd * BYOK_FEE_RATE,
            byok_upstream_usd=line.cost_expected_usd,
        )
        if not line.free and is_byok_model(line.model, byok)
        else line
        for line in lines
    ]


def byok_notes(lines: Sequence[LineEstimate]) -> list[str]:
    """The estimate's note on its BYOK lines (none when it has none)."""
    mine = [line for line in lines if line.byok_upstream_usd is not None]
    if not mine:
        return []
    upstream = sum(line.byok_upstream_usd or 0.0 for line in mine)
    models = ", ".join(dict.fromkeys(line.model for line in mine))
    return [
        f"BYOK ({models}): the costs are OpenRouter's {BYOK_FEE_RATE:.0%} fee; your own "
        f"provider keys are expected to be billed {usd(upstream)} more"
    ]
