"""A local server's `/v1/embeddings` (llama.cpp with `--embeddings`, vLLM serving an
embedding model), as the emulator's local mode answers it: OpenAI's shape, token counts
without a cost; and the `similar` scorer against it, whose cost is unknown, never $0."""

from __future__ import annotations

import json
import math
from pathlib import Path

import anyio
import httpx
import pytest

from orkit import Run, Sweep
from orkit.api import run_sweep_async
from orkit.client import AsyncOpenRouter
from orkit.scorers import exact
from orkit.sim import ModelProfile, SimConfig, create_app, serve_in_thread
from orkit.sim.tokenizer import count_tokens

CHAT = "openai/gpt-4o-mini"
EMBED = "baai/bge-m3"  # BAAI/bge-m3 on vLLM


def local_config() -> SimConfig:
    return SimConfig(
        time_scale=0.0,
        seed=4,
        local_server=True,
        models={CHAT: ModelProfile(), EMBED: ModelProfile()},
    )


async def test_the_local_server_answers_in_openais_shape_without_a_cost() -> None:
    app = create_app(local_config())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://local") as http:
        texts = ["Paris", "banana"]
        ok = await http.post("/v1/embeddings", json={"model": EMBED, "input": texts})
        missing = await http.post("/v1/embeddings", json={"model": "x/unknown", "input": "a"})
    assert ok.status_code == 200
    body = ok.json()
    tokens = sum(count_tokens(t) for t in texts)
    assert body["usage"] == {"prompt_tokens": tokens, "total_tokens": tokens}  # no cost
    assert body["object"] == "list" and body["model"] == EMBED
    assert [d["index"] for d in body["data"]] == [0, 1]
    vector = body["data"][0]["embedding"]
    assert len(vector) == 1024  # its published size
    assert math.isclose(math.fsum(x * x for x in vector), 1.0)
    assert missing.status_code == 404 and "does not exist" in missing.text


async def test_the_client_reads_its_cost_as_unknown() -> None:
    transport = httpx.ASGITransport(app=create_app(local_config()))
    base = "http://local/v1"
    async with AsyncOpenRouter(base_url=base, http_transport=transport) as client:
        result = await client.embed(EMBED, ["Paris"])
    assert len(result.vectors) == 1 and result.prompt_tokens == count_tokens("Paris")
    assert result.cost_usd is None  # unknown: a local server bills nobody, never $0


def test_similar_scores_a_run_on_a_local_server(tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    rows = [
        {"id": f"q{i}", "question": f"What is {i} + 5?", "answer": str(i + 5)} for i in range(6)
    ]
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with serve_in_thread(local_config()) as url:
        sweep = Sweep(
            dataset=str(items),
            models=[CHAT],
            prompt="{{ question }}",
            params={"max_tokens": 8, "temperature": 0},
            endpoint=url,
            out=str(tmp_path / "runs"),
            scorers=[exact(), {"kind": "similar", "expected": "answer", "model": EMBED}],
        )
        run = Run(anyio.run(lambda: run_sweep_async(sweep)))
    scores = run.scores()
    similar = scores[scores["scorer"] == "similar"]
    assert len(similar) == 6 and similar["score"].notna().all()
    sent = similar[similar["judge_calls"] > 0]
    assert len(sent) > 0 and sent["judge_cost_usd"].isna().all()  # unknown, never 0
    assert set(sent["judge_cost_source"]) == {"unknown"}
    judges = run.manifest["judges"]
    assert judges["cost_unknown_rows"] == len(sent)
    exacts = scores[scores["scorer"] == "exact"].set_index("task_key")["score"]
    for _, row in similar.iterrows():  # an exactly right answer is the same text: cosine 1
        if exacts[row["task_key"]] == 1:
            assert row["score"] == pytest.approx(1.0)
