"""The driver's requests: signed like Slack's, shaped like Slack's, and kept in the sandbox."""

from __future__ import annotations

import json

import aiohttp
from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackDriver, SlackSandbox, payloads

BUTTONS = [
    {"type": "section", "block_id": "head", "text": {"type": "mrkdwn", "text": "Quotes down"}},
    {
        "type": "actions",
        "block_id": "controls",
        "elements": [
            {
                "type": "button",
                "action_id": "resolve",
                "text": {"type": "plain_text", "text": "Resolve"},
                "value": "inc-1",
            }
        ],
    },
]

DECLARE = {
    "type": "modal",
    "callback_id": "declare",
    "private_metadata": "C0INCIDENTS",
    "title": {"type": "plain_text", "text": "Declare"},
    "submit": {"type": "plain_text", "text": "Go"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "severity",
            "optional": True,
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
                    {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
                ],
            },
        },
    ],
}


async def post_json(url: str, body: dict) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        return response.status, await response.text()


async def test_command_is_signed_and_usable(
    driver: SlackDriver, receiver, sandbox: SlackSandbox, client: AsyncWebClient
):
    receiver.answer = lambda r: web.json_response({"text": "Declaring…"})

    reply = await driver.command("U01MARCO", "C0INCIDENTS", "declare Quotes down")

    assert reply.status == 200
    assert reply.json == {"text": "Declaring…"}
    assert reply.within_deadline
    [request] = receiver.received
    assert request.verified
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = request.form
    assert (form["command"], form["text"], form["user_id"], form["user_name"]) == (
        "/incident",
        "declare Quotes down",
        "U01MARCO",
        "marco",
    )
    assert (form["channel_id"], form["channel_name"], form["team_id"]) == (
        "C0INCIDENTS",
        "incidents",
        "T0SANDBOX",
    )
    assert form["response_url"].startswith(sandbox.base_url + "respond/")
    # The ack's text is shown to the user only.
    [ack] = sandbox.ephemerals(user_id="U01MARCO")
    assert (ack.text, ack.source) == ("Declaring…", "ack")
    # The trigger_id opens a modal for that user.
    opened = await client.views_open(trigger_id=form["trigger_id"], view=DECLARE)
    assert sandbox.latest_view("U01MARCO").id == opened["view"]["id"]


async def test_response_url_ephemeral_in_channel_and_limits(
    driver: SlackDriver, receiver, sandbox: SlackSandbox
):
    await driver.command("U02GIULIA", "C0INCIDENTS", "status")
    url = receiver.received[0].form["response_url"]

    assert await post_json(url, {"text": "only you"}) == (200, "ok")
    assert await post_json(url, {"text": "replaced", "replace_original": True}) == (200, "ok")
    assert await post_json(url, {"text": "everyone", "response_type": "in_channel"}) == (200, "ok")
    [ephemeral] = sandbox.ephemerals(user_id="U02GIULIA")
    assert (ephemeral.text, ephemeral.source) == ("replaced", "response_url")
    assert [m.text for m in sandbox.messages("C0INCIDENTS")] == ["everyone"]
    assert sandbox.messages("C0INCIDENTS")[0].bot_id == "B0BOT"
    assert await post_json(url, {"text": "4"}) == (200, "ok")
    assert await post_json(url, {"text": "5"}) == (200, "ok")
    assert await post_json(url, {"text": "6"}) == (404, "used_url")
    assert await post_json(sandbox.response_url("nope"), {"text": "x"}) == (404, "no_service")


async def test_message_is_stored_then_delivered(
    driver: SlackDriver, receiver, sandbox: SlackSandbox
):
    ts = await driver.message("U01MARCO", "C0INCIDENTS", "Offerte non si apre")
    reply_ts = await driver.message("U02GIULIA", "C0INCIDENTS", "confermo", thread_ts=ts)

    stored = sandbox.messages("C0INCIDENTS")
    assert [(m.ts, m.user, m.text) for m in stored] == [
        (ts, "U01MARCO", "Offerte non si apre"),
        (reply_ts, "U02GIULIA", "confermo"),
    ]
    assert stored[0].reply_count == 1
    first, second = (r.payload for r in receiver.received)
    assert all(r.verified for r in receiver.received)
    assert first["type"] == "event_callback"
    assert first["event_id"].startswith("Ev")
    assert first["event_id"] != second["event_id"]
    assert first["authorizations"][0]["user_id"] == "U0BOT"
    assert first["event"]["ts"] == ts
    assert first["event"]["channel_type"] == "channel"
    assert first["event_time"] == int(float(ts))
    assert "thread_ts" not in first["event"]
    assert second["event"]["thread_ts"] == ts
    assert second["event"]["parent_user_id"] == "U01MARCO"


