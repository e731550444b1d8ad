"""Loopback PagerDuty (bot/sandbox/pagerduty.py, shared with the demo) and Opsgenie.

Opsgenie wants `Authorization: GenieKey …`, answers a create or close with 202
`{"result": "Request will be processed", "took", "requestId"}` and refuses with
`{"message", "took", "requestId"}`. What a fake refused is kept in `problems`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.sandbox.pagerduty import API_TOKEN, ROUTING_KEY, PdUser, SandboxPagerDuty
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock
from tests.maintenance.conftest import FakeServer

GENIE_KEY = "og-SECRET-0000-1111-2222-333333333333"
WEBHOOK_SECRET = "pdwh-SECRET-0123456789abcdef"
SCHEDULE = "PABC123"
MARCO, GIULIA, LUCA = "U01MARCO", "U02GIULIA", "U03LUCA"
ANNOUNCE = "C0INCIDENTS"
GIULIA_PD = PdUser("PGIULIA", "Giulia Bianchi", "giulia@sandbox.example")
LUCA_PD = PdUser("PLUCA", "Luca Esposito", "luca@sandbox.example")
FakePagerDuty = SandboxPagerDuty


def at(hour: int, minute: int, day: int = 30) -> datetime:
    """A Copenhagen wall time on the outage day (UTC+2 in April), as UTC."""
    return datetime(2025, 4, day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeOpsgenie(FakeServer):
    """`/v2/alerts` (create, get, close by alias) and `/v2/schedules/{name}/(next-)on-calls`."""

    def __init__(self) -> None:
        super().__init__()
        self.alerts: dict[str, dict[str, Any]] = {}
        self.problems: list[str] = []
        self.oncall: dict[str, tuple[list[str], list[str]]] = {}
        self.now = at(10, 40)

    def _refuse(self, status: int, message: str, **extra: Any) -> web.Response:
        if status in (400, 422):
            self.problems.append(message)
        body = {"message": message, "took": 0.001, "requestId": str(uuid.uuid4()), **extra}
        return web.json_response(body, status=status)

    def _accepted(self) -> web.Response:
        body = {"result": "Request will be processed", "took": 0.1, "requestId": str(uuid.uuid4())}
        return web.json_response(body, status=202)

    def acknowledge(self, alias: str, email: str, after: timedelta) -> None:
        alert = self.alerts[alias]
        alert["acknowledged"] = True
        alert["report"]["ackTime"] = int(after.total_seconds() * 1000)
        alert["report"]["acknowledgedBy"] = email

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"GenieKey {GENIE_KEY}":
            return self._refuse(401, "Key format is not valid!")
        parts = request.path.strip("/").split("/")
        if parts[:2] == ["v2", "alerts"]:
            return self._alerts(request, parts[2:], body)
        if parts[:2] == ["v2", "schedules"] and len(parts) == 4:
            return self._schedule(request, parts[2], parts[3])
        return self._refuse(404, "Could not find the requested resource")

    def _alerts(self, request: web.Request, rest: list[str], body: bytes) -> web.Response:
        if not rest and request.method == "POST":
            if request.content_type != "application/json":
                return self._refuse(415, "Unsupported Media Type")
            data = json.loads(body)
            message = data.get("message")
            if not isinstance(message, str) or not message:
                return self._refuse(
                    422,
                    "Request body is not processable. Please check the errors.",
                    errors={"message": "Message can not be empty."},
                )
            if len(message) > 130:
                return self._refuse(422, "Message can not be longer than 130 characters.")
            if data.get("priority") not in {"P1", "P2", "P3", "P4", "P5", None}:
                return self._refuse(422, "Priority should be one of [P1, P2, P3, P4, P5]")
            alias = data.get("alias") or str(uuid.uuid4())
            if alias not in self.alerts or self.alerts[alias]["status"] == "closed":
                self.alerts[alias] = {
                    "alias": alias,
                    "message": message,
                    "status": "open",
                    "acknowledged": False,
                    "createdAt": stamp(self.now),
                    "priority": data.get("priority", "P3"),
                    "responders": data.get("responders", []),
                    "report": {},
                    "count": 1,
                }
            else:
                self.alerts[alias]["count"] += 1
            return self._accepted()
        if request.query.get("identifierType") != "alias":
            return self._refuse(400, "identifierType must be alias here")
        alert = self.alerts.get(rest[0]) if rest else None
        if alert is None:
            return self._refuse(404, "Alert does not exist")
        if len(rest) == 2 and rest[1] == "close" and request.method == "POST":
            alert["status"] = "closed"
            alert["report"]["closeTime"] = 1000
            return self._accepted()
        if len(rest) == 1 and request.method == "GET":
            return web.json_response({"data": alert, "took": 0.01, "requestId": "r"})
        return self._refuse(404, "Could not find the requested resource")

    def _schedule(self, request: web.Request, name: str, what: str) -> web.Response:
        if request.query.get("scheduleIdentifierType") != "name":
            return self._refuse(400, "scheduleIdentifierType must be name here")
        if name not in self.oncall:
            return self._refuse(404, f"Schedule with identifier [{name}] does not exist")
        current, upcoming = self.oncall[name]
        parent = {"id": "s1", "name": name, "enabled": True}
        if what == "on-calls":
            data = {"_parent": parent, "onCallRecipients": current}
        elif what == "next-on-calls":
            data = {
                "_parent": parent,
                "exactNextOnCallRecipients": upcoming,
                "nextOnCallRecipients": upcoming,
            }
        else:
            return self._refuse(404, "Could not find the requested resource")
        return web.json_response({"data": data, "took": 0.01, "requestId": "r"})


@pytest.fixture
async def pagerduty(clock: ManualClock) -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty(clock.now) as fake:
        fake.on_call(SCHEDULE, GIULIA_PD, at(8, 0), at(18, 0))
        fake.on_call(SCHEDULE, LUCA_PD, at(18, 0), at(8, 0) + timedelta(days=1))
        yield fake


@pytest.fixture
async def opsgenie() -> AsyncIterator[FakeOpsgenie]:
    async with FakeOpsgenie() as fake:
        fake.oncall["Primary"] = (["giulia@sandbox.example"], ["luca@sandbox.example"])
        yield fake


StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def pd_stack(
    monkeypatch: pytest.MonkeyPatch, start_stack: StackFactory, pagerduty: FakePagerDuty
) -> StackFactory:
    """The bot paging the loopback PagerDuty, retries 10 ms apart; `paging` overrides keys."""
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEY", ROUTING_KEY)
    monkeypatch.setenv("PAGERDUTY_API_TOKEN", API_TOKEN)

    async def make(webhook: bool = True, **paging: Any) -> SandboxStack:
        if webhook:
            monkeypatch.setenv("OUTAGEBOT_PAGERDUTY_WEBHOOK_SECRET", WEBHOOK_SECRET)
        else:
            monkeypatch.delenv("OUTAGEBOT_PAGERDUTY_WEBHOOK_SECRET", raising=False)
        permissions = paging.pop("permissions", {})
        settings = {
            "provider": "pagerduty",
            "schedules": [SCHEDULE],
            "auto_page": ["sev1", "sev2"],
            "events_url": pagerduty.url,
            "api_url": pagerduty.url,
            "backoff_seconds": 0.01,
            **paging,
        }
        return await start_stack({"paging": settings, "permissions": permissions})

    return make
