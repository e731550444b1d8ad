"""conversations.* through slack_sdk's real AsyncWebClient."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox


async def test_create_makes_the_bot_a_member(client: AsyncWebClient, sandbox: SlackSandbox):
    response = await client.conversations_create(name="inc-2024-10-30-quotes")

    channel = response["channel"]
    assert channel["id"].startswith("C")
    assert channel["name"] == "inc-2024-10-30-quotes"
    assert channel["is_member"] is True
    assert sandbox.channel_by_name("inc-2024-10-30-quotes").members == ["U0BOT"]
    notices = sandbox.messages(channel["id"], include_system=True)
    assert [m.subtype for m in notices] == ["channel_join"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("incidents", "name_taken"),
        ("Inc-Quotes", "invalid_name_specials"),
        ("inc quotes", "invalid_name_specials"),
        ("inc!", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ],
)
async def test_create_refuses_bad_names(error_of, client: AsyncWebClient, name: str, error: str):
    assert await error_of(client.conversations_create(name=name)) == error


async def test_create_accepts_80_characters(client: AsyncWebClient):
    response = await client.conversations_create(name="a" * 80)
    assert response["channel"]["name"] == "a" * 80


async def test_invite_needs_the_bot_in_the_channel(error_of, client: AsyncWebClient):
    # The bot is not a member of #general in the seeded workspace.
    assert await error_of(client.conversations_invite(channel="C0GENERAL", users="U01MARCO")) == (
        "not_in_channel"
    )


async def test_invite_adds_people_and_reports_slack_errors(
    error_of, client: AsyncWebClient, sandbox: SlackSandbox
):
    channel_id = (await client.conversations_create(name="inc-1"))["channel"]["id"]

    await client.conversations_invite(channel=channel_id, users=["U01MARCO", "U02GIULIA"])
    assert sandbox.state.channels[channel_id].members == ["U0BOT", "U01MARCO", "U02GIULIA"]

    # Re-inviting someone along with a new person is fine; alone it is an error.
    await client.conversations_invite(channel=channel_id, users="U01MARCO,U03LUCA")
    assert "U03LUCA" in sandbox.state.channels[channel_id].members
    invite_again = client.conversations_invite(channel=channel_id, users="U01MARCO")
    assert await error_of(invite_again) == "already_in_channel"
    unknown = client.conversations_invite(channel=channel_id, users="U99NOBODY")
    assert await error_of(unknown) == "user_not_found"
    assert await error_of(client.conversations_invite(channel="C404", users="U01MARCO")) == (
        "channel_not_found"
    )

    await client.conversations_archive(channel=channel_id)
    archived = client.conversations_invite(channel=channel_id, users="U01MARCO")
    assert await error_of(archived) == "is_archived"


async def test_set_topic_limit_and_notice(error_of, client: AsyncWebClient, sandbox: SlackSandbox):
    topic = "Quotes down since 10:40 " + "x" * 226
    assert len(topic) == 250
    await client.conversations_setTopic(channel="C0INCIDENTS", topic=topic)
    info = await client.conversations_info(channel="C0INCIDENTS")
    assert info["channel"]["topic"]["value"] == topic
    assert sandbox.messages("C0INCIDENTS", include_system=True)[-1].subtype == "channel_topic"

    too_long = client.conversations_setTopic(channel="C0INCIDENTS", topic=topic + "!")
    assert await error_of(too_long) == "too_long"


async def test_list_info_members_join(error_of, client: AsyncWebClient):
    channel_id = (await client.conversations_create(name="inc-old"))["channel"]["id"]
    await client.conversations_archive(channel=channel_id)

    everything = await client.conversations_list()
    active = await client.conversations_list(exclude_archived=True)
    assert "inc-old" in {c["name"] for c in everything["channels"]}
    assert "inc-old" not in {c["name"] for c in active["channels"]}

    first = await client.conversations_list(limit=1)
    assert len(first["channels"]) == 1
    second = await client.conversations_list(
        limit=1, cursor=first["response_metadata"]["next_cursor"]
    )
    assert second["channels"][0]["id"] != first["channels"][0]["id"]

    info = await client.conversations_info(channel="C0GENERAL", include_num_members=True)
    assert info["channel"]["is_member"] is False
    assert info["channel"]["num_members"] == 3
    await client.conversations_join(channel="C0GENERAL")
    members = await client.conversations_members(channel="C0GENERAL")
    assert "U0BOT" in members["members"]
    assert await error_of(client.conversations_archive(channel="C0GENERAL")) == (
        "cant_archive_general"
    )


async def test_history_needs_membership(error_of, client: AsyncWebClient):
    assert await error_of(client.conversations_history(channel="C0GENERAL")) == "not_in_channel"
