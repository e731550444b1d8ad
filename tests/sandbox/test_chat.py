"""chat.*, history and replies: what the bot writes and reads back, page by page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox
from bot.sandbox.state import ts_to_datetime
from bot.time.clock import ManualClock


async def test_post_message_returns_slack_fields_and_clock_ts(
    client: AsyncWebClient, clock: ManualClock
):
    response = await client.chat_postMessage(channel="#incidents", text="Quotes is down")

    assert response["channel"] == "C0INCIDENTS"
    assert response["ts"] == "1730281200.000000"
    assert ts_to_datetime(response["ts"]) == clock.now()
    assert response["message"]["text"] == "Quotes is down"
    assert response["message"]["bot_id"] == "B0BOT"
    assert response["message"]["user"] == "U0BOT"
    assert response.headers["X-Slack-Req-Id"]


async def test_ts_strictly_increases_when_the_clock_stands_still(
    client: AsyncWebClient, clock: ManualClock
):
    stamps = [
        (await client.chat_postMessage(channel="C0INCIDENTS", text=str(i)))["ts"] for i in range(3)
    ]
    assert stamps == ["1730281200.000000", "1730281200.000001", "1730281200.000002"]
    clock.advance(timedelta(minutes=5))
    later = await client.chat_postMessage(channel="C0INCIDENTS", text="later")
    assert later["ts"] == "1730281500.000000"


NO_TEXT_WARNING = "ignore:The top-level `text` argument is missing"


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
async def test_post_message_errors(error_of, client: AsyncWebClient):
    assert await error_of(client.chat_postMessage(channel="C0INCIDENTS", text="")) == "no_text"
    assert await error_of(client.chat_postMessage(channel="C404", text="x")) == "channel_not_found"
    assert await error_of(client.chat_postMessage(channel="C0GENERAL", text="x")) == (
        "not_in_channel"
    )
    too_many = [{"type": "divider"}] * 51
    assert await error_of(client.chat_postMessage(channel="C0INCIDENTS", blocks=too_many)) == (
        "invalid_blocks"
    )
    long_header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    assert await error_of(client.chat_postMessage(channel="C0INCIDENTS", blocks=long_header)) == (
        "invalid_blocks"
    )


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
async def test_blocks_only_message_gets_fallback_text(client: AsyncWebClient):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Declared*"}}]
    response = await client.chat_postMessage(channel="C0INCIDENTS", blocks=blocks)
    assert response["message"]["blocks"] == blocks
    assert response["message"]["text"] == "This content can't be displayed."


async def test_update_and_delete(error_of, client: AsyncWebClient, sandbox: SlackSandbox):
    ts = (await client.chat_postMessage(channel="C0INCIDENTS", text="v1"))["ts"]
    updated = await client.chat_update(channel="C0INCIDENTS", ts=ts, text="v2")
    assert updated["text"] == "v2"
    assert updated["message"]["edited"]["user"] == "U0BOT"
    assert sandbox.messages("C0INCIDENTS")[-1].text == "v2"

    missing = client.chat_update(channel="C0INCIDENTS", ts="1.000000", text="x")
    assert await error_of(missing) == "message_not_found"
    human = sandbox.state.post(
        sandbox.state.channels["C0INCIDENTS"], now=sandbox.clock.now(), user="U01MARCO"
    )
    not_mine = client.chat_update(channel="C0INCIDENTS", ts=human.ts, text="x")
    assert await error_of(not_mine) == "cant_update_message"

    await client.chat_delete(channel="C0INCIDENTS", ts=ts)
    assert [m.ts for m in sandbox.messages("C0INCIDENTS")] == [human.ts]
    assert await error_of(client.chat_delete(channel="C0INCIDENTS", ts=human.ts)) == (
        "cant_delete_message"
    )


async def test_history_pages_newest_first_without_thread_replies(client: AsyncWebClient):
    stamps = []
    for i in range(5):
        stamps.append((await client.chat_postMessage(channel="C0INCIDENTS", text=f"m{i}"))["ts"])
    await client.chat_postMessage(channel="C0INCIDENTS", text="hidden reply", thread_ts=stamps[0])
    shown = await client.chat_postMessage(
        channel="C0INCIDENTS", text="broadcast", thread_ts=stamps[0], reply_broadcast=True
    )

    seen, cursor, pages = [], None, 0
    while True:
        page = await client.conversations_history(channel="C0INCIDENTS", limit=2, cursor=cursor)
        pages += 1
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
        assert page["has_more"] is bool(cursor)
        if not cursor:
            break
    assert seen == ["broadcast", "m4", "m3", "m2", "m1", "m0"]
    assert pages == 3
    parent = (
        await client.conversations_history(channel="C0INCIDENTS", oldest=stamps[0], inclusive=True)
    )["messages"][-1]
    assert parent["reply_count"] == 2
    assert parent["latest_reply"] == shown["ts"]


async def test_history_oldest_latest_inclusive(error_of, client: AsyncWebClient):
    stamps = [
        (await client.chat_postMessage(channel="C0INCIDENTS", text=f"m{i}"))["ts"] for i in range(4)
    ]
    exclusive = await client.conversations_history(
        channel="C0INCIDENTS", oldest=stamps[0], latest=stamps[3]
    )
    assert [m["text"] for m in exclusive["messages"]] == ["m2", "m1"]
    inclusive = await client.conversations_history(
        channel="C0INCIDENTS", oldest=stamps[0], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1", "m0"]
    bad = client.conversations_history(channel="C0INCIDENTS", oldest="yesterday")
    assert await error_of(bad) == "invalid_ts_oldest"


async def test_replies_parent_first_then_oldest_to_newest(error_of, client: AsyncWebClient):
    parent = (await client.chat_postMessage(channel="C0INCIDENTS", text="parent"))["ts"]
    for i in range(3):
        await client.chat_postMessage(channel="C0INCIDENTS", text=f"r{i}", thread_ts=parent)

    first = await client.conversations_replies(channel="C0INCIDENTS", ts=parent, limit=2)
    assert [m["text"] for m in first["messages"]] == ["parent", "r0", "r1"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    second = await client.conversations_replies(
        channel="C0INCIDENTS", ts=parent, limit=2, cursor=cursor
    )
    assert [m["text"] for m in second["messages"]] == ["parent", "r2"]
    assert second["response_metadata"]["next_cursor"] == ""
    assert all(m["thread_ts"] == parent for m in second["messages"])
    missing = client.conversations_replies(channel="C0INCIDENTS", ts="1.000001")
    assert await error_of(missing) == "message_not_found"


async def test_ephemeral_and_permalink(error_of, client: AsyncWebClient, sandbox: SlackSandbox):
    response = await client.chat_postEphemeral(channel="C0INCIDENTS", user="U01MARCO", text="psst")
    assert response["message_ts"]
    [ephemeral] = sandbox.ephemerals(user_id="U01MARCO")
    assert (ephemeral.text, ephemeral.source, ephemeral.channel) == (
        "psst",
        "postEphemeral",
        "C0INCIDENTS",
    )
    assert sandbox.messages("C0INCIDENTS") == []  # never in the channel
    sandbox.state.add_user("anna", "Anna Verdi", id="U04ANNA")
    outsider = client.chat_postEphemeral(channel="C0INCIDENTS", user="U04ANNA", text="x")
    assert await error_of(outsider) == "user_not_in_channel"

    ts = (await client.chat_postMessage(channel="C0INCIDENTS", text="link me"))["ts"]
    link = await client.chat_getPermalink(channel="C0INCIDENTS", message_ts=ts)
    assert link["permalink"] == (
        f"https://sandbox.slack.local/archives/C0INCIDENTS/p{ts.replace('.', '')}"
    )