async def test_files_and_invisible_channels(driver: SlackDriver, receiver, sandbox: SlackSandbox):
    await driver.message("U03LUCA", "C0INCIDENTS", "log", files=[("error.log", "boom")])
    event = receiver.received[0].payload["event"]
    assert event["subtype"] == "file_share"
    assert event["files"][0]["name"] == "error.log"
    assert sandbox.state.files[event["files"][0]["id"]].content == b"boom"

    # The bot is not in #general: Slack sends nothing, the message still exists.
    ts = await driver.message("U03LUCA", "C0GENERAL", "pranzo?")
    assert len(receiver.received) == 1
    assert sandbox.messages("C0GENERAL")[0].ts == ts


async def test_retries_carry_slack_headers(driver: SlackDriver, receiver):
    await driver.message("U01MARCO", "C0INCIDENTS", "hello")
    envelope = driver.last_envelope
    assert envelope is not None

    await driver.deliver(envelope, retry_num=1, retry_reason="http_timeout")

    original, retry = receiver.received
    assert "X-Slack-Retry-Num" not in original.headers
    assert retry.headers["X-Slack-Retry-Num"] == "1"
    assert retry.headers["X-Slack-Retry-Reason"] == "http_timeout"
    assert retry.payload["event_id"] == original.payload["event_id"]
    assert retry.verified


async def test_tampered_and_unsigned_requests_fail_verification(driver: SlackDriver, receiver):
    body = payloads.json_body(payloads.url_verification("challenge-1"))
    headers = payloads.sign(body, "wrong-secret", 1_700_000_000)
    reply = await driver.deliver_raw(body, headers)
    assert reply.status == 401
    assert receiver.received[-1].verified is False

    good = payloads.sign(body, driver.signing_secret, int(driver.signing_clock()))
    assert (await driver.deliver_raw(body + b" ", good)).status == 401
    assert (await driver.deliver_raw(body, good)).status == 200
    assert receiver.received[-1].verified is True


async def test_edit_delete_react_pin_events(driver: SlackDriver, receiver, sandbox: SlackSandbox):
    ts = await driver.message("U01MARCO", "C0INCIDENTS", "v1")
    await driver.edit("U01MARCO", "C0INCIDENTS", ts, "v2")
    await driver.react("U02GIULIA", "C0INCIDENTS", ts, ":eyes:")
    await driver.pin("U02GIULIA", "C0INCIDENTS", ts)
    await driver.unpin("U02GIULIA", "C0INCIDENTS", ts)
    await driver.unreact("U02GIULIA", "C0INCIDENTS", ts, "eyes")
    await driver.delete("U01MARCO", "C0INCIDENTS", ts)

    events = [r.payload["event"] for r in receiver.received[1:]]
    changed, added, pinned, unpinned, removed, deleted = events
    assert changed["subtype"] == "message_changed"
    assert (changed["message"]["text"], changed["previous_message"]["text"]) == ("v2", "v1")
    assert changed["message"]["edited"]["user"] == "U01MARCO"
    assert added["type"] == "reaction_added"
    assert added["reaction"] == "eyes"
    assert added["item"] == {"type": "message", "channel": "C0INCIDENTS", "ts": ts}
    assert added["item_user"] == "U01MARCO"
    assert pinned["type"] == "pin_added"
    assert pinned["channel_id"] == "C0INCIDENTS"
    assert pinned["item"]["message"]["ts"] == ts
    assert unpinned["type"] == "pin_removed"
    assert removed["type"] == "reaction_removed"
    assert deleted["subtype"] == "message_deleted"
    assert deleted["deleted_ts"] == ts
    assert deleted["previous_message"]["text"] == "v2"
    assert sandbox.messages("C0INCIDENTS") == []


async def test_click_on_a_bot_message(
    driver: SlackDriver, receiver, sandbox: SlackSandbox, client: AsyncWebClient
):
    posted = await client.chat_postMessage(channel="C0INCIDENTS", text="Quotes", blocks=BUTTONS)

    await driver.click("U03LUCA", "resolve", channel_id="C0INCIDENTS", message_ts=posted["ts"])

    payload = receiver.received[0].payload
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U03LUCA"
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0INCIDENTS",
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == posted["ts"]
    [action] = payload["actions"]
    assert (action["action_id"], action["block_id"], action["value"]) == (
        "resolve",
        "controls",
        "inc-1",
    )
    status, _ = await post_json(
        payload["response_url"], {"text": "Resolved by Luca", "replace_original": True}
    )
    assert status == 200
    assert sandbox.messages("C0INCIDENTS")[0].text == "Resolved by Luca"
    assert await post_json(payload["response_url"], {"delete_original": True}) == (200, "ok")
    assert sandbox.messages("C0INCIDENTS") == []


