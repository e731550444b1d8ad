"""Opsgenie end to end, and the minute-by-minute poll that stands in for a webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

from .conftest import ANNOUNCE, GENIE_KEY, GIULIA_PD, LUCA, FakeOpsgenie, FakePagerDuty, at
from .test_paging_slack import KEY, board, said

StackFactory = Any


@pytest.fixture
def og_stack(
    monkeypatch: pytest.MonkeyPatch, start_stack: StackFactory, opsgenie: FakeOpsgenie
) -> StackFactory:
    monkeypatch.setenv("OPSGENIE_API_KEY", GENIE_KEY)

    async def make(**paging: Any) -> SandboxStack:
        settings = {
            "provider": "opsgenie",
            "schedules": ["Primary"],
            "auto_page": ["sev2"],
            "api_url": opsgenie.url,
            "backoff_seconds": 0.01,
            **paging,
        }
        return await start_stack({"paging": settings})

    return make


async def test_opsgenie_alert_acknowledged_by_poll_and_closed_on_resolve(
    og_stack, opsgenie: FakeOpsgenie, clock: ManualClock
) -> None:
    stack = await og_stack()
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id
    assert channel
    creates = [s for s in opsgenie.requests("POST") if s.path == "/v2/alerts"]
    assert list(opsgenie.alerts) == [KEY]  # one alert, whatever the network retried
    create = creates[0]
    assert create.headers["Authorization"] == f"GenieKey {GENIE_KEY}"
    assert create.json["alias"] == KEY
    assert create.json["priority"] == "P2"
    assert create.json["responders"] == [{"name": "Primary", "type": "schedule"}]
    assert "<@U02GIULIA> on call · not acknowledged yet" in await board(stack)

    opsgenie.acknowledge(KEY, "giulia@sandbox.example", timedelta(minutes=4))
    clock.advance(timedelta(minutes=1))
    assert stack.services is not None
    assert await stack.services.schedules.run_due() == 1
    await stack.idle()
    assert ":ok_hand: <@U02GIULIA> acknowledged the page, 4 min after it was sent." in said(
        stack, channel
    )
    assert "acknowledged 10:44" in await board(stack)
    clock.advance(timedelta(minutes=1))
    await stack.services.schedules.run_due()  # polled again: nothing new
    entries = await stack.services.timeline.entries(incident.id)
    assert (
        len([e for e in entries if e.kind is EntryKind.page and e.data["event"] == "acknowledged"])
        == 1
    )

    await stack.run(channel, "resolve")
    [close] = [s for s in opsgenie.requests("POST") if s.path.endswith("/close")]
    assert close.path == f"/v2/alerts/{KEY}/close"
    assert opsgenie.alerts[KEY]["status"] == "closed"
    assert opsgenie.problems == []


async def test_opsgenie_oncall_now_and_next(og_stack, opsgenie: FakeOpsgenie) -> None:
    stack = await og_stack()
    await stack.run(ANNOUNCE, "oncall", user=LUCA)
    answers = [e.text for e in stack.sandbox.ephemerals(LUCA, ANNOUNCE)]
    assert "*Who is on call*\n• *Primary*: now <@U02GIULIA>, next <@U03LUCA>" in answers


async def test_an_opsgenie_refusal_is_shown_with_its_reason(
    og_stack, opsgenie: FakeOpsgenie
) -> None:
    stack = await og_stack()
    opsgenie.oncall.pop("Primary")
    incident = await stack.declare("x" * 140)  # longer than Opsgenie's 130: we cut it
    assert incident.channel_id
    [create] = [s for s in opsgenie.requests("POST") if s.path == "/v2/alerts"]
    assert len(create.json["message"]) == 130
    assert ":rotating_light: Paged the on-call person of Primary through Opsgenie." in said(
        stack, incident.channel_id
    )


async def test_a_wrong_opsgenie_key_is_named_in_the_channel_and_nothing_is_paged(
    og_stack, opsgenie: FakeOpsgenie, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSGENIE_API_KEY", "not-the-key")
    stack = await og_stack()
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id or ""
    failures = [t for t in said(stack, channel) if t.startswith(":x: The page")]
    assert failures == [
        ":x: The page to Opsgenie failed: 401 from Opsgenie: Key format is not valid!."
        " Nothing was sent; try again with `/incident page`."
    ]
    assert opsgenie.alerts == {}
    assert "Page failed" in await board(stack)
    assert stack.services is not None
    errors = [e for e in await stack.services.timeline.entries(1) if e.kind is EntryKind.error]
    assert [e.data["error"] for e in errors] == ["page_failed"]
    assert "not-the-key" not in str([e.text for e in errors])


async def test_pagerduty_without_a_webhook_secret_is_polled(
    pd_stack, pagerduty: FakePagerDuty, clock: ManualClock
) -> None:
    stack = await pd_stack(webhook=False)
    incident = await stack.declare("Offerte sparite")
    assert incident.channel_id
    assert stack.services is not None
    pagerduty.acknowledge(KEY, GIULIA_PD, at(10, 44))
    clock.advance(timedelta(minutes=1))
    assert await stack.services.schedules.run_due() == 1
    await stack.idle()
    assert ":ok_hand: <@U02GIULIA> acknowledged the page, 4 min after it was sent." in said(
        stack, incident.channel_id
    )
    [_incidents] = [s for s in pagerduty.requests("GET") if s.path == "/incidents"]
