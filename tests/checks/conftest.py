"""A fake app on loopback whose purchases endpoint can be broken and fixed, and the bot wired
to it with a check on Acquisti, at fake time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.plumbing.signing import sign
from bot.sandbox.stack import SandboxStack
from tests.changes.conftest import CHANGES_SECRET
from tests.maintenance.conftest import FakeServer

SMOKE_TOKEN = "smoke-SECRET-0123456789"
ALERTS_TOKEN = "am-SECRET-token-0123456789"
ALERTS_SECRET = "alsec-SECRET-0123456789"
PATH = "/api/purchases"


class FakeApp(FakeServer):
    """`GET /api/purchases?limit=1` as the real app answers it: 200 with a JSON list when
    working, 500 when `broken`; `slow` answers after the given seconds, `body` overrides it."""

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.slow = 0.0
        self.body: str | None = None

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path != PATH:
            return web.json_response({"error": "not found"}, status=404)
        if request.headers.get("Authorization") != f"Bearer {SMOKE_TOKEN}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if self.slow:  # a slow app, which a stopping test need not wait for
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.until_stopped(), self.slow)
        if self.broken:
            return web.json_response({"error": "relation purchases_v2 does not exist"}, status=500)
        if self.body is not None:
            return web.Response(text=self.body, content_type="application/json")
        return web.json_response({"purchases": [{"id": 1}]})


@pytest.fixture
async def fake_app() -> AsyncIterator[FakeApp]:
    async with FakeApp() as fake:
        yield fake


def check(url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "url": url,
        "headers_env": {"Authorization": "SMOKE_AUTH"},
        "expect_status": [200],
        "expect_text": "purchases",
        "timeout_seconds": 2,
        "every_minutes": 0,
        "after_deploy_minutes": [1, 3, 10],
        "failures": 2,
        **overrides,
    }


StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def make_stack(
    monkeypatch: pytest.MonkeyPatch, start_stack: StackFactory, fake_app: FakeApp
) -> StackFactory:
    """The bot with Acquisti checked on the fake app; deploys come in by `POST /changes`."""
    monkeypatch.setenv("SMOKE_AUTH", f"Bearer {SMOKE_TOKEN}")
    monkeypatch.setenv("OUTAGEBOT_CHANGES_SECRET", CHANGES_SECRET)
    monkeypatch.setenv("OUTAGEBOT_ALERTS_TOKEN", ALERTS_TOKEN)
    monkeypatch.setenv("OUTAGEBOT_ALERTS_SECRET", ALERTS_SECRET)

    async def make(
        *, auto_declare: bool = False, extra: dict[str, Any] | None = None, **check_overrides: Any
    ) -> SandboxStack:
        return await start_stack(
            {
                **(extra or {}),
                "features": [
                    {"name": "Quotes", "aliases": ["Offerte"], "services": ["quotes"]},
                    {
                        "name": "Acquisti",
                        "aliases": ["Purchases"],
                        "services": ["web"],
                        "alert_labels": {"service": "purchases"},
                        "check": check(f"{fake_app.url}{PATH}?limit=1", **check_overrides),
                        "auto_declare": auto_declare,
                    },
                ],
                "changes": {"sources": {"ci": {"provider": "webhook"}}},
            }
        )

    return make


def base_url(stack: SandboxStack) -> str:
    return stack.health_url.removesuffix("/healthz")


def signed(body: bytes, secret: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Outagebot-Timestamp": timestamp,
        "X-Outagebot-Signature": sign(secret, timestamp, body),
    }


async def post(
    stack: SandboxStack, path: str, body: Any, headers: dict[str, str] | None = None
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with httpx.AsyncClient() as client:
        sent = {"Content-Type": "application/json", **(headers or {})}
        return await client.post(base_url(stack) + path, content=raw, headers=sent)


async def deploy(stack: SandboxStack, version: str, deployed_at: str, service: str = "web") -> None:
    """CI reports a deploy, signed, as in `POST /changes`."""
    body = json.dumps(
        {
            "service": service,
            "version": version,
            "author": "marco@acme.example",
            "deployed_at": deployed_at,
            "id": f"pipeline-{version}",
        }
    ).encode()
    reply = await post(stack, "/changes", body, signed(body, CHANGES_SECRET))
    assert reply.status_code == 201, reply.text
    await stack.idle()


async def tick(stack: SandboxStack) -> None:
    """One look at the schedule (as the loop does every 30 s), then its background work."""
    assert stack.services is not None
    await stack.services.schedules.run_due()
    await stack.idle()