async def test_submit_view_applies_response_actions(
    driver: SlackDriver, receiver, sandbox: SlackSandbox, client: AsyncWebClient, clock
):
    trigger = sandbox.state.issue_trigger("U01MARCO", now=clock.now())
    view_id = (await client.views_open(trigger_id=trigger, view=DECLARE))["view"]["id"]
    errors = {"response_action": "errors", "errors": {"title": "Too short"}}
    receiver.answer = lambda r: web.json_response(errors)

    await driver.submit_view("U01MARCO", view_id, {"title": {"value": "Q"}})

    view = receiver.received[0].payload["view"]
    assert receiver.received[0].payload["type"] == "view_submission"
    assert (view["id"], view["callback_id"], view["private_metadata"]) == (
        view_id,
        "declare",
        "C0INCIDENTS",
    )
    assert view["state"]["values"] == {
        "title": {"value": {"type": "plain_text_input", "value": "Q"}},
        "severity": {"pick": {"type": "static_select", "selected_option": None}},
    }
    assert sandbox.latest_view("U01MARCO").id == view_id  # still open: errors shown

    receiver.answer = lambda r: web.Response(status=200)
    await driver.submit_view(
        "U01MARCO", view_id, {"title": {"value": "Quotes down"}, "severity": {"pick": "sev1"}}
    )
    values = receiver.received[1].payload["view"]["state"]["values"]
    assert values["severity"]["pick"]["selected_option"]["value"] == "sev1"
    assert sandbox.latest_view("U01MARCO") is None  # closed


async def test_open_home_sends_the_published_view(
    driver: SlackDriver, receiver, client: AsyncWebClient
):
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }
    await client.views_publish(user_id="U02GIULIA", view=home)

    await driver.open_home("U02GIULIA")

    event = receiver.received[0].payload["event"]
    assert event["type"] == "app_home_opened"
    assert event["tab"] == "home"
    assert event["channel"].startswith("D")
    assert event["view"]["blocks"] == home["blocks"]
    assert json.loads(receiver.received[0].body)["type"] == "event_callback"


async def test_click_on_an_ephemeral_message(
    driver: SlackDriver, receiver, sandbox: SlackSandbox, client: AsyncWebClient
):
    # Same frozen clock: the ephemeral must still get a ts no channel message has.
    plain = await client.chat_postMessage(channel="C0INCIDENTS", text="status")
    posted = await client.chat_postEphemeral(
        channel="C0INCIDENTS", user="U01MARCO", text="Confirm?", blocks=BUTTONS
    )
    ts = posted["message_ts"]
    assert ts != plain["ts"]

    await driver.click("U01MARCO", "resolve", "inc-9", channel_id="C0INCIDENTS", message_ts=ts)

    payload = receiver.received[0].payload
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload  # Slack sends none for ephemeral messages
    assert payload["actions"][0]["value"] == "inc-9"
    assert await post_json(payload["response_url"], {"delete_original": True}) == (200, "ok")
    assert sandbox.ephemerals(user_id="U01MARCO") == []


async def test_dm_and_added_channels(
    driver: SlackDriver, receiver, sandbox: SlackSandbox, client: AsyncWebClient
):
    dm = await client.chat_postMessage(channel="U02GIULIA", text="You are incident lead")
    assert dm["channel"] == "D02GIULIA"
    await driver.message("U02GIULIA", "D02GIULIA", "ok")
    assert receiver.received[0].payload["event"]["channel_type"] == "im"

    sandbox.add_user("anna", "Anna Verdi", id="U04ANNA")
    war_room = sandbox.add_channel("war-room", members=["U0BOT", "U04ANNA"])
    await driver.join("U01MARCO", war_room.id, inviter="U04ANNA")
    joined = receiver.received[1].payload["event"]
    assert (joined["type"], joined["user"], joined["inviter"]) == (
        "member_joined_channel",
        "U01MARCO",
        "U04ANNA",
    )
    assert [method for method, _ in sandbox.calls] == ["chat.postMessage"]
