"""Unauthenticated input costs nothing (issue 29): bounded bodies, signatures checked on the
raw bytes first, odd headers answered 400/401 (never 5xx), one short log line per refusal."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx
import pytest

from bot.plumbing.signing import signature_headers
from bot.sandbox import payloads
from bot.sandbox.stack import SandboxStack

from .conftest import CHANGES_SECRET, base, post

pytestmark = pytest.mark.transports("http")

MEGABYTE = 1024 * 1024
FORM = "application/x-www-form-urlencoded"


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "outagebot.refused"]


async def test_a_body_over_a_megabyte_is_413_unread_and_logged_in_one_short_line(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = b"token=x&text=" + b"A" * (2 * MEGABYTE)

    answer = await post(stack, "/slack/events", body, {"Content-Type": FORM})

    assert answer.status_code == 413
    [line] = refusals(caplog)
    assert line == f"refused POST /slack/events ({len(body)} bytes): body over 1 MB"
    assert all("AAAA" not in r.getMessage() for r in caplog.records)


async def test_an_unsigned_body_is_refused_before_it_is_parsed(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A slash command as Slack sends one, with a long title, signed with the wrong secret.
    body = b"command=%2Fincident&user_id=U01MARCO&channel_id=C0INCIDENTS&trigger_id=1.2.3"
    body += b"&text=declare+" + b"B" * (MEGABYTE - 2000)
    headers = payloads.sign(body, "not-the-secret", int(time.time()))

    answer = await post(stack, "/slack/events", body, headers)

    assert answer.status_code == 401
    assert refusals(caplog) == [f"refused POST /slack/events ({len(body)} bytes): bad signature"]
    ours = [r.getMessage() for r in caplog.records if r.name != "aiosqlite"]
    assert max(len(m) for m in ours) < 300
    assert all("BBBB" not in m for m in ours)
    assert await stack.services.incidents.list() == []


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("9" * 5000, "v0=00"),
        ("¹⁷⁰⁰⁰⁰⁰⁰⁰⁰", "v0=00"),
        ("now", "v0=00"),
        (None, "v0=00"),
        ("{now}", "v0=ünïcode"),
        ("{now}", ""),
    ],
    ids=["5000-digits", "superscript", "word", "missing", "non-ascii-signature", "no-signature"],
)
@pytest.mark.parametrize("path", ["/slack/events", "/changes", "/github"])
async def test_odd_signature_headers_are_401_never_a_5xx(
    stack: SandboxStack,
    caplog: pytest.LogCaptureFixture,
    path: str,
    timestamp: str | None,
    signature: str,
) -> None:
    names = {
        "/slack/events": ("X-Slack-Request-Timestamp", "X-Slack-Signature"),
        "/changes": ("X-Outagebot-Timestamp", "X-Outagebot-Signature"),
        "/github": ("X-Outagebot-Timestamp", "X-Hub-Signature-256"),
    }[path]
    headers = {"Content-Type": "application/json", names[1]: signature}
    if timestamp is not None:
        headers[names[0]] = timestamp.format(now=int(time.time()))
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]

    async with httpx.AsyncClient(timeout=10) as client:
        request = client.build_request("POST", base(stack) + path, content=b'{"a": 1}')
        request.headers = httpx.Headers(list(request.headers.raw) + raw)
        answer = await client.send(request)

    assert answer.status_code == 401
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_signed_change_still_gets_in(stack: SandboxStack) -> None:
    body = json.dumps(
        {"id": "ci-1", "service": "web", "version": "v121", "deployed_at": "2025-04-30T08:38:00Z"}
    ).encode()
    headers = {"Content-Type": "application/json", **signature_headers(CHANGES_SECRET, body)}

    answer = await post(stack, "/changes", body, headers)

    assert answer.status_code == 201


@pytest.mark.parametrize("host", ["x:99999999", "exa mple:80", "[::1"])
async def test_an_invalid_host_is_400_and_never_reflected(stack: SandboxStack, host: str) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(base(stack) + "/status/feed.atom", headers={"Host": host})
        good = await client.get(base(stack) + "/status/feed.atom", headers={"Host": "evil.example"})

    assert answer.status_code == 400
    assert good.status_code == 200
    assert "evil.example" not in good.text
    assert "https://status.acme.example/status" in good.text


async def test_a_body_cut_off_is_one_line_and_no_traceback(
    stack: SandboxStack, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = base(stack).removeprefix("http://").split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n\r\ntoken=x&te"
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()

    for _ in range(200):  # the server notices the closed connection on its own loop
        if refusals(caplog):
            break
        await asyncio.sleep(0.01)

    assert refusals(caplog) == [
        "refused POST /slack/events (100000 bytes): connection lost while reading the body"
    ]
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# The webhooks of the detection, paging and tracker integrations, each with its own header.
WEBHOOKS = {
    "/alerts": "X-Outagebot-Signature",
    "/alerts/alertmanager": "Authorization",
    "/pagerduty": "X-PagerDuty-Signature",
    "/jira": "X-Hub-Signature",
    "/linear": "Linear-Signature",
}


@pytest.fixture
async def integrations(start_stack, monkeypatch: pytest.MonkeyPatch) -> SandboxStack:
    for name in (
        "OUTAGEBOT_ALERTS_SECRET",
        "OUTAGEBOT_ALERTS_TOKEN",
        "OUTAGEBOT_PAGERDUTY_WEBHOOK_SECRET",
        "OUTAGEBOT_JIRA_WEBHOOK_SECRET",
        "OUTAGEBOT_LINEAR_WEBHOOK_SECRET",
    ):
        monkeypatch.setenv(name, f"{name.lower()}-0123456789")
    nowhere = "http://127.0.0.1:9"
    followups = {
        "tracker": "jira",
        "jira": {"url": nowhere, "project": "OPS"},
        "linear": {"team_id": "T1", "api_url": nowhere},
    }
    paging = {"provider": "pagerduty", "events_url": nowhere, "api_url": nowhere}
    return await start_stack({"followups": followups, "paging": paging})


@pytest.mark.parametrize("path", list(WEBHOOKS))
async def test_odd_headers_on_every_integration_webhook_are_4xx_never_a_5xx(
    integrations: SandboxStack, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    odd = [
        {WEBHOOKS[path]: "v1=ünïcode", "X-Outagebot-Timestamp": "9" * 5000},
        {WEBHOOKS[path]: "sha256=00", "X-Outagebot-Timestamp": "¹⁷⁰⁰⁰⁰⁰⁰⁰⁰"},
    ]
    async with httpx.AsyncClient(timeout=10) as client:
        for headers in odd:
            request = client.build_request("POST", base(integrations) + path, content=b"{}")
            raw = [(k.encode(), v.encode()) for k, v in headers.items()]
            request.headers = httpx.Headers(list(request.headers.raw) + raw)
            answer = await client.send(request)
            assert answer.status_code in {400, 401}, (path, headers, answer.text)

    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert await integrations.services.incidents.list() == []
