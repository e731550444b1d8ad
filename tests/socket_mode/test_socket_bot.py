"""The bot over Socket Mode: redeliveries, forced reconnects mid-burst, health and backoff."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.models import EntryKind
from bot.plumbing.retry import RetryPolicy
from bot.sandbox import error, payloads
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.serve.socket_mode import ConnectionState

pytestmark = pytest.mark.transports("socket")


async def message_texts(stack: SandboxStack) -> list[str]:
    assert stack.services is not None
    entries = await stack.services.timeline.entries(1)
    return [e.text for e in entries if e.kind is EntryKind.message]


async def test_a_redelivered_envelope_is_processed_once(stack: SandboxStack, channel: str) -> None:
    assert stack.driver is not None
    sock = stack.sandbox.socket
    sock.ack_timeout = 0.5
    sock.lose_acks(1)
    home = await stack.driver.open_home(GIULIA)
    sock.lose_acks(1)
    await stack.driver.message(MARCO, channel, "quotes page is empty for every customer")
    await stack.idle()

    assert home.ok
    assert stack.driver.last_reply
    assert stack.driver.last_reply.ok
    for delivery in sock.deliveries[-2:]:
        attempts = [(e["retry_attempt"], e["retry_reason"]) for e in delivery.envelopes]
        assert attempts == [(0, ""), (1, "timeout")]
        assert delivery.acked
    assert len(stack.sandbox.calls_to("views.publish")) == 1
    assert await message_texts(stack) == ["quotes page is empty for every customer"]


async def test_a_retry_of_an_event_never_seen_is_processed(stack: SandboxStack) -> None:
    """Only the event id says "seen": a retry whose first attempt was lost still counts."""
    assert stack.driver is not None
    event = payloads.app_home_opened_event(user=GIULIA, channel="D0GIULIA", event_ts="1.000001")
    envelope = payloads.event_callback(event, event_id="Ev0LOSTFIRST", event_time=1)
    reply = await stack.driver.deliver(envelope, retry_num=2, retry_reason="timeout")
    await stack.idle()
    assert reply.ok
    assert stack.sandbox.socket.deliveries[-1].envelopes[0]["retry_attempt"] == 2
    assert len(stack.sandbox.calls_to("views.publish")) == 1


@pytest.mark.parametrize("how", ["refresh_requested", "warning", "drop"])
async def test_a_reconnect_mid_burst_loses_and_doubles_nothing(
    stack: SandboxStack, channel: str, how: str
) -> None:
    assert stack.driver is not None
    assert stack.socket is not None
    sock = stack.sandbox.socket
    texts = [f"burst message {i}" for i in range(100)]
    for i, text in enumerate(texts):
        if i == 40:
            if how == "drop":
                sock.drop()
            else:
                await sock.disconnect(how)  # type: ignore[arg-type]
        if i == 70:  # the rest over the new connection
            await stack.socket.reach(ConnectionState.connected, connections=2)
        await stack.driver.message(MARCO, channel, text)
    await stack.idle()

    assert sorted(await message_texts(stack)) == sorted(texts)
    bursts = sock.deliveries[-100:]
    assert all(d.acked for d in bursts[:40] + bursts[70:])
    if how == "drop":
        assert not bursts[40].sent  # posted while disconnected: only the backfill saw it
    assert stack.socket.connections == 2


async def test_healthz_follows_the_connection_and_reconnects_back_off(
    stack: SandboxStack,
) -> None:
    assert stack.socket is not None
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            stack.sandbox.faults.clear()
        await asyncio.sleep(seconds)

    stack.socket.retry = RetryPolicy(backoff_base=0.05, backoff_cap=0.5, sleep=sleep)
    async with httpx.AsyncClient() as http:
        up = await http.get(stack.health_url)
        assert up.status_code == 200
        assert up.json()["socket_mode"] == "connected"

        stack.sandbox.faults.add("apps.connections.open", error("internal_error"))
        stack.sandbox.socket.drop()
        await stack.socket.reach(ConnectionState.reconnecting)
        down = await http.get(stack.health_url)
        assert down.status_code == 503
        assert down.json()["socket_mode"] == "reconnecting"

        await stack.socket.reach(ConnectionState.connected, connections=2)
        again = await http.get(stack.health_url)
        assert again.status_code == 200
        assert again.json()["socket_mode"] == "connected"
    refused = [c for c in stack.sandbox.calls_to("apps.connections.open") if c.fault]
    assert len(refused) == len(slept) == 3
    assert slept == sorted(slept)
