"""Generate `datasets/demo/items.jsonl`: ~300 questions the orkit emulator can answer.

Deterministic (fixed seed, stdlib only): running it again rewrites the same file. Each line
is `{"id", "kind", "question", "answer"}` where `question` is exactly a form the emulator's
solvers recognise (see `orkit/sim/solvers/__init__.py`) and `answer` is the exact output of
a correct model: integers plainly (`-7`), capitals as spelled in
`orkit/sim/solvers/capitals.json`, JSON answers as compact JSON (`{"name":"Alice","age":30}`).

Usage: python datasets/demo/make_demo.py [OUTPUT]
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAPITALS = HERE.parents[1] / "orkit" / "sim" / "solvers" / "capitals.json"
SEED = 20260819

Item = dict[str, str]

_NAMES = (
    "Alice",
    "Bob",
    "Carol",
    "Dmitri",
    "Elena",
    "Farah",
    "Goran",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Leila",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tariq",
)
_CITIES = (
    "Lisbon",
    "Berlin",
    "Toronto",
    "Nairobi",
    "Osaka",
    "Lyon",
    "Denver",
    "Krakow",
    "Buenos Aires",
    "New York",
    "San Diego",
    "Cape Town",
)
_WORDS = (
    "hello",
    "orkit",
    "router",
    "benchmark",
    "latency",
    "python",
    "stream",
    "token",
    "gradient",
    "notebook",
    "parquet",
    "emulator",
    "fallback",
    "provider",
    "sweep",
    "quota",
)
_PHRASES = (
    "mixed Case text",
    "Hello World",
    "open router",
    "batch of prompts",
    "Cost And Latency",
    "tokens per second",
    "Zero Data Retention",
    "rate limit",
    "free tier",
    "json output",
)
_SENTENCES = (
    "the quick brown fox jumps over the lazy dog",
    "evaluation needs many repeated samples",
    "cheap models are sometimes good enough",
    "latency matters for interactive use",
    "a cache saves both time and money",
    "every answer should be checked",
)


def _arithmetic(rng: random.Random) -> Iterator[tuple[str, int]]:
    templates: list[Callable[[int, int, int], tuple[str, int]]] = [
        lambda a, b, c: (f"What is {a} + {b}?", a + b),
        lambda a, b, c: (f"What is {a} - {b * 3}?", a - b * 3),
        lambda a, b, c: (f"What is {a % 40 + 2} * {c}?", (a % 40 + 2) * c),
        lambda a, b, c: (f"Compute {c} * ({a} + {b}).", c * (a + b)),
        lambda a, b, c: (f"Calculate {a * c} / {c}.", a),
        lambda a, b, c: (f"Evaluate ({a} - {b}) * {c} + {b}.", (a - b) * c + b),
    ]
    for index in range(90):
        a, b, c = rng.randint(10, 199), rng.randint(3, 99), rng.randint(2, 12)
        yield templates[index % len(templates)](a, b, c)


def _capitals(rng: random.Random) -> Iterator[tuple[str, str]]:
    rows = json.loads(CAPITALS.read_text(encoding="utf-8"))
    with_the = {
        "United States",
        "United Kingdom",
        "Netherlands",
        "Philippines",
        "United Arab Emirates",
        "Czech Republic",
    }
    for row in rng.sample(rows, 80):
        country = row["country"]
        article = "the " if country in with_the else ""
        yield f"What is the capital of {article}{country}?", row["capital"]


def _strings(rng: random.Random) -> Iterator[tuple[str, str]]:
    for word in [*rng.sample(_WORDS, 16), "strawberry", "level"]:
        yield f"Reverse the string: {word}", word[::-1]
    for phrase in _PHRASES:
        yield f"Convert to uppercase: {phrase}", phrase.upper()
    for phrase in [*rng.sample(_PHRASES, 4), "SHOUTING Words", "ORKIT"]:
        yield f"Convert to lowercase: {phrase}", phrase.lower()
    for word in [*rng.sample(_WORDS, 14), "strawberry", "bookkeeper"]:
        letter = rng.choice(sorted(set(word)))
        yield (
            f'How many times does the letter "{letter}" appear in "{word}"?',
            str(word.count(letter)),
        )
    for sentence in _SENTENCES * 2:
        words = sentence.split()
        chosen = " ".join(words[: rng.randint(3, len(words))])
        yield f'How many words are in: "{chosen}"?', str(len(chosen.split()))
    for phrase in rng.sample(_PHRASES, 8):
        yield f'How many characters are in: "{phrase}"?', str(len(phrase))


def _extraction(rng: random.Random) -> Iterator[tuple[str, str]]:
    def dump(record: dict[str, object]) -> str:
        return json.dumps(record, separators=(",", ":"))

    for index in range(60):
        name, age, city = rng.choice(_NAMES), rng.randint(18, 90), rng.choice(_CITIES)
        if index % 4 < 2:
            sentence, keys = f"{name} is {age} years old.", "name and age"
            answer = dump({"name": name, "age": age})
        elif index % 4 == 2:
            sentence, keys = f"{name} lives in {city}.", "name and city"
            answer = dump({"name": name, "city": city})
        else:
            sentence, keys = f"{name} is {age} years old and lives in {city}.", "name, age and city"
            answer = dump({"name": name, "age": age, "city": city})
        yield f'Extract the {keys} from: "{sentence}" Reply with JSON with keys {keys}.', answer


def build() -> list[Item]:
    """All demo items, in a fixed order."""
    rng = random.Random(SEED)
    groups = [
        ("arith", "arithmetic", _arithmetic(rng)),
        ("capital", "capital", _capitals(rng)),
        ("string", "string", _strings(rng)),
        ("json", "json", _extraction(rng)),
    ]
    items: list[Item] = []
    for prefix, kind, pairs in groups:
        for number, (question, answer) in enumerate(pairs, start=1):
            item_id = f"{prefix}-{number:03d}"
            items.append({"id": item_id, "kind": kind, "question": question, "answer": str(answer)})
    return items


def main(argv: list[str]) -> int:
    """Write the items as JSON lines."""
    out = Path(argv[1]) if len(argv) > 1 else HERE / "items.jsonl"
    lines = [json.dumps(item, ensure_ascii=False) for item in build()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
