"""Deterministic filler text for prompts no solver recognises.

Sentences of 6-16 words drawn from a fixed word list with a `random.Random` seeded from the
request's hash, so the same request always reads the same. Generation stops once the text
reaches the wanted number of tokens (the emulator's tokenizer), then the caller cuts it at
`max_tokens`.
"""

from __future__ import annotations

import random

from orkit.sim.tokenizer import count_tokens

__all__ = ["filler"]

_TEXT = (
    "the model answers each question with care and a short explanation of its reasoning "
    "while the data shows a clear pattern across many runs in practice most results depend "
    "on the prompt the temperature and the provider that served the request latency varies "
    "with load so a careful evaluation repeats every item several times and reports the "
    "spread as well as the mean cost grows with the number of tokens in the prompt and in "
    "the completion which is why shorter prompts often win on price without losing accuracy "
    "benchmarks help compare systems but real workloads reveal different strengths such as "
    "robustness to unusual inputs consistent formatting and graceful handling of errors"
)
_WORDS = tuple(_TEXT.split())


def filler(seed_value: float, tokens: int) -> str:
    """About `tokens` tokens of plausible prose, fully determined by `seed_value`."""
    rng = random.Random(seed_value)
    sentences: list[str] = []
    total = 0
    while total < tokens:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
        sentence = " ".join(words).capitalize() + "."
        sentences.append(sentence)
        total += count_tokens(sentence)
    return " ".join(sentences)
