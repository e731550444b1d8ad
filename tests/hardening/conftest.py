"""The bot over HTTP with every inbound route on: `/changes`, `/github`, the status page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from bot.sandbox.stack import SandboxStack

CHANGES_SECRET = "changes-SECRET-0123456789"
GITHUB_SECRET = "gh-webhook-SECRET-0123"
StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
async def stack(start_stack: StackFactory, monkeypatch: pytest.MonkeyPatch) -> SandboxStack:
    monkeypatch.setenv("OUTAGEBOT_CHANGES_SECRET", CHANGES_SECRET)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", GITHUB_SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-unused-0123456789")
    github = {
        "repo": "acme/web",
        "token_env": "GITHUB_TOKEN",
        "api_url": "http://127.0.0.1:9",
        "webhook_secret_env": "GITHUB_WEBHOOK_SECRET",
    }
    status_page = {"enabled": True, "public_url": "https://status.acme.example"}
    features = [{"name": "Quotes", "aliases": ["Offerte"]}]
    settings = {"followups": {"github": github}, "status_page": status_page, "features": features}
    return await start_stack(settings)


def base(stack: SandboxStack) -> str:
    return stack.health_url.removesuffix("/healthz")


async def post(stack: SandboxStack, path: str, body: bytes, headers: dict[str, str]) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(base(stack) + path, content=body, headers=headers)
