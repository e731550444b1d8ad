"""The HTTP edge: Bolt's signature check, url_verification, retries dropped, health."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.sandbox import payloads
from bot.sandbox.stack import SIGNING_SECRET, SandboxStack
from bot.store.database import Database

pytestmark = pytest.mark.transports("http")  # signatures and raw requests exist only over HTTP


def command_body(text: str = "help") -> bytes:
    fields = payloads.slash_command(
        user_id="U01MARCO",
        user_name="marco",
        channel_id="C0INCIDENTS",
        channel_name="incidents",
        text=text,
        command="/incident",
        response_url="http://127.0.0.1:9/none",
        trigger_id="1.2.3",
    )
    return payloads.form_body(fields)


async def test_a_signed_command_is_acked(stack: SandboxStack) -> None:
    body = command_body()
    reply = await stack.driver.deliver_raw(body, payloads.sign(body, SIGNING_SECRET, time.time()))
    assert reply.status == 200
    assert "subcommands" in reply.text


async def test_bad_missing_and_stale_signatures_get_401(stack: SandboxStack) -> None:
    body = command_body()
    wrong = payloads.sign(body, "not-the-secret", time.time())
    stale = payloads.sign(body, SIGNING_SECRET, time.time() - 6 * 60)
    for headers in (wrong, stale, {"Content-Type": "application/x-www-form-urlencoded"}):
        reply = await stack.driver.deliver_raw(body, headers)
        assert reply.status == 401
    assert not stack.sandbox.calls_to("chat.postMessage")


async def test_url_verification_answers_the_challenge(stack: SandboxStack) -> None:
    body = payloads.json_body(
        payloads.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    reply = await stack.driver.deliver_raw(body, payloads.sign(body, SIGNING_SECRET, time.time()))
    assert reply.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in reply.text


async def test_a_retried_event_is_processed_once(stack: SandboxStack) -> None:
    envelope = payloads.event_callback(
        payloads.app_home_opened_event(user="U02GIULIA", channel="D0GIULIA", event_ts="1.000001"),
        event_id="Ev0RETRY1",
        event_time=1,
    )
    first = await stack.driver.deliver(envelope)
    await stack.idle()
    again = await stack.driver.deliver(envelope, retry_num=1, retry_reason="http_timeout")
    await stack.idle()
    assert first.status == again.status == 200
    assert len(stack.sandbox.calls_to("views.publish")) == 1


async def test_retries_are_dropped_across_a_restart(stack: SandboxStack) -> None:
    envelope = payloads.event_callback(
        payloads.app_home_opened_event(user="U02GIULIA", channel="D0GIULIA", event_ts="1.000001"),
        event_id="Ev0RETRY2",
        event_time=1,
    )
    await stack.driver.deliver(envelope)
    await stack.idle()
    await stack.restart_bot()
    await stack.driver.deliver(envelope, retry_num=2)
    await stack.idle()
    assert len(stack.sandbox.calls_to("views.publish")) == 1


async def test_unknown_event_types_are_acked(stack: SandboxStack) -> None:
    envelope = payloads.event_callback(
        {"type": "emoji_changed", "subtype": "add"}, event_id="Ev0X", event_time=1
    )
    assert (await stack.driver.deliver(envelope)).status == 200


async def test_healthz_reports_the_database(stack: SandboxStack, tmp_path) -> None:
    url = stack.request_url.replace("/slack/events", "/healthz")
    async with httpx.AsyncClient() as client:
        ok = await client.get(url)
        assert ok.status_code == 200
        assert ok.json()["database"] == "ok"
        working = stack.services.db
        stack.services.db = Database(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/x.db")
        try:
            down = await client.get(url)
        finally:
            await stack.services.db.dispose()
            stack.services.db = working
        assert down.status_code == 503
        assert down.json()["database"] == "unreachable"


async def test_a_replayed_request_is_processed_once(stack: SandboxStack) -> None:
    body = command_body("declare Replayed")
    headers = payloads.sign(body, SIGNING_SECRET, time.time())
    first = await stack.driver.deliver_raw(body, headers)
    replay = await stack.driver.deliver_raw(body, headers)
    await stack.idle()
    assert first.status == replay.status == 200
    assert len(await stack.services.incidents.list(open_only=True)) == 1
