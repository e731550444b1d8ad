"""The status page over HTTP before, during and after an outage: only what a person published
is public, component states follow the record, and nothing internal leaks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import EntryKind
from bot.sandbox.stack import SandboxStack
from bot.statuspage.blocks import PUBLISH, SKIP
from handlers.maintenance import CONFIRM_ON

from .conftest import (
    GIULIA,
    LUCA,
    MARCO,
    StackFactory,
    click,
    command,
    declare,
    get,
    get_json,
    proposals,
    states,
)

pytestmark = pytest.mark.transports("http", "socket")

NOTE = "rollback of Marco's branch 7f3a, ask Giulia"


async def test_before_during_after_only_published_text_and_live_states(
    make_stack: StackFactory,
) -> None:
    stack = await make_stack()
    summary = await get_json(stack, "summary")
    assert summary["status"]["indicator"] == "none"
    assert summary["page"]["name"] == "Acme status"
    assert await states(stack) == {
        "Application": "operational",
        "Preventivi": "operational",
        "Purchases": "operational",
    }
    assert summary["incidents"] == []

    incident = await declare(stack)
    channel = incident.channel_id or ""
    await command(stack, channel, f"note {NOTE}")
    stack.clock.advance(timedelta(minutes=1))
    await command(stack, channel, "feature down Offerte")
    await command(stack, channel, "feature degraded admin")

    # Component states follow the record at once (auto_components); hidden features do not
    # show, but the whole app is partly out.
    assert await states(stack) == {
        "Application": "partial_outage",
        "Preventivi": "major_outage",
        "Purchases": "operational",
    }
    assert (await get_json(stack, "status"))["status"]["indicator"] == "major"
    # A proposal is in the channel, but no text is public before someone publishes it.
    [proposal] = proposals(stack, incident)
    assert "Proposed status page update" in proposal.text
    assert (await get_json(stack, "incidents"))["incidents"] == []

    assert "Affected: Application." in proposal.blocks[1]["text"]["text"]
    await click(stack, incident, SKIP, user=MARCO)
    assert proposals(stack, incident) == []

    await command(stack, channel, "status identified")
    # Eve may not publish: she is told why, and nothing changes.
    await click(stack, incident, PUBLISH, user=LUCA)
    assert "Only the people listed under `[permissions] status_page`" in "\n".join(
        e.text for e in stack.sandbox.ephemerals(LUCA, channel)
    )
    assert (await get_json(stack, "incidents"))["incidents"] == []
    await click(stack, incident, PUBLISH, user=GIULIA)
    [public] = (await get_json(stack, "incidents"))["incidents"]
    [first] = public["incident_updates"]
    assert public["status"] == "identified"
    assert first["body"] == (
        "We have found the cause of the problem, which started at 10:40, and we are working"
        " on a fix. Affected: Preventivi."
    )
    assert public["name"] == "Problems with Preventivi"
    entries = await stack.services.timeline.entries(incident.id)
    [published] = [e for e in entries if e.kind is EntryKind.public]
    assert published.actor == GIULIA
    assert published.text == first["body"]
    assert "Published by <@U02GIULIA>" in str(stack.sandbox.messages(channel)[-1].blocks)

    # Maintenance on: every component under maintenance.
    await command(stack, channel, "maintenance on")
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(MARCO, CONFIRM_ON, channel_id=channel, message_ts=prompt.ts)
    await stack.idle()
    assert set((await states(stack)).values()) == {"under_maintenance"}
    assert (await get_json(stack, "summary"))["status"]["indicator"] == "maintenance"
    page = (await get(stack, "/status")).text
    assert "Maintenance in progress since" in page

    stack.clock.advance(timedelta(hours=2, minutes=30))
    await command(stack, channel, "maintenance off")
    assert (await states(stack))["Preventivi"] == "major_outage"

    stack.clock.advance(timedelta(hours=4, minutes=19))
    await command(stack, channel, "feature up Offerte")
    await command(stack, channel, "feature up admin")
    await command(stack, channel, "resolve")
    # The closing update is proposed; published, the incident moves to the history.
    await click(stack, incident, PUBLISH, user=MARCO)
    assert set((await states(stack)).values()) == {"operational"}
    summary = await get_json(stack, "summary")
    assert summary["status"]["indicator"] == "none"
    assert summary["incidents"] == []
    [closed] = (await get_json(stack, "incidents"))["incidents"]
    assert closed["status"] == "resolved"
    assert closed["resolved_at"]
    assert [u["status"] for u in closed["incident_updates"]] == ["resolved", "identified"]
    # A resolved incident keeps its impact, as Statuspage does: a feature was down (the
    # maintenance here was a dry run: the app never went offline).
    assert closed["impact"] == "major"
    assert {c["name"] for c in closed["components"]} == {"Application", "Preventivi"}
    # Preventivi was down 10:41-17:30, the figure a draft states; not the 6 h 50 min since
    # the declaration at 10:40, which no draft states.
    assert (
        "Preventivi: working again at 17:30, after 6 hours and 49 minutes unavailable."
        in closed["incident_updates"][0]["body"]
    )
    page = (await get(stack, "/status")).text
    assert "Past incidents" in page
    assert "6 hours and 49 minutes" in page
    assert "6 hours and 50 minutes" not in page

    # Nothing internal anywhere: no user ids, no note, no internal title or feature names.
    everything = "".join(
        [
            *[
                (await get(stack, f"/status/api/v2/{n}.json")).text
                for n in ("summary", "incidents")
            ],
            (await get(stack, "/status")).text,
            (await get(stack, "/status/feed.atom")).text,
        ]
    )
    for secret in (MARCO, GIULIA, LUCA, NOTE, "Marco", "Internal admin", "7f3a", "INC-"):
        assert secret not in everything
    skipped = [
        u for u in await stack.services.status_page.updates(incident.id) if u.state == "skipped"
    ]
    assert skipped
    assert skipped[0].body not in everything


async def test_escaping_headers_and_etag(make_stack: StackFactory) -> None:
    stack: SandboxStack = await make_stack()
    incident = await declare(stack)
    channel = incident.channel_id or ""
    hostile = '<script>alert(1)</script> & "quotes" <@U01MARCO>'
    answer = await command(stack, channel, f"public {hostile}")
    assert "Proposed" in answer
    await click(stack, incident, PUBLISH)

    response = await get(stack, "/status")
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert '<html lang="en">' in response.text
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "max-age=5" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    again = await get(stack, "/status", **{"If-None-Match": etag})
    assert again.status_code == 304

    feed = await get(stack, "/status/feed.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert "&lt;script&gt;" in feed.text
    assert "<script>" not in feed.text

    # The record changes: a new ETag.
    await command(stack, channel, "feature down Purchases")
    assert (await get(stack, "/status")).headers["ETag"] != etag


async def test_off_by_default_and_public_refused_when_off(make_stack: StackFactory) -> None:
    stack = await make_stack(enabled=False)
    assert (await get(stack, "/status")).status_code == 404
    assert (await get(stack, "/status/api/v2/summary.json")).status_code == 404
    incident = await declare(stack)
    answer = await command(stack, incident.channel_id or "", "public hello")
    assert "The status page is off" in answer
    assert proposals(stack, incident) == []
