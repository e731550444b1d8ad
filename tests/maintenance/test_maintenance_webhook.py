"""The webhook provider against a loopback receiver, verified with the documented recipe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aiohttp import web

from bot.maintenance.providers import webhook

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhook-receiver.md"


@pytest.fixture(scope="module")
def recipe() -> str:
    return re.search(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)[1]


@pytest.fixture(scope="module")
def verify(recipe):
    namespace: dict = {}
    exec(recipe, namespace)
    return namespace["verify"]


def test_the_module_docstring_carries_the_same_recipe(recipe):
    assert recipe in webhook.__doc__


async def test_event_is_signed_and_state_is_read_back(
    receiver, webhook_target, make_gateway, env, verify
):
    secret = env["OUTAGEBOT_WEBHOOK_SECRET"].encode()
    gateway = make_gateway(quotes=webhook_target)

    result = await gateway.set("quotes", True, incident="INC-12", requested_by="U012ABC")

    assert result.ok, result
    assert result.verified_state is True
    assert result.attempts == 1
    post, get = receiver.seen
    assert (post.method, post.path, get.method, get.path) == (
        "POST",
        "/maintenance",
        "GET",
        "/maintenance/state",
    )
    assert json.loads(post.body) == {
        "event": "maintenance.set",
        "target": "quotes",
        "enabled": True,
        "incident": "INC-12",
        "requested_by": "U012ABC",
        "requested_at": "2025-04-30T08:45:00Z",
    }
    for seen in (post, get):
        timestamp = seen.headers["X-Outagebot-Timestamp"]
        assert verify(secret, timestamp, seen.headers["X-Outagebot-Signature"], seen.body)
    assert not verify(secret, timestamp, post.headers["X-Outagebot-Signature"], post.body + b" ")
    assert not verify(b"wrong", timestamp, post.headers["X-Outagebot-Signature"], post.body)
    assert re.fullmatch(r"[0-9a-f]{64}", post.headers["Idempotency-Key"])


async def test_retries_resend_the_same_key_and_body(receiver, webhook_target, make_gateway):
    receiver.answer("POST", web.Response(status=502), web.Response(status=503))
    gateway = make_gateway(quotes=webhook_target)

    result = await gateway.set(
        "quotes", False, incident="INC-12", requested_by="U1", request_id="cmd-1"
    )
    again = await gateway.set(
        "quotes", False, incident="INC-12", requested_by="U1", request_id="cmd-1"
    )
    other = await gateway.set(
        "quotes", False, incident="INC-12", requested_by="U1", request_id="cmd-2"
    )

    assert result.ok
    assert result.attempts == 3
    assert again.ok
    assert other.ok
    posts = receiver.requests("POST")
    keys = [p.headers["Idempotency-Key"] for p in posts]
    assert len(set(keys[:4])) == 1
    assert keys[4] != keys[0]
    assert len({p.body for p in posts[:3]}) == 1


async def test_state_url_disagreeing_is_a_failure(receiver, webhook_target, make_gateway):
    receiver.stale = True

    result = await make_gateway(quotes=webhook_target).set(
        None, True, incident="INC-1", requested_by="U1"
    )

    assert not result.ok
    assert result.verified_state is False
    assert result.error == (
        "webhook 'quotes' said OK but its state URL still reports maintenance=false"
    )


async def test_without_state_url_the_2xx_is_trusted(receiver, webhook_target, make_gateway):
    del webhook_target["state_url"]
    receiver.answer("POST", web.Response(text="ok"))
    gateway = make_gateway(quotes=webhook_target)

    result = await gateway.set(None, True, incident="INC-1", requested_by="U1")

    assert result.ok
    assert result.verified_state is None
    assert result.http_status == 200
    assert await gateway.read_state() is None
    assert [s.method for s in receiver.seen] == ["POST"]


async def test_garbage_state_and_errors_are_reported(receiver, webhook_target, make_gateway):
    gateway = make_gateway(quotes=webhook_target)
    receiver.answer("GET", web.Response(text="maintenance: yes"))
    garbled = await gateway.set(None, True, incident="INC-1", requested_by="U1")
    receiver.answer("POST", web.json_response({"message": "unknown target"}, status=400))
    refused = await gateway.set(None, False, incident="INC-1", requested_by="U1")

    assert not garbled.ok
    assert "not a JSON object: maintenance: yes" in garbled.error
    assert not refused.ok
    assert refused.attempts == 1
    assert refused.error == "400 from webhook 'quotes': unknown target"


async def test_missing_secret_sends_nothing(receiver, webhook_target, make_gateway, env):
    del env["OUTAGEBOT_WEBHOOK_SECRET"]

    result = await make_gateway(quotes=webhook_target).set(
        None, True, incident="INC-1", requested_by="U1"
    )

    assert not result.ok
    assert "OUTAGEBOT_WEBHOOK_SECRET is not set" in result.error
    assert receiver.seen == []
