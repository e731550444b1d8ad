"""The sandbox's Socket Mode seen from a bare WebSocket client: Slack's side of the protocol."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackSandbox, payloads
from bot.sandbox.state import APP_ID

Connect = Callable[[], Awaitable[aiohttp.ClientWebSocketResponse]]
EVENT = payloads.event_callback(
    payloads.app_home_opened_event(user="U02GIULIA", channel="D0GIULIA", event_ts="1.000001"),
    event_id="Ev0SOCKET",
    event_time=1,
)


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox() as running:
        running.socket.ack_timeout = 0.2
        yield running


async def open_url(sandbox: SlackSandbox, token: str = "xapp-sandbox") -> str:
    client = AsyncWebClient(base_url=sandbox.api_url)
    return str((await client.apps_connections_open(app_token=token))["url"])


@pytest.fixture
async def connect(sandbox: SlackSandbox) -> AsyncIterator[Connect]:
    """Open a connection as an app would and read its `hello`."""
    async with AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def open_one() -> aiohttp.ClientWebSocketResponse:
            ws = await stack.enter_async_context(http.ws_connect(await open_url(sandbox)))
            assert (await ws.receive_json())["type"] == "hello"
            return ws

        yield open_one


async def test_only_an_app_level_token_opens_a_connection(sandbox: SlackSandbox) -> None:
    url = await open_url(sandbox)
    assert url.startswith(sandbox.base_url.replace("http://", "ws://") + "link/?ticket=")
    for token, code in (
        ("xoxb-sandbox", "not_allowed_token_type"),
        ("xapp-forged", "invalid_auth"),
    ):
        with pytest.raises(SlackApiError) as refused:
            await open_url(sandbox, token)
        assert refused.value.response["error"] == code


async def test_hello_first_and_a_forged_ticket_is_refused(sandbox: SlackSandbox) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(await open_url(sandbox)) as ws:
            hello = await ws.receive_json()
            assert hello["type"] == "hello"
            assert hello["num_connections"] == 1
            assert hello["connection_info"] == {"app_id": APP_ID}
        forged = sandbox.base_url.replace("http://", "ws://") + "link/?ticket=forged"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(forged)
        assert refused.value.status == 401


async def test_an_unacked_event_comes_again_with_the_next_retry_attempt(
    sandbox: SlackSandbox, connect: Connect
) -> None:
    ws = await connect()
    delivering = asyncio.create_task(sandbox.socket.deliver("events_api", EVENT))
    first = await ws.receive_json()
    assert first == {
        "envelope_id": first["envelope_id"],
        "type": "events_api",
        "accepts_response_payload": False,
        "payload": EVENT,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    second = await ws.receive_json()
    assert second["retry_attempt"] == 1
    assert second["retry_reason"] == "timeout"
    assert second["envelope_id"] != first["envelope_id"]
    assert second["payload"] == EVENT
    await ws.send_json({"envelope_id": first["envelope_id"]})  # too late: ignored
    await ws.send_json({"envelope_id": second["envelope_id"]})
    delivery = await delivering
    assert delivery.acked
    assert len(delivery.envelopes) == 2
    assert delivery.response is None


async def test_an_event_is_retried_three_times_then_given_up(
    sandbox: SlackSandbox, connect: Connect
) -> None:
    ws = await connect()
    sandbox.socket.ack_timeout = 0.05
    delivery = await sandbox.socket.deliver("events_api", EVENT)
    assert not delivery.acked
    attempts = [(await ws.receive_json())["retry_attempt"] for _ in range(4)]
    assert attempts == [0, 1, 2, 3] == [e["retry_attempt"] for e in delivery.envelopes]


async def test_commands_answer_in_the_ack_and_are_never_retried(
    sandbox: SlackSandbox, connect: Connect
) -> None:
    ws = await connect()
    fields = payloads.slash_command(
        user_id="U01MARCO",
        user_name="marco",
        channel_id="C0INCIDENTS",
        channel_name="incidents",
        text="help",
        response_url="http://127.0.0.1:9/none",
        trigger_id="1.2.3",
    )
    delivering = asyncio.create_task(sandbox.socket.deliver("slash_commands", fields))
    envelope = await ws.receive_json()
    assert envelope["type"] == "slash_commands"
    assert envelope["accepts_response_payload"] is True
    assert "retry_attempt" not in envelope
    assert envelope["payload"] == fields
    await ws.send_json({"envelope_id": envelope["envelope_id"], "payload": {"text": "hi"}})
    assert (await delivering).response == {"text": "hi"}

    unanswered = await sandbox.socket.deliver("slash_commands", fields)
    assert not unanswered.acked
    assert len(unanswered.envelopes) == 1


@pytest.mark.parametrize(("kind", "answers"), [("block_actions", False), ("view_submission", True)])
async def test_interactions_say_whether_the_ack_can_answer(
    sandbox: SlackSandbox, connect: Connect, kind: str, answers: bool
) -> None:
    ws = await connect()
    delivering = asyncio.create_task(sandbox.socket.deliver("interactive", {"type": kind}))
    envelope = await ws.receive_json()
    assert envelope["type"] == "interactive"
    assert envelope["accepts_response_payload"] is answers
    await ws.send_json({"envelope_id": envelope["envelope_id"]})
    assert (await delivering).acked


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_disconnect_moves_envelopes_to_a_new_connection(
    sandbox: SlackSandbox, connect: Connect, reason: str
) -> None:
    old = await connect()
    await sandbox.socket.disconnect(reason)  # type: ignore[arg-type]
    message: dict[str, Any] = await old.receive_json()
    assert message["type"] == "disconnect"
    assert message["reason"] == reason
    assert not (await sandbox.socket.deliver("events_api", EVENT)).sent

    new = await connect()
    delivering = asyncio.create_task(sandbox.socket.deliver("events_api", EVENT))
    envelope = await new.receive_json()
    await old.send_json({"envelope_id": envelope["envelope_id"]})  # any connection may ack
    assert (await delivering).acked


async def test_drop_cuts_the_link_without_a_close_frame(
    sandbox: SlackSandbox, connect: Connect
) -> None:
    ws = await connect()
    sandbox.socket.drop()
    message = await ws.receive()
    assert message.type is aiohttp.WSMsgType.CLOSED
    assert sandbox.socket.connected == 0
    assert not (await sandbox.socket.deliver("events_api", EVENT)).sent


async def test_stopping_the_sandbox_says_going_away(
    sandbox: SlackSandbox, connect: Connect
) -> None:
    ws = await connect()
    await sandbox.stop()
    message = await ws.receive()
    assert message.type is aiohttp.WSMsgType.CLOSE
    assert message.data == aiohttp.WSCloseCode.GOING_AWAY
