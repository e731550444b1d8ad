"""Atlassian Statuspage kept in sync, against a loopback Statuspage API that checks paths, the
OAuth header and bodies: component states, one hosted incident per incident across restarts,
429 honoured, failures shown in the channel."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import delete, update

from bot.models import EntryKind
from bot.statuspage.blocks import EDIT, EDIT_ACTION, EDIT_BLOCK, PUBLISH
from bot.store import tables

from .conftest import API_KEY, MARCO, PAGE, FakeStatuspage, StackFactory, click, command, declare


def hosted(statuspage: FakeStatuspage) -> dict[str, Any]:
    return {"page_id": PAGE, "api_url": statuspage.url, "app_component": "cmp-app"}


async def test_components_incident_updates_and_restart(
    make_stack: StackFactory, statuspage: FakeStatuspage
) -> None:
    stack = await make_stack(atlassian=hosted(statuspage))
    incident = await declare(stack)
    channel = incident.channel_id or ""
    stack.clock.advance(timedelta(minutes=5))
    await command(stack, channel, "feature down Offerte")
    # Purchases was found down late: it broke at 10:20, before the declaration.
    await command(stack, channel, "feature down Acquisti at 10:20")

    assert statuspage.components == {
        "cmp-app": "partial_outage",
        "cmp-quotes": "major_outage",
        "cmp-purch": "major_outage",
    }
    assert statuspage.incidents == {}  # states only: no text goes out without a person

    # Edit and publish: the modal's text is what goes out.
    await click(stack, incident, EDIT)
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    text = "Quotes and purchases are unavailable. We are on it."
    await stack.driver.submit_view(MARCO, view.id, {EDIT_BLOCK: {EDIT_ACTION: text}})
    await stack.idle()

    [created] = [s for s in statuspage.seen if s[0] == "POST"]
    assert created[1] == f"/v1/pages/{PAGE}/incidents"
    body = created[2]["incident"]
    assert body["body"] == text
    assert body["status"] == "investigating"
    assert body["metadata"] == {"outagebot": {"incident": str(incident.id)}}
    assert set(body["component_ids"]) == {"cmp-app", "cmp-quotes", "cmp-purch"}
    assert body["components"]["cmp-quotes"] == "major_outage"
    # Its real start: 10:20 Copenhagen = 08:20 UTC, not the declaration.
    assert datetime.fromisoformat(body["started_at"]) == datetime(2025, 4, 30, 8, 20, tzinfo=UTC)

    await command(stack, channel, "status identified")
    await click(stack, incident, PUBLISH)
    [remote] = statuspage.incidents.values()
    assert remote["status"] == "identified"
    assert len(remote["incident_updates"]) == 2

    # A crash lost what the bot knew of the hosted incident; on restart it finds its own
    # incident by the tag and sends nothing twice.
    assert stack.services is not None
    async with stack.services.db.begin() as conn:
        await conn.execute(delete(tables.status_links))
        await conn.execute(update(tables.status_updates).values(synced_at=None))
    await stack.restart_bot()
    await stack.idle()
    assert len(statuspage.incidents) == 1
    assert len(remote["incident_updates"]) == 2
    assert [s[0] for s in statuspage.seen].count("POST") == 1

    # The closing update resolves the same hosted incident.
    stack.clock.advance(timedelta(hours=6))
    await command(stack, channel, "feature up Offerte")
    await command(stack, channel, "feature up Acquisti")
    await command(stack, channel, "resolve")
    await click(stack, incident, PUBLISH)
    assert remote["status"] == "resolved"
    assert len(statuspage.incidents) == 1
    assert set(statuspage.components.values()) == {"operational"}
    for _method, _path, sent in statuspage.seen:
        assert API_KEY not in json.dumps(sent)


async def test_429_waits_for_retry_after(
    make_stack: StackFactory, statuspage: FakeStatuspage
) -> None:
    stack = await make_stack(atlassian=hosted(statuspage))
    incident = await declare(stack)
    before = len(statuspage.seen)  # the declaration pushed the states as they were
    statuspage.script.append(
        web.json_response({"error": "rate limited"}, status=429, headers={"Retry-After": "1"})
    )
    await command(stack, incident.channel_id or "", "feature down Offerte")

    patches = [i for i, s in enumerate(statuspage.seen) if s[0] == "PATCH" and i >= before]
    # The limited call, then the same call again once Retry-After has passed.
    assert statuspage.seen[patches[0]][1:] == statuspage.seen[patches[1]][1:]
    waited = statuspage.times[patches[1]] - statuspage.times[patches[0]]
    assert waited >= 0.95
    assert statuspage.components["cmp-quotes"] == "major_outage"


async def test_failure_is_shown_in_the_channel_and_recorded(
    make_stack: StackFactory, statuspage: FakeStatuspage
) -> None:
    stack = await make_stack(atlassian={**hosted(statuspage), "page_id": "wrong"})
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await command(stack, channel, "feature down Offerte")

    said = [m.text for m in stack.sandbox.messages(channel)]
    warnings = [t for t in said if "hosted status page was not updated" in t]
    assert warnings  # each failed attempt: the declaration's, and the feature's
    assert all("404 from Statuspage" in w and API_KEY not in w for w in warnings)
    assert stack.services is not None
    entries = await stack.services.timeline.entries(incident.id)
    assert any(e.kind is EntryKind.error and "404" in e.text for e in entries)
