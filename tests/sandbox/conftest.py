"""Fixtures for the sandbox tests: a started sandbox on a manual clock, a client, a receiver."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SlackDriver, SlackSandbox
from bot.time.clock import ManualClock

# 10:40 in Copenhagen on the day of the outage report.
START = datetime(2024, 10, 30, 9, 40, tzinfo=UTC)


@pytest.fixture
def error_of() -> Callable[[Awaitable[Any]], Awaitable[str]]:
    """Await a Web API call that must fail; give its Slack error code."""

    async def run(call: Awaitable[Any]) -> str:
        with pytest.raises(SlackApiError) as info:
            await call
        return str(info.value.response["error"])

    return run


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox(clock=clock) as sb:
        yield sb


@pytest.fixture
def client(sandbox: SlackSandbox) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-sandbox", base_url=sandbox.api_url)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON of an event body or of an interactivity `payload=` field."""
        if self.body.startswith(b"{"):
            return json.loads(self.body)
        return json.loads(self.form["payload"])


@dataclass
class Receiver:
    """A bot stand-in: verifies Slack's signature, records each request, answers as told."""

    secret: str
    received: list[Received] = field(default_factory=list)
    answer: Callable[[Received], web.Response] = lambda r: web.Response(status=200)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        verified = SignatureVerifier(self.secret).is_valid_request(body, dict(request.headers))
        item = Received(dict(request.headers), body, verified)
        self.received.append(item)
        if not verified:
            return web.Response(status=401)
        return self.answer(item)


@pytest.fixture
async def receiver(sandbox: SlackSandbox) -> AsyncIterator[Receiver]:
    recv = Receiver(secret=sandbox.signing_secret)
    app = web.Application()
    app.router.add_post("/slack/events", recv.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    recv.url = f"http://{host}:{port}/slack/events"
    yield recv
    await runner.cleanup()


@pytest.fixture
async def driver(sandbox: SlackSandbox, receiver: Receiver) -> AsyncIterator[SlackDriver]:
    async with SlackDriver(sandbox, receiver.url) as drv:
        yield drv
