from __future__ import annotations

import anyio
import pytest

from orkit.batch import Budget
from orkit.cost import Prices, worst_case_usd
from orkit.types import ChatRequest


def req(content: str, **params: object) -> ChatRequest:
    return ChatRequest(model="a/b", messages=[{"role": "user", "content": content}], params=params)


def test_worst_case_counts_every_prompt_byte_and_the_whole_answer() -> None:
    p = Prices(prompt=1e-6, completion=2e-6, request=1e-4, max_completion_tokens=1000)
    assert worst_case_usd(req("héllo", max_tokens=10), p) == pytest.approx(
        (6 + 8) * 1e-6 + 10 * 2e-6 + 1e-4
    )
    # without max_tokens: the model's longest answer
    assert worst_case_usd(req("x"), p) == pytest.approx((1 + 8) * 1e-6 + 1000 * 2e-6 + 1e-4)


async def test_reservations_wait_for_room_and_give_up_when_none_can_come() -> None:
    b = Budget(1.0)
    assert await b.reserve(0.6)
    got: list[bool] = []

    async def second() -> None:
        got.append(await b.reserve(0.6))

    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        await anyio.wait_all_tasks_blocked()  # `second` is waiting, not just not started
        assert got == []  # waiting: 0.6 in flight might cost less
        b.settle(0.6, 0.3)
    assert got == [True]
    assert b.spent_usd + b.reserved_usd == pytest.approx(0.9)
    b.settle(0.6, None)  # unknown cost counts as the whole reservation
    assert b.spent_usd == pytest.approx(0.9)
    with anyio.fail_after(1):
        assert not await b.reserve(0.2)  # nothing in flight and it cannot fit: skip
        assert await b.reserve(0.1)


async def test_float_residue_never_blocks_a_budget() -> None:
    b = Budget(1.0)
    amounts = [0.1, 0.2, 0.7, 0.3, 1e-9, 0.15]
    for a in amounts:
        assert await b.reserve(a / 10)
    for a in amounts:
        b.settle(a / 10, a / 20)
    with anyio.fail_after(1):
        assert not await b.reserve(10.0)  # returns at once: nothing is in flight
