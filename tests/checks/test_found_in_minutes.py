"""The outage report's previous day, found in minutes: v119 at 29/04 14:00 breaks Acquisti, the
check after the deploy sees it, the signal names v119 and opens the incident with Acquisti
down since the first failure; the fix gives "passes again" and a one-click Mark up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.checks.messages import DECLARE, MARK_UP
from bot.models import EntryKind, FeatureState
from bot.record.render import markdown
from bot.sandbox.cast import GIULIA, INCIDENTS, MARCO
from bot.sandbox.stack import SandboxStack
from tests.changes.conftest import at

from .conftest import FakeApp, deploy, tick

pytestmark = pytest.mark.transports("http", "socket")


def texts(message) -> str:
    """The message's sections and context lines."""
    found = []
    for block in message.blocks or []:
        if "text" in block:
            found.append(block["text"]["text"])
        found += [e["text"] for e in block.get("elements", []) if block["type"] == "context"]
    return " ".join(found)


def buttons(message) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def signals(stack: SandboxStack, channel: str = INCIDENTS) -> list:
    return [
        m
        for m in stack.sandbox.messages(channel, include_replies=False)
        if ":rotating_light:" in m.text and "fails its check" in m.text
    ]


async def test_the_broken_deploy_is_found_in_minutes(make_stack, fake_app: FakeApp) -> None:
    stack = await make_stack()
    stack.clock.set(at(13, 58, day=29))
    await deploy(stack, "v118", "2025-04-29T06:00:00Z")
    stack.clock.set(at(14, 0, day=29))
    await deploy(stack, "v119", "2025-04-29T12:00:00Z")  # 14:00 Copenhagen
    fake_app.broken = True

    stack.clock.set(at(14, 1, day=29))
    await tick(stack)
    assert signals(stack) == []  # one failure is not yet a signal (failures = 2)
    stack.clock.set(at(14, 3, day=29))
    await tick(stack)

    [signal] = signals(stack)
    assert signal.text == ":rotating_light: *Acquisti* fails its check since 14:01: HTTP 500."
    body = texts(signal)
    assert ":mag: 2 changes in the 48 h before *Acquisti* went down (14:01)" in body
    assert "*v119* web, deployed at 14:00 by marco, 1 min before *Acquisti* went down" in body
    assert ":warning: *suspect* for *Acquisti*: the last change before it" in body
    assert body.index("*suspect*") < body.index("*v118*")  # on v119, listed first
    assert buttons(signal) == ["Declare incident", "Not an incident", "Mute 1 h"]
    # Each probe asked the real endpoint with the configured header, nothing retried.
    assert len(fake_app.requests("GET")) == 2

    # Declare: the form comes prefilled; the incident records Acquisti down since 14:01.
    stack.clock.set(at(14, 5, day=29))
    reply = await stack.driver.click(GIULIA, DECLARE, channel_id=INCIDENTS, message_ts=signal.ts)
    assert reply.ok
    assert reply.within_deadline
    view = stack.driver.latest_view(GIULIA)
    assert view is not None
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Acquisti failing"
    assert [o["value"] for o in blocks["features"]["element"]["initial_options"]] == ["Acquisti"]
    assert blocks["severity"]["element"]["initial_option"]["value"] == "sev2"
    # What Slack sends for the form as it was shown (the initial values, left as they were).
    kept = {"title": {"value": "Acquisti failing"}, "features": {"value": ["Acquisti"]}}
    submitted = await stack.driver.submit_view(GIULIA, view.id, kept)
    assert submitted.ok
    assert submitted.within_deadline
    await stack.idle()

    incident = await stack.services.incidents.get(1)
    assert incident.declared_by == GIULIA
    [status] = await stack.services.features.statuses(incident)
    assert (status.feature, status.state) == ("Acquisti", FeatureState.down)
    assert status.since == at(14, 1, day=29)  # the first failure, not the click
    [signal] = signals(stack)
    assert buttons(signal) == []
    assert f"<@{GIULIA}> declared INC-1." in texts(signal)
    entries = await stack.services.timeline.entries(1)
    assert [e.data["what"] for e in entries if e.kind is EntryKind.signal] == [
        "declared",
        "marked down",
    ]

    # The fix: the 10-minute probe after the deploy passes; Mark up records its time.
    fake_app.broken = False
    stack.clock.set(at(14, 10, day=29))
    await tick(stack)
    stack.clock.set(at(14, 12, day=29))
    await tick(stack)  # nothing more is due
    [passing] = [
        m
        for m in stack.sandbox.messages(INCIDENTS)
        if m.thread_ts == signal.ts and m.ts != signal.ts
    ]
    assert passing.text == ":white_check_mark: *Acquisti* passes its check again since 14:10."
    assert buttons(passing) == ["Mark Acquisti up at 14:10"]
    assert len(fake_app.requests("GET")) == 3

    stack.clock.set(at(14, 20, day=29))
    reply = await stack.driver.click(MARCO, MARK_UP, channel_id=INCIDENTS, message_ts=passing.ts)
    assert reply.ok
    await stack.idle()
    [status] = await stack.services.features.statuses(await stack.services.incidents.get(1))
    assert status.state is FeatureState.up
    assert status.since == at(14, 10, day=29)

    # The team's record (`outagebot report`): the detection delay, by who found it.
    record = await stack.services.record.compute(at(0, 0, day=28))
    assert list(record.detect_by) == ["check"]
    assert (record.detect_by["check"].count, record.detect_by["check"].median) == (
        1,
        timedelta(minutes=2),
    )
    report = markdown(stack.services.texts, record)
    assert "- Outage start to detection, found by a check: median 2 min, p90 2 min (1 outage)" in (
        report
    )
