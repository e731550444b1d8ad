"""Signed form submissions with odd private metadata get a field error or a plain 200, never a
500 or a traceback, and change nothing (issue 29): every form the bot handles, carrying
metadata no form of the bot writes."""

from __future__ import annotations

import json
import logging
import time

import pytest

from bot.sandbox import payloads
from bot.sandbox.cast import MARCO
from bot.sandbox.stack import SIGNING_SECRET, SandboxStack
from bot.statuspage.blocks import EDIT_ACTION, EDIT_BLOCK, EDIT_CALLBACK
from handlers.checks import DECLARE_CALLBACK, DISMISS_CALLBACK
from handlers.followups import NEW_DATE_CALLBACK
from handlers.views.close import CLOSE_CALLBACK
from handlers.views.correct import CORRECT_CALLBACK

pytestmark = pytest.mark.transports("http")

CALLBACKS = [
    CLOSE_CALLBACK,
    CORRECT_CALLBACK,
    DECLARE_CALLBACK,
    DISMISS_CALLBACK,
    NEW_DATE_CALLBACK,
    EDIT_CALLBACK,
]
# The ids the forms carry: the close form's incident, the correction form's ("i"), a
# signal's, a follow-up's.
KEYS = ("incident_id", "i", "signal", "followup")
METADATA = [
    "",
    "{",
    "[]",
    "null",
    "{}",
    "9" * 5000,
    str(10**30),
    json.dumps(dict.fromkeys(KEYS, 10**30)),
    json.dumps(dict.fromkeys(KEYS, -1)),
    json.dumps(dict.fromkeys(KEYS, "¹")),
    json.dumps(dict.fromkeys(KEYS, None)),
    json.dumps(dict.fromkeys(KEYS, 999)),  # a number no row has
    json.dumps({"i": 1, "s": {"x|1": 1}}),
]
# Every form's fields filled in, so only the metadata is odd.
STATE = {
    block: {"value": {"type": "plain_text_input", "value": "Odd"}}
    for block in ("title", "why", "reason", "root_cause")
} | {
    "due": {"value": {"type": "datepicker", "selected_date": "2025-05-02"}},
    EDIT_BLOCK: {EDIT_ACTION: {"type": "plain_text_input", "value": "Odd"}},
}


@pytest.mark.parametrize("callback_id", CALLBACKS)
async def test_odd_metadata_is_refused_and_changes_nothing(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture, callback_id: str
) -> None:
    incident = await stack.declare("Offerte sparite")
    before = await stack.services.timeline.entries(incident.id)
    caplog.set_level(logging.WARNING)

    for number, metadata in enumerate(METADATA):
        payload = payloads.view_submission(
            user=payloads.user_ref(MARCO, "marco"),
            view={
                "id": f"V0ODD{number}",
                "type": "modal",
                "callback_id": callback_id,
                "state": {"values": STATE},
                "private_metadata": metadata,
                "hash": "x",
            },
            trigger_id=f"1.{number}.odd",
        )
        body = payloads.interactive_body(payload)
        reply = await stack.driver.deliver_raw(
            body, payloads.sign(body, SIGNING_SECRET, int(time.time()))
        )
        await stack.idle()
        assert reply.status == 200, (metadata[:20], reply.text[:200])
        assert reply.json is None or reply.json["response_action"] == "errors", metadata[:20]

    assert [i.number for i in await stack.services.incidents.list()] == ["INC-1"]
    assert (await stack.services.incidents.get(incident.id)).status.value == "investigating"
    assert await stack.services.timeline.entries(incident.id) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
