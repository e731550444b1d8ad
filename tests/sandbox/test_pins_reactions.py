"""pins.* and reactions.*: marking messages, with Slack's duplicate and missing-item errors."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient


async def test_pins(client: AsyncWebClient, error_of):
    ts = (await client.chat_postMessage(channel="C0INCIDENTS", text="Status: identified"))["ts"]
    other = (await client.chat_postMessage(channel="C0INCIDENTS", text="Runbook"))["ts"]

    await client.pins_add(channel="C0INCIDENTS", timestamp=ts)
    await client.pins_add(channel="C0INCIDENTS", timestamp=other)
    assert await error_of(client.pins_add(channel="C0INCIDENTS", timestamp=ts)) == (
        "already_pinned"
    )
    assert await error_of(client.pins_add(channel="C0INCIDENTS")) == "no_item_specified"
    listed = await client.pins_list(channel="C0INCIDENTS")
    assert [item["message"]["ts"] for item in listed["items"]] == [other, ts]
    assert listed["items"][0]["created_by"] == "U0BOT"

    await client.pins_remove(channel="C0INCIDENTS", timestamp=ts)
    assert [
        i["message"]["ts"] for i in (await client.pins_list(channel="C0INCIDENTS"))["items"]
    ] == [other]
    assert await error_of(client.pins_remove(channel="C0INCIDENTS", timestamp=ts)) == "no_pin"


async def test_reactions(client: AsyncWebClient, error_of):
    ts = (await client.chat_postMessage(channel="C0INCIDENTS", text="Quotes back"))["ts"]

    await client.reactions_add(channel="C0INCIDENTS", timestamp=ts, name=":white_check_mark:")
    again = client.reactions_add(channel="C0INCIDENTS", timestamp=ts, name="white_check_mark")
    assert await error_of(again) == "already_reacted"
    got = await client.reactions_get(channel="C0INCIDENTS", timestamp=ts)
    assert got["message"]["reactions"] == [
        {"name": "white_check_mark", "users": ["U0BOT"], "count": 1}
    ]

    await client.reactions_remove(channel="C0INCIDENTS", timestamp=ts, name="white_check_mark")
    got = await client.reactions_get(channel="C0INCIDENTS", timestamp=ts)
    assert "reactions" not in got["message"]
    gone = client.reactions_remove(channel="C0INCIDENTS", timestamp=ts, name="white_check_mark")
    assert await error_of(gone) == "no_reaction"
    missing = client.reactions_add(channel="C0INCIDENTS", timestamp="1.000000", name="eyes")
    assert await error_of(missing) == "message_not_found"
