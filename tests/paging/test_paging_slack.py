"""Paging end to end: the bot over Slack's requests, PagerDuty on loopback, a manual clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.models import EntryKind
from bot.paging.models import Target
from bot.sandbox.pagerduty import deliver as post_webhook
from bot.sandbox.pagerduty import signature, webhook_event
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock
from handlers.paging import PAGE_CONFIRM

from .conftest import (
    ANNOUNCE,
    GIULIA,
    GIULIA_PD,
    LUCA,
    LUCA_PD,
    MARCO,
    SCHEDULE,
    WEBHOOK_SECRET,
    FakePagerDuty,
    PdUser,
    at,
)

pytestmark = pytest.mark.transports("http", "socket")

KEY = "outagebot-INC-1"


def said(stack: SandboxStack, channel: str) -> list[str]:
    return [m.text or "" for m in stack.sandbox.messages(channel)]


async def board(stack: SandboxStack) -> str:
    assert stack.services is not None
    incident = await stack.services.incidents.get(1)
    assert incident.channel_id
    assert incident.status_ts
    message = next(
        m for m in stack.sandbox.messages(incident.channel_id) if m.ts == incident.status_ts
    )
    return json.dumps(message.blocks, ensure_ascii=False)


async def page_entries(stack: SandboxStack) -> list[Any]:
    assert stack.services is not None
    return [e for e in await stack.services.timeline.entries(1) if e.kind is EntryKind.page]


def webhook_body(event_type: str, user: PdUser, when: datetime, id: str = "E1") -> bytes:
    return webhook_event(event_type, KEY, user, when, id)


async def deliver(stack: SandboxStack, body: bytes, signed: str) -> httpx.Response:
    url = stack.health_url.removesuffix("/healthz") + "/pagerduty"
    reply = await post_webhook(url, WEBHOOK_SECRET, body, signed)
    await stack.idle()
    return reply


def sign(secret: bytes, body: bytes) -> str:
    return signature(secret.decode(), body)


async def test_the_outage_day_pages_once_shows_the_acknowledgement_and_resolves_at_1745(
    pd_stack, pagerduty: FakePagerDuty, clock: ManualClock
) -> None:
    stack = await pd_stack(auto_page=["sev2"])
    incident = await stack.declare("Offerte sparite dopo il deploy")
    channel = incident.channel_id
    assert channel

    [trigger] = pagerduty.enqueued("trigger")
    assert trigger["dedup_key"] == KEY
    assert trigger["payload"]["severity"] == "error"  # sev2
    assert trigger["payload"]["summary"] == "INC-1 (sev2): Offerte sparite dopo il deploy"
    assert trigger["links"][0]["href"].endswith(f"channel={channel}")
    assert (
        ":rotating_light: Paged the on-call person of PABC123 through PagerDuty:"
        " <@U02GIULIA> is on call." in said(stack, channel)
    )
    assert "Paged 10:40 · <@U02GIULIA> on call · not acknowledged yet" in await board(stack)

    # A restart (and its start-up resume) sends nothing again; nor does raising to sev1.
    await stack.restart_bot()
    await stack.run(channel, "severity sev1")
    assert len(pagerduty.enqueued("trigger")) == 1

    clock.advance(timedelta(minutes=3))
    body = webhook_body("incident.acknowledged", GIULIA_PD, at(10, 43))
    reply = await deliver(stack, body, sign(WEBHOOK_SECRET.encode(), body))
    assert reply.status_code == 204
    assert ":ok_hand: <@U02GIULIA> acknowledged the page, 3 min after it was sent." in said(
        stack, channel
    )
    assert "Paged 10:40 · <@U02GIULIA> on call · acknowledged 10:43" in await board(stack)
    # PagerDuty redelivers: nothing new.
    again = await deliver(stack, body, sign(WEBHOOK_SECRET.encode(), body))
    assert again.status_code == 204
    acks = [e for e in await page_entries(stack) if e.data.get("event") == "acknowledged"]
    assert len(acks) == 1
    assert acks[0].is_key

    clock.set(at(17, 45))
    await stack.run(channel, "resolve")
    [resolve] = pagerduty.enqueued("resolve")
    assert resolve == {
        "routing_key": resolve["routing_key"],
        "event_action": "resolve",
        "dedup_key": KEY,
    }
    assert pagerduty.alerts[KEY].status == "resolved"
    assert "resolved 17:45" in await board(stack)
    assert pagerduty.problems == []

    # The internal postmortem's response table: paged, acknowledged, time to acknowledge.
    assert stack.services is not None
    services = stack.services
    facts = await services.postmortems.facts(await services.incidents.get(1), online=False)
    internal = services.postmortems.render(facts, "internal", "en")
    assert (
        "| Declared | 10:40 | 0 minutes |\n| Paged | 10:40 | 0 minutes |\n"
        "| Page acknowledged (time to acknowledge: 3 minutes) | 10:43 | 3 minutes |\n"
    ) in internal
    assert "The page was resolved in PagerDuty." in internal  # worded, in the team's language
    customer = services.postmortems.render(facts, "customer", "en")
    assert "acknowledged" not in customer
    assert "Giulia" not in customer


async def test_a_bad_signature_is_refused_and_nothing_is_recorded(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack()
    await stack.declare("Offerte sparite")
    before = await page_entries(stack)
    body = webhook_body("incident.acknowledged", GIULIA_PD, at(10, 43))
    forged = await deliver(stack, body, sign(b"not-the-secret", body))
    unsigned = await deliver(stack, body, "")
    assert (forged.status_code, unsigned.status_code) == (401, 401)
    assert await page_entries(stack) == before
    assert "not acknowledged yet" in await board(stack)
    # The right signature among several (a secret rotation) is accepted.
    rotated = f"v1={'0' * 64},{sign(WEBHOOK_SECRET.encode(), body)}"
    assert (await deliver(stack, body, rotated)).status_code == 204
    assert "acknowledged 10:43" in await board(stack)


async def test_oncall_names_the_mapped_slack_users_anywhere(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack()
    stranger = PdUser("PSTRANGE", "Night Contractor", "night@contractor.example")
    pagerduty.on_call(SCHEDULE, stranger, at(8, 0), at(18, 0))
    await stack.run(ANNOUNCE, "oncall", user=LUCA)
    [answer] = [e.text for e in stack.sandbox.ephemerals(LUCA, ANNOUNCE) if "PABC123" in e.text]
    assert "*PABC123*: now <@U02GIULIA>, Night Contractor, next <@U03LUCA> from 18:00" in answer
    [oncalls] = [s for s in pagerduty.requests("GET") if s.path == "/oncalls"]
    assert oncalls.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert stack.services is not None
    assert await stack.services.paging.current_oncall_slack_user() == GIULIA


async def test_page_on_demand_asks_first_and_checks_who_may(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack(auto_page=[], permissions={"page": [MARCO]})
    incident = await stack.declare("Acquisti non funziona")
    channel = incident.channel_id
    assert channel
    assert pagerduty.enqueued() == []

    await stack.run(channel, "page @giulia Acquisti è giù", user=LUCA)
    refusal = stack.sandbox.ephemerals(LUCA, channel)[-1].text
    assert "only the people listed under `[permissions] page` may page" in refusal

    await stack.run(channel, "page @giulia Acquisti è giù")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    assert prompt.text.startswith(":rotating_light: Page <@U02GIULIA> through PagerDuty for INC-1?")
    assert pagerduty.enqueued() == []  # nothing before the click
    reply = await stack.driver.click(MARCO, PAGE_CONFIRM, channel_id=channel, message_ts=prompt.ts)
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    # Asked and confirmed again: the claim row says it was done.
    await stack.run(channel, "page @giulia")
    again = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(MARCO, PAGE_CONFIRM, channel_id=channel, message_ts=again.ts)
    await stack.idle()
    assert "<@U02GIULIA> was already paged at 10:40." in [
        e.text for e in stack.sandbox.ephemerals(MARCO, channel)
    ]
    [trigger] = pagerduty.enqueued("trigger")
    assert trigger["dedup_key"] == f"outagebot-INC-1-{GIULIA}"
    assert trigger["payload"]["custom_details"]["paged"] == "giulia@sandbox.example"
    assert trigger["payload"]["custom_details"]["message"] == "Acquisti è giù"


async def test_a_page_button_pages_only_its_own_open_incident(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack(auto_page=[])
    first = await stack.declare("Acquisti non funziona")
    second = await stack.declare("Offerte sparite")
    assert first.channel_id
    assert second.channel_id

    # A Page button in INC-2's channel that names INC-1 (copied or forged) is refused.
    await stack.run(second.channel_id, "page @giulia")
    prompt = stack.sandbox.ephemerals(MARCO, second.channel_id)[-1]
    [value] = [
        e["value"]
        for b in prompt.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == PAGE_CONFIRM
    ]
    forged = json.dumps({**json.loads(value), "incident": first.id})
    reply = await stack.driver.click(
        MARCO,
        PAGE_CONFIRM,
        channel_id=second.channel_id,
        message_ts=prompt.ts,
        action={"value": forged},
    )
    await stack.idle()
    assert reply.ok
    refused = stack.sandbox.ephemerals(MARCO, second.channel_id)[-1].text
    assert refused == ":warning: That button is about INC-1, not INC-2; nothing changed."

    # Asked in INC-1, clicked once INC-1 is closed: the question has expired.
    await stack.run(first.channel_id, "page @giulia")
    prompt = stack.sandbox.ephemerals(MARCO, first.channel_id)[-1]
    stack.clock.advance(timedelta(minutes=5))
    await stack.close(first.channel_id)
    await stack.driver.click(MARCO, PAGE_CONFIRM, channel_id=first.channel_id, message_ts=prompt.ts)
    await stack.idle()
    shown = {e.ts: e.text for e in stack.sandbox.ephemerals(MARCO, first.channel_id)}
    reason = "INC-1 was closed at 10:45; nobody was paged."
    assert shown[prompt.ts] == f":hourglass: This button expired: {reason}"

    assert pagerduty.enqueued("trigger") == []
    assert await page_entries(stack) == []


async def test_pagerduty_refusing_or_down_is_shown_once_and_never_blocks_the_declare(
    pd_stack, pagerduty: FakePagerDuty, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack = await pd_stack()
    pagerduty.answer(
        web.json_response({"status": "throttle event"}, status=429, headers={"Retry-After": "0"}),
        *[web.json_response({"status": "error"}, status=503) for _ in range(2)],
    )
    incident = await stack.declare("Offerte sparite")
    assert incident.channel_id
    failures = [t for t in said(stack, incident.channel_id) if t.startswith(":x: The page")]
    assert failures == [
        ':x: The page to PagerDuty failed: 503 from PagerDuty: {"status": "error"} (after 3'
        " attempts). Nothing was sent; try again with `/incident page`."
    ]
    assert "Page failed" in await board(stack)

    # A wrong key: PagerDuty's own reason, shown; a new `/incident page` claims it again.
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", "x" * 32)
    await stack.run(incident.channel_id, "page")
    prompt = stack.sandbox.ephemerals(MARCO, incident.channel_id)[-1]
    await stack.driver.click(
        MARCO, PAGE_CONFIRM, channel_id=incident.channel_id, message_ts=prompt.ts
    )
    await stack.idle()
    assert any(
        "Event object is invalid: Invalid routing key" in t
        for t in said(stack, incident.channel_id)
    )
    pagerduty.problems.clear()


async def test_a_page_pagerduty_would_not_resolve_is_asked_again_until_it_is(
    pd_stack, pagerduty: FakePagerDuty, clock: ManualClock
) -> None:
    stack = await pd_stack()
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id or ""
    down = [web.json_response({"status": "error"}, status=503) for _ in range(6)]
    pagerduty.answer(*down[:3])  # the resolve and its two retries
    clock.set(at(17, 45))
    await stack.run(channel, "resolve")
    failures = [t for t in said(stack, channel) if "could not be resolved" in t]
    assert failures == [
        ":x: The page could not be resolved in PagerDuty: 503 from PagerDuty:"
        ' {"status": "error"} (after 3 attempts). It is asked again every few minutes.'
    ]
    assert pagerduty.alerts[KEY].status == "triggered"

    # Still down five minutes later: asked again, nothing more said in the channel.
    pagerduty.answer(*down[3:])
    clock.advance(timedelta(minutes=5))
    assert stack.services is not None
    await stack.services.schedules.run_due()
    await stack.idle()
    assert pagerduty.alerts[KEY].status == "triggered"
    assert len([t for t in said(stack, channel) if "could not be resolved" in t]) == 1

    # Back up: resolved, recorded once, and not asked again.
    clock.advance(timedelta(minutes=5))
    await stack.services.schedules.run_due()
    await stack.idle()
    assert pagerduty.alerts[KEY].status == "resolved"
    assert "resolved 17:55" in await board(stack)
    resolves = len(pagerduty.enqueued("resolve"))
    clock.advance(timedelta(minutes=30))
    await stack.services.schedules.run_due()
    assert len(pagerduty.enqueued("resolve")) == resolves


async def test_escalated_and_resolved_in_pagerduty_come_back_once(
    pd_stack, pagerduty: FakePagerDuty, clock: ManualClock
) -> None:
    stack = await pd_stack()
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id
    assert channel
    escalated = webhook_body("incident.escalated", LUCA_PD, at(10, 55), id="E2")
    assert (await deliver(stack, escalated, sign(WEBHOOK_SECRET.encode(), escalated))).is_success
    assert ":arrow_up: The page was escalated to <@U03LUCA>." in said(stack, channel)

    resolved = webhook_body("incident.resolved", LUCA_PD, at(11, 0), id="E3")
    assert (await deliver(stack, resolved, sign(WEBHOOK_SECRET.encode(), resolved))).is_success
    assert ":white_check_mark: The page was resolved in PagerDuty." in said(stack, channel)
    assert "not acknowledged yet · resolved 11:00" in await board(stack)

    clock.set(at(11, 30))
    await stack.run(channel, "resolve")
    assert pagerduty.enqueued("resolve") == []  # already resolved over there
    # An escalation of a resolved page is old news.
    late = webhook_body("incident.escalated", LUCA_PD, at(11, 31), id="E4")
    await deliver(stack, late, sign(WEBHOOK_SECRET.encode(), late))
    assert said(stack, channel).count(":arrow_up: The page was escalated to <@U03LUCA>.") == 1


async def test_reopening_pages_again_under_the_same_key_and_resolving_resolves_it(
    pd_stack, pagerduty: FakePagerDuty, clock: ManualClock
) -> None:
    stack = await pd_stack(auto_page=["sev2"])
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id
    assert channel
    body = webhook_body("incident.acknowledged", GIULIA_PD, at(10, 43))
    await deliver(stack, body, sign(WEBHOOK_SECRET.encode(), body))
    clock.set(at(17, 45))
    await stack.run(channel, "resolve")
    assert pagerduty.alerts[KEY].status == "resolved"

    clock.set(at(18, 2))
    await stack.run(channel, "reopen Offerte empty again")

    first, again = pagerduty.enqueued("trigger")
    assert again["dedup_key"] == first["dedup_key"] == KEY
    assert pagerduty.alerts[KEY].status == "triggered"  # a new alert over there
    # Luca took over at 18:00.
    assert "Paged 18:02 · <@U03LUCA> on call · not acknowledged yet" in await board(stack)
    sent = [e for e in await page_entries(stack) if e.data.get("event") == "sent"]
    assert [e.occurred_at for e in sent] == [at(10, 40), at(18, 2)]
    # A restart resends nothing; resolving again resolves the new alert.
    await stack.restart_bot()
    assert len(pagerduty.enqueued("trigger")) == 2
    clock.set(at(18, 30))
    await stack.run(channel, "resolve")
    assert len(pagerduty.enqueued("resolve")) == 2
    assert pagerduty.alerts[KEY].status == "resolved"
    assert pagerduty.problems == []


async def test_without_paging_the_commands_say_how_to_configure_it(start_stack) -> None:
    stack = await start_stack({})
    incident = await stack.declare("Offerte sparite")
    assert incident.channel_id
    await stack.run(incident.channel_id, "page")
    await stack.run(ANNOUNCE, "oncall")
    answers = [e.text for e in stack.sandbox.ephemerals(MARCO, incident.channel_id)]
    answers += [e.text for e in stack.sandbox.ephemerals(MARCO, ANNOUNCE)]
    refusals = [a for a in answers if "Paging is not configured." in a]
    assert len(refusals) == 2
    assert all('`provider = "pagerduty"`' in a for a in refusals)


async def test_a_slow_pagerduty_never_delays_the_declare(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack()
    pagerduty.delay = 1.5
    assert stack.driver is not None
    reply = await stack.driver.command(MARCO, ANNOUNCE, "declare Offerte sparite")
    assert reply.within_deadline
    assert reply.elapsed < 1.0, reply.elapsed  # answered before PagerDuty has said anything
    await stack.idle()
    assert len(pagerduty.enqueued("trigger")) == 1


async def test_a_page_claimed_before_a_crash_is_sent_at_start_up(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack(auto_page=[])
    incident = await stack.declare("Offerte sparite")
    assert stack.services is not None
    # The claim row written, then the process died before the trigger went out.
    claimed = await stack.services.paging.pages.claim(
        incident.id,
        KEY,
        provider="pagerduty",
        target=Target("default"),
        reason="auto",
        requested_by=MARCO,
        message="",
    )
    assert claimed is not None
    assert pagerduty.enqueued() == []
    await stack.restart_bot()
    await stack.idle()
    [trigger] = pagerduty.enqueued("trigger")
    assert trigger["dedup_key"] == KEY
    assert "not acknowledged yet" in await board(stack)


async def test_raised_to_an_auto_page_severity_pages_once(
    pd_stack, pagerduty: FakePagerDuty
) -> None:
    stack = await pd_stack(auto_page=["sev1"])
    incident = await stack.declare("Offerte lente")
    assert incident.channel_id
    assert pagerduty.enqueued() == []  # declared at sev2: nobody woken
    await stack.run(incident.channel_id, "severity sev1")
    await stack.run(incident.channel_id, "severity sev2")
    await stack.run(incident.channel_id, "severity sev1")
    [trigger] = pagerduty.enqueued("trigger")
    assert trigger["payload"]["severity"] == "critical"
    await stack.run(incident.channel_id, "resolve")
    await stack.run(incident.channel_id, "severity sev1")  # after the resolution: no page
    assert len(pagerduty.enqueued("trigger")) == 1
