"""Provider endpoints: the real provider names and slugs the emulator serves models from.

Each model gets 1-3 providers drawn deterministically from the pools below (a model's own
lab first where it hosts its models, then inference hosts for open weights). Provider
traits (native finish-reason style, quantization, data policy, speed) follow what the real
providers report on OpenRouter, roughly.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import NamedTuple

from orkit.sim._hashing import unit, unit_range
from orkit.sim.config import ProviderProfile

__all__ = ["default_providers", "finish_style", "system_fingerprint"]


class _Host(NamedTuple):
    name: str
    slug: str
    quantization: str
    data_collection: str
    zdr: bool
    latency: float
    speed: float


_HOSTS = MappingProxyType(
    {
        host.slug: host
        for host in (
            _Host("OpenAI", "openai", "unknown", "deny", True, 1.0, 1.0),
            _Host("Azure", "azure", "unknown", "deny", True, 1.1, 0.9),
            _Host("Anthropic", "anthropic", "unknown", "deny", True, 1.0, 1.0),
            _Host("Amazon Bedrock", "amazon-bedrock", "unknown", "deny", True, 1.2, 0.9),
            _Host("Google", "google-vertex", "unknown", "deny", True, 1.1, 1.0),
            _Host("Google AI Studio", "google-ai-studio", "unknown", "allow", False, 0.9, 1.1),
            _Host("xAI", "xai", "unknown", "deny", True, 1.0, 1.0),
            _Host("Mistral", "mistral", "unknown", "deny", False, 0.8, 1.2),
            _Host("DeepSeek", "deepseek", "fp8", "allow", False, 1.5, 0.6),
            _Host("Alibaba", "alibaba", "unknown", "deny", False, 1.2, 0.9),
            _Host("Moonshot AI", "moonshotai", "unknown", "allow", False, 1.3, 0.8),
            _Host("Z.AI", "z-ai", "unknown", "allow", False, 1.3, 0.8),
            _Host("Cohere", "cohere", "unknown", "deny", False, 1.0, 1.0),
            _Host("Perplexity", "perplexity", "unknown", "deny", False, 1.4, 1.0),
            _Host("Minimax", "minimax", "fp8", "allow", False, 1.3, 0.9),
            _Host("NVIDIA", "nvidia", "fp8", "allow", False, 1.0, 1.3),
            _Host("DeepInfra", "deepinfra", "fp8", "deny", False, 1.0, 1.0),
            _Host("Together", "together", "fp8", "deny", True, 0.9, 1.2),
            _Host("Fireworks", "fireworks", "fp8", "deny", True, 0.8, 1.4),
            _Host("Groq", "groq", "fp16", "deny", True, 0.5, 3.0),
            _Host("Cerebras", "cerebras", "fp16", "deny", True, 0.5, 5.0),
            _Host("Novita", "novita", "fp8", "deny", False, 1.2, 0.9),
            _Host("Parasail", "parasail", "fp8", "deny", True, 1.0, 1.1),
            _Host("SiliconFlow", "siliconflow", "fp8", "allow", False, 1.4, 0.8),
            _Host("Nebius", "nebius", "fp8", "deny", False, 1.1, 1.0),
            _Host("Baseten", "baseten", "fp4", "deny", True, 0.7, 1.8),
            _Host("Chutes", "chutes", "bf16", "allow", False, 1.6, 0.7),
            _Host("Venice", "venice", "fp8", "allow", False, 1.5, 0.8),
        )
    }
)

# The lab's own endpoints for its models, in the order OpenRouter usually lists them.
_NATIVE = MappingProxyType(
    {
        "openai": ("openai", "azure"),
        "anthropic": ("anthropic", "amazon-bedrock", "google-vertex"),
        "google": ("google-ai-studio", "google-vertex"),
        "x-ai": ("xai",),
        "mistralai": ("mistral",),
        "deepseek": ("deepseek",),
        "qwen": ("alibaba",),
        "moonshotai": ("moonshotai",),
        "z-ai": ("z-ai",),
        "cohere": ("cohere",),
        "amazon": ("amazon-bedrock",),
        "perplexity": ("perplexity",),
        "minimax": ("minimax",),
        "nvidia": ("nvidia",),
    }
)
# Labs whose weights are closed: no third-party inference hosts.
_CLOSED = frozenset({"openai", "anthropic", "google", "x-ai", "cohere", "amazon", "perplexity"})
_OPEN_HOSTS = (
    "deepinfra",
    "together",
    "fireworks",
    "groq",
    "cerebras",
    "novita",
    "parasail",
    "siliconflow",
    "nebius",
    "baseten",
    "chutes",
    "venice",
)
_FREE_HOSTS = ("chutes", "venice")
# Parameters a secondary endpoint may not support (so `require_parameters` means something).
_OPTIONAL_PARAMS = (
    "logprobs",
    "top_logprobs",
    "top_k",
    "min_p",
    "repetition_penalty",
    "structured_outputs",
    "logit_bias",
    "seed",
)


def default_providers(model_id: str, supported: Sequence[str]) -> tuple[ProviderProfile, ...]:
    """The derived provider list of a model: deterministic in the model id."""
    slugs = _pick_slugs(model_id)
    profiles = []
    for rank, slug in enumerate(slugs):
        host = _HOSTS[slug]
        params = tuple(supported) if rank == 0 else _thin(model_id, slug, supported)
        profiles.append(
            ProviderProfile(
                name=host.name,
                slug=host.slug,
                latency_factor=round(host.latency * unit_range(0.8, 1.25, model_id, slug, "l"), 2),
                speed_factor=round(host.speed * unit_range(0.8, 1.25, model_id, slug, "s"), 2),
                quantization=host.quantization,
                price_multiplier=1.0 if rank == 0 else _secondary_price(model_id, slug),
                data_collection=host.data_collection,
                zdr=host.zdr,
                supported_parameters=params,
                uptime_pct=round(unit_range(97.0, 100.0, model_id, slug, "u"), 2),
            )
        )
    return tuple(profiles)


def _pick_slugs(model_id: str) -> list[str]:
    author = model_id.split("/")[0].lstrip("~")
    native = list(_NATIVE.get(author, ()))
    if model_id.endswith(":free"):
        if author in ("google", "nvidia"):
            return native[:1]
        return [_FREE_HOSTS[int(unit(model_id, "free") * len(_FREE_HOSTS))]]
    if author in _CLOSED:
        count = 1 + int(unit(model_id, "count") * len(native))
        return native[:count]
    start = int(unit(model_id, "hosts") * len(_OPEN_HOSTS))
    wanted = 1 + int(unit(model_id, "count") * 3)
    hosts = [_OPEN_HOSTS[(start + 3 * i) % len(_OPEN_HOSTS)] for i in range(3)]
    return (native[:1] + hosts)[:wanted]


def _thin(model_id: str, slug: str, supported: Sequence[str]) -> tuple[str, ...]:
    dropped = {p for p in _OPTIONAL_PARAMS if unit(model_id, slug, p) < 0.35}
    return tuple(p for p in supported if p not in dropped)


def _secondary_price(model_id: str, slug: str) -> float:
    return round(unit_range(0.85, 1.4, model_id, slug, "price"), 2)


def finish_style(slug: str) -> str:
    """How a provider spells native finish reasons: `openai`, `google` or `anthropic`."""
    if slug.startswith("google"):
        return "google"
    if slug in ("anthropic", "amazon-bedrock"):
        return "anthropic"
    return "openai"


def system_fingerprint(model_id: str, slug: str) -> str | None:
    """OpenAI-hosted endpoints report a fingerprint; others report none (null)."""
    if slug not in ("openai", "azure"):
        return None
    return "fp_" + format(int(unit(model_id, slug, "fp") * (1 << 40)), "010x")
