"""Health never waits on Slack (issue 29): `/healthz` answers from the last known state while
one background `auth.test` at most every 30 s (shared by all callers) refreshes it."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx

from bot.sandbox.faults import error, slow
from bot.sandbox.stack import SandboxStack


async def checks(stack: SandboxStack, n: int) -> list[tuple[httpx.Response, float]]:
    async with httpx.AsyncClient(timeout=10) as client:

        async def one() -> tuple[httpx.Response, float]:
            started = time.monotonic()
            answer = await client.get(stack.health_url)
            return answer, time.monotonic() - started

        return await asyncio.gather(*(one() for _ in range(n)))


def auth_tests(stack: SandboxStack) -> int:
    return len(stack.sandbox.calls_to("auth.test"))


async def test_twenty_checks_under_a_slow_slack_answer_at_once_with_one_probe(
    stack: SandboxStack,
) -> None:
    await stack.idle()
    before = auth_tests(stack)
    stack.sandbox.faults.add("auth.test", slow(1.5))

    answers = await checks(stack, 20)

    assert all(a.status_code == 200 for a, _ in answers)
    assert max(took for _, took in answers) < 1.0  # the slow probe is not waited on
    assert {a.json()["slack"] for a, _ in answers} == {"unknown"}
    assert {a.json()["slack_checked_seconds_ago"] for a, _ in answers} == {None}
    await stack.idle()  # the one probe lands
    assert auth_tests(stack) == before + 1

    [(after, _)] = await checks(stack, 1)
    assert after.json()["slack"] == "ok"
    assert after.json()["slack_checked_seconds_ago"] == 0
    await stack.idle()
    assert auth_tests(stack) == before + 1  # within 30 s: no new probe


async def test_the_state_is_refreshed_every_30_s_and_says_how_old_it_is(
    stack: SandboxStack,
) -> None:
    await checks(stack, 1)
    await stack.idle()
    before = auth_tests(stack)
    stack.sandbox.faults.add("auth.test", error("invalid_auth"))
    stack.clock.advance(timedelta(seconds=29))

    [(early, _)] = await checks(stack, 1)
    await stack.idle()
    assert (early.json()["slack"], early.json()["slack_checked_seconds_ago"]) == ("ok", 29)
    assert auth_tests(stack) == before

    stack.clock.advance(timedelta(seconds=1))
    [(due, _)] = await checks(stack, 1)
    await stack.idle()
    [(later, _)] = await checks(stack, 1)

    assert (due.json()["slack"], due.json()["slack_checked_seconds_ago"]) == ("ok", 30)
    assert (later.json()["slack"], later.json()["slack_checked_seconds_ago"]) == (
        "invalid_auth",
        0,
    )
    assert auth_tests(stack) == before + 1
