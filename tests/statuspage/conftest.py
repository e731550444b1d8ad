"""The bot with its status page on, a fake Atlassian Statuspage on loopback, and helpers."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.models import Incident
from bot.sandbox.driver import Transport
from bot.sandbox.loopback import LoopbackApi
from bot.sandbox.stack import SandboxStack
from bot.statuspage.blocks import PUBLISH
from bot.time.clock import ManualClock

MARCO, GIULIA, LUCA, EVE = "U01MARCO", "U02GIULIA", "U03LUCA", "U09EVE"
ANNOUNCE = "C0INCIDENTS"
API_KEY = "sp-SECRET-key-0123456789abcdef"
PAGE = "pg123"
COMPONENTS = {"cmp-app": "operational", "cmp-quotes": "operational", "cmp-purch": "operational"}
STATES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}
STATUSES = {"investigating", "identified", "monitoring", "resolved"}


class FakeStatuspage(LoopbackApi):
    """Statuspage's manage API for one page: components and incidents, checked like the real
    one documents them (OAuth key header, `{"component": ...}` / `{"incident": ...}` bodies)."""

    def __init__(self) -> None:
        super().__init__()
        self.components = dict(COMPONENTS)
        self.incidents: dict[str, dict[str, Any]] = {}
        self.script: list[web.Response] = []

    async def respond(self, request: web.Request, raw: bytes) -> web.StreamResponse:
        body = json.loads(raw) if raw else None
        if request.headers.get("Authorization") != f"OAuth {API_KEY}":
            return web.json_response({"error": "Could not authenticate"}, status=401)
        if self.script:
            return self.script.pop(0)
        base = f"/v1/pages/{PAGE}"
        if m := re.fullmatch(base + r"/components/([\w-]+)", request.path):
            assert request.method == "PATCH"
            assert body is not None
            if m[1] not in self.components:
                return web.json_response({"error": "not found"}, status=404)
            assert set(body) == {"component"}
            assert body["component"]["status"] in STATES
            self.components[m[1]] = body["component"]["status"]
            return web.json_response({"id": m[1], "status": self.components[m[1]]})
        if request.path == base + "/incidents":
            if request.method == "GET":
                return web.json_response(list(self.incidents.values()))
            assert request.method == "POST"
            assert body is not None
            return web.json_response(self._create(body["incident"]), status=201)
        if m := re.fullmatch(base + r"/incidents/([\w-]+)", request.path):
            incident = self.incidents.get(m[1])
            if incident is None:
                return web.json_response({"error": "not found"}, status=404)
            if request.method == "PATCH":
                assert body is not None
                self._update(incident, body["incident"])
            return web.json_response(incident)
        return web.json_response({"error": "no such route"}, status=404)

    def _create(self, fields: dict[str, Any]) -> dict[str, Any]:
        assert fields["name"]
        assert fields["status"] in STATUSES
        assert fields["body"]
        ident = f"inc{len(self.incidents) + 1}"
        incident = {
            "id": ident,
            "name": fields["name"],
            "status": fields["status"],
            "started_at": fields.get("started_at"),
            "metadata": fields.get("metadata") or {},
            "incident_updates": [],
            "components": [],
        }
        self.incidents[ident] = incident
        self._update(incident, fields)
        return incident

    def _update(self, incident: dict[str, Any], fields: dict[str, Any]) -> None:
        assert fields["status"] in STATUSES
        assert set(fields["components"]) <= set(self.components)
        assert all(state in STATES for state in fields["components"].values())
        incident["status"] = fields["status"]
        incident["incident_updates"].insert(0, {"status": fields["status"], "body": fields["body"]})
        incident["components"] = fields["component_ids"]
        self.components.update(fields["components"])


@pytest.fixture
async def statuspage() -> AsyncIterator[FakeStatuspage]:
    async with FakeStatuspage() as fake:
        yield fake


def settings(**status_page: Any) -> dict[str, Any]:
    return {
        "timezone": "Europe/Copenhagen",
        "responders": [LUCA],
        "nudge_minutes": 24 * 60,
        "maintenance": {"backoff_seconds": 0.01},
        "features": [
            {
                "name": "Quotes",
                "aliases": ["Offerte"],
                "public": True,
                "public_name": "Preventivi",
                "statuspage_component": "cmp-quotes",
            },
            {
                "name": "Purchases",
                "aliases": ["Acquisti"],
                "public": True,
                "statuspage_component": "cmp-purch",
            },
            {"name": "Internal admin", "aliases": ["admin"]},
        ],
        "permissions": {"status_page": [MARCO, GIULIA]},
        "status_page": {
            "enabled": True,
            "auto_components": True,
            "title": "Acme status",
            "site_url": "https://acme.example",
            **status_page,
        },
    }


StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def make_stack(
    tmp_path: Path,
    clock: ManualClock,
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
    database_for: Callable[[Path], str],
    started: AsyncExitStack,
) -> StackFactory:
    monkeypatch.setenv("STATUSPAGE_API_KEY", API_KEY)

    async def make(**status_page: Any) -> SandboxStack:
        stack = SandboxStack(
            database_for(tmp_path),
            clock=clock,
            settings=settings(**status_page),
            transport=transport,
        )
        return await started.enter_async_context(stack)

    return make


def base_url(stack: SandboxStack) -> str:
    return stack.health_url.removesuffix("/healthz")


async def get(stack: SandboxStack, path: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(base_url(stack) + path, headers=headers)


async def get_json(stack: SandboxStack, name: str) -> dict[str, Any]:
    response = await get(stack, f"/status/api/v2/{name}.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def states(stack: SandboxStack) -> dict[str, str]:
    document = await get_json(stack, "components")
    return {c["name"]: c["status"] for c in document["components"]}


async def command(stack: SandboxStack, channel: str, text: str, user: str = MARCO) -> str:
    before = len(stack.sandbox.ephemerals(user, channel))
    reply = await stack.driver.command(user, channel, text)
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
    return "\n".join(e.text for e in stack.sandbox.ephemerals(user, channel)[before:])


async def declare(stack: SandboxStack, title: str = "Marco's deploy broke Offerte") -> Incident:
    await command(stack, ANNOUNCE, f"declare {title}")
    incident = (await stack.services.incidents.list(open_only=True))[-1]
    assert incident.channel_id
    return incident


def proposals(stack: SandboxStack, incident: Incident) -> list[Any]:
    """The proposal messages in the channel that still have their buttons."""
    return [
        m
        for m in stack.sandbox.messages(incident.channel_id or "")
        if PUBLISH in json.dumps(m.blocks or [])
    ]


async def click(stack: SandboxStack, incident: Incident, action: str, user: str = MARCO) -> None:
    message = proposals(stack, incident)[-1]
    reply = await stack.driver.click(
        user, action, channel_id=incident.channel_id, message_ts=message.ts
    )
    assert reply.ok
    assert reply.within_deadline
    await stack.idle()
