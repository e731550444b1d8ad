"""Public text is plain text (issue 29): what customers read on the page, in the Atom feed and
on the hosted Statuspage has no Slack markup, no control characters, and no URL taken from the
request."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from bot.sandbox.stack import SandboxStack
from bot.statuspage.blocks import PUBLISH

from .conftest import (
    FakeStatuspage,
    StackFactory,
    click,
    command,
    declare,
    get,
    get_json,
)
from .test_atlassian_sync import hosted

pytestmark = pytest.mark.transports("http")

ATOM = "{http://www.w3.org/2005/Atom}"
# As Slack sends it: a mention, an escaped `<`, a link Slack made, a bell and emphasis.
TYPED = (
    "Thanks <@U02GIULIA|giulia>: quotes &lt; 5 s again, *fixed* \x07 — see"
    " <https://acme.example/notes|the notes>"
)
# Public text names nobody: the mention is left out.
PLAIN = "Thanks: quotes < 5 s again, fixed — see the notes (https://acme.example/notes)"


async def publish_typed(stack: SandboxStack) -> None:
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await command(stack, channel, "feature down Offerte")
    await click(stack, incident, PUBLISH)  # the automatic "Investigating" one
    await command(stack, channel, f"public {TYPED}")
    await click(stack, incident, PUBLISH)


async def test_published_text_is_plain_everywhere(
    make_stack: StackFactory, statuspage: FakeStatuspage
) -> None:
    stack = await make_stack(public_url="https://status.acme.example", atlassian=hosted(statuspage))
    await publish_typed(stack)

    [public] = (await get_json(stack, "incidents"))["incidents"]
    assert public["incident_updates"][0]["body"] == PLAIN
    page = await get(stack, "/status")
    assert "&amp;lt;" not in page.text
    assert "U02GIULIA" not in page.text
    feed = await get(stack, "/status/feed.atom", Host="evil.example")
    root = ET.fromstring(feed.content)  # well-formed: the bell is gone
    entries = root.findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}content").text == PLAIN  # type: ignore[union-attr]
    links = {e.get("href") for e in root.iter(f"{ATOM}link")}
    assert links == {"https://status.acme.example/status"}
    assert "evil.example" not in feed.text
    [update] = statuspage.requests("PATCH")[-1:]
    assert update.json["incident"]["body"] == PLAIN
