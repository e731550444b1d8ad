"""The outage day as the seed for corrections: typed into Slack, resolved and closed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.corrections.service import Fact
from bot.models import Incident
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.driver import DriverReply
from bot.sandbox.stack import SandboxStack
from tests.postmortem.flow import (
    TITLE,
    WEBHOOK_SECRET,
    close_with,
    deploy_platform,
    maintenance_on,
    reconfigure,
)
from tests.postmortem.story import ZONE, at


@pytest.fixture
async def webhook_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("OUTAGEBOT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    async for url in deploy_platform():
        yield url


async def typed_day(stack: SandboxStack) -> Incident:
    """The day with its guesses: Acquisti down "since yesterday 14:00" (typed by Giulia),
    Offerte up at 17:30, a public note at 12:10; maintenance on the web target 10:45-13:15."""
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    await stack.run(channel, "feature down Quotes at 10:40")
    stack.clock.set(at(30, 10, 45))
    await maintenance_on(stack, channel)
    stack.clock.set(at(30, 12, 12))
    await stack.run(channel, "note public 12:10 Il rollback non risolve il problema")
    stack.clock.set(at(30, 13, 15))
    await stack.run(channel, "maintenance off web")
    stack.clock.set(at(30, 13, 41))
    await stack.run(channel, "feature down Acquisti at yesterday 14:00", user=GIULIA)
    stack.clock.set(at(30, 14, 30))
    await stack.run(channel, "feature up Purchases", user=GIULIA)
    stack.clock.set(at(30, 17, 30))
    await stack.run(channel, "feature up Offerte")
    stack.clock.set(at(30, 17, 32))
    await stack.run(channel, "resolve")
    await stack.idle()
    return await stack.services.incidents.get(incident.id)


@pytest.fixture
async def day(stack: SandboxStack, webhook_url: str) -> Incident:
    """The day typed, resolved and closed at 18:00 (drafts v1 in Italian); now 18:30."""
    await reconfigure(stack, webhook_url)
    incident = await typed_day(stack)
    stack.clock.set(at(30, 18, 0))
    await close_with(stack, incident.channel_id or "", {"root_cause": "Deploy", "language": "it"})
    stack.clock.set(at(30, 18, 30))
    return await stack.services.incidents.get(incident.id)


async def facts(stack: SandboxStack, incident: Incident) -> dict[str, Fact]:
    """The incident's facts by what a person would call them: "Purchases:start", "note:time"."""
    found = await stack.services.corrections.facts(incident)
    named: dict[str, Fact] = {}
    for fact in found:
        name = {"feature": fact.subject, "maintenance": f"window {fact.subject}"}.get(
            fact.group, fact.group
        )
        named.setdefault(f"{name}:{fact.field}", fact)
    return named


def form_values(view: dict[str, Any], changes: dict[str, Any], reason: str) -> dict[str, Any]:
    """Every input as shown (Slack submits initial values), with `changes` applied:
    fact key -> a local `datetime` or a text."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        block_id, element = block["block_id"], block["element"]
        kind, _, key = block_id.partition("|")
        new = changes.get(key)
        if kind == "d":
            day = new.date().isoformat() if new is not None else element["initial_date"]
            values[block_id] = {"value": day}
        elif kind == "t":
            clock = new.strftime("%H:%M") if new is not None else element["initial_time"]
            values[block_id] = {"value": clock}
        elif kind == "x":
            values[block_id] = {"value": new if new is not None else element["initial_value"]}
    values["reason"] = {"value": reason}
    return values


async def submit_correction(
    stack: SandboxStack,
    incident: Incident,
    changes: dict[str, Any],
    reason: str = "the logs say so",
    *,
    user: str = MARCO,
    args: str = "",
) -> DriverReply:
    """`/incident correct`, then submit the form with `changes` (fact key -> value)."""
    await stack.run(incident.channel_id or "", f"correct {args}".strip(), user=user)
    return await submit_open_form(stack, changes, reason, user=user)


async def submit_open_form(
    stack: SandboxStack, changes: dict[str, Any], reason: str, *, user: str = MARCO
) -> DriverReply:
    assert stack.driver is not None
    view = stack.driver.latest_view(user)
    assert view is not None
    assert view.callback_id == "incident_correct"
    reply = await stack.driver.submit_view(user, view.id, form_values(view.view, changes, reason))
    assert reply.ok, reply.text
    assert reply.within_deadline  # Slack's 3 s for a view submission
    await stack.idle()
    return reply


def local(day: int, hour: int, minute: int) -> datetime:
    """A Copenhagen wall-clock time, as the pickers show it."""
    return at(day, hour, minute).astimezone(ZONE)
