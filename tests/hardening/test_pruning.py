"""Nothing grows forever (issue 29): delivery claims and used signatures are pruned on the
schedule once past their replay window; claims that say something happened once stay."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot.plumbing.signing import signature_headers
from bot.sandbox.cast import INCIDENTS
from bot.sandbox.stack import SandboxStack
from bot.store import tables

from .conftest import CHANGES_SECRET, post


async def claims(stack: SandboxStack) -> list[str]:
    p = tables.processed_events
    async with stack.services.db.connect() as conn:
        return sorted((await conn.execute(select(p.c.event_id))).scalars())


async def test_claims_past_their_window_are_pruned_and_the_rest_kept(
    stack: SandboxStack,
) -> None:
    await stack.declare("Offerte sparite")  # a signed command, events, a set-up claim
    await stack.driver.message("U01MARCO", INCIDENTS, "anyone else seeing this?")
    body = json.dumps(
        {"id": "ci-1", "service": "web", "version": "v121", "deployed_at": "2025-04-30T08:38:00Z"}
    ).encode()
    headers = {"Content-Type": "application/json", **signature_headers(CHANGES_SECRET, body)}
    assert (await post(stack, "/changes", body, headers)).status_code == 201
    await stack.idle()
    first = await claims(stack)
    assert any(k.startswith("sig:") for k in first)
    assert any(k.startswith("Ev") for k in first)
    kept = [k for k in first if not k.startswith(("sig:", "Ev"))]

    stack.clock.advance(timedelta(minutes=5))
    await stack.services.schedules.run_due()
    assert await claims(stack) == first  # still inside the window

    stack.clock.advance(timedelta(minutes=11))
    await stack.services.schedules.run_due()
    after_signatures = await claims(stack)
    assert [k for k in after_signatures if k.startswith("sig:")] == []
    assert [k for k in after_signatures if k.startswith("Ev")]  # Slack may still retry these

    stack.clock.advance(timedelta(hours=1))
    await stack.services.schedules.run_due()
    assert await claims(stack) == kept
    # Real Slack and CI time has not moved here: a replay passes the timestamp check, and the
    # change is still recorded once, by its id.
    again = await post(stack, "/changes", body, headers)
    assert again.json() == {"recorded": False, "reason": "already recorded"}
