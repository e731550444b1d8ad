"""Signed clicks with odd values get a clear ephemeral, never a 500 (issue 29): every button
the bot handles, with values no button of the bot carries."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.sandbox import payloads
from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SIGNING_SECRET, SandboxStack

pytestmark = pytest.mark.transports("http")

ACTIONS = [
    "status_page_publish",
    "status_page_skip",
    "status_page_edit",
    "followup_done",
    "followup_new_date",
    "followup_export",
    "change_caused",
    "change_not_related",
    "change_rollback_confirm",
    "maintenance_on_confirm",
    "incident_resolve_confirm",
    "incident_close_confirm",
    "incident_retry_setup",
    "features_restore_and_resolve",
    "postmortem_close_open",
    "correct_confirm",
    "correct_page",
    "page_confirm",
    "signal_declare",
    "signal_not_incident",
    "signal_mute",
    "signal_mark_down",
    "signal_mark_up",
]
VALUES = [
    "²",
    "9" * 5000,
    "9" * 20,
    "0",
    json.dumps({"incident": 10**30, "change": 1, "target": "web", "request": "r"}),
    json.dumps({"incident": 1, "change": 10**30, "target": "x", "current": "v", "to": "v"}),
    '{"incident": "¹"}',
]


@pytest.mark.parametrize("action", ACTIONS)
async def test_odd_values_are_answered_and_change_nothing(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture, action: str
) -> None:
    incident = await stack.declare("Offerte sparite")
    channel = incident.channel_id or ""
    token = stack.sandbox.state.issue_response_url(channel, MARCO, now=stack.clock.now())
    caplog.set_level(logging.WARNING)

    for value in VALUES:
        payload = payloads.block_actions(
            user=payloads.user_ref(MARCO, "marco"),
            actions=[{"action_id": action, "block_id": "b", "type": "button", "value": value}],
            trigger_id="1.2.click",
            container={"type": "message", "message_ts": "1.000001", "channel_id": channel},
            channel={"id": channel, "name": "inc-1"},
            response_url=stack.sandbox.response_url(token),
        )
        body = payloads.interactive_body(payload)
        reply = await stack.driver.deliver_raw(
            body, payloads.sign(body, SIGNING_SECRET, int(time.time()))
        )
        await stack.idle()
        assert reply.status == 200, (value[:20], reply.text[:200])

    assert (await stack.services.incidents.get(incident.id)).status.value == "investigating"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
