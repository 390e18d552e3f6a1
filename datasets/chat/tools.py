"""The mocked tools of `tools.toml`: what the model's calls return (no network; a real
agent would call a weather service and a currency API here)."""

from __future__ import annotations

_SKIES = {"Paris": "rain", "Oslo": "snow", "Lima": "cloudy", "Cairo": "sunny"}
_EUR_RATES = {"USD": 1.08, "JPY": 162.0, "GBP": 0.85}


def get_weather(city: str) -> dict[str, object]:
    """Today's sky in `city` (canned)."""
    return {"city": city, "sky": _SKIES.get(city, "unknown")}


def convert_currency(amount: float, currency: str) -> dict[str, object]:
    """`amount` euros in `currency`, at a fixed rate."""
    rate = _EUR_RATES.get(currency)
    if rate is None:
        raise ValueError(f"no rate for {currency}")
    return {"amount": round(amount * rate, 2), "currency": currency}
