"""Loopback PagerDuty (Events API v2 and REST API v2) and Opsgenie, checked as documented.

PagerDuty's Events API answers 202 `{"status": "success", "message": "Event processed",
"dedup_key"}` and refuses with 400 `{"status": "invalid event", "message": "Event object is
invalid", "errors": [...]}`; its REST API wants `Authorization: Token token=…` and
`Accept: application/vnd.pagerduty+json;version=2` and refuses with `{"error": {"message",
"code"}}`. Opsgenie wants `Authorization: GenieKey …`, answers a create or close with 202
`{"result": "Request will be processed", "took", "requestId"}` and refuses with
`{"message", "took", "requestId"}`. What a fake refused is kept in `problems`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from bot.sandbox.stack import SandboxStack
from tests.maintenance.conftest import FakeServer

ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, as PagerDuty's are
API_TOKEN = "u+SECRET-pd-token-0123456789"
GENIE_KEY = "og-SECRET-0000-1111-2222-333333333333"
WEBHOOK_SECRET = "pdwh-SECRET-0123456789abcdef"
ACCEPT = "application/vnd.pagerduty+json;version=2"
SCHEDULE = "PABC123"
MARCO, GIULIA, LUCA = "U01MARCO", "U02GIULIA", "U03LUCA"
ANNOUNCE = "C0INCIDENTS"
SEVERITIES = {"critical", "error", "warning", "info"}


def at(hour: int, minute: int, day: int = 30) -> datetime:
    """A Copenhagen wall time on the outage day (UTC+2 in April), as UTC."""
    return datetime(2025, 4, day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PdUser:
    id: str
    name: str
    email: str


GIULIA_PD = PdUser("PGIULIA", "Giulia Bianchi", "giulia@sandbox.example")
LUCA_PD = PdUser("PLUCA", "Luca Esposito", "luca@sandbox.example")
STRANGER_PD = PdUser("PSTRANGE", "Night Contractor", "night@contractor.example")


@dataclass
class Alert:
    dedup_key: str
    status: str = "triggered"
    triggers: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)


def _event_problem(event: Any) -> str | None:
    """What the Events API says about an event it refuses; None when it is valid."""
    key = event.get("routing_key") if isinstance(event, dict) else None
    if not isinstance(key, str) or not key:
        return "'routing_key' is missing or blank"
    if len(key) != 32:
        return "Length of 'routing_key' is incorrect (should be 32 characters)"
    if key != ROUTING_KEY:
        return "Invalid routing key"
    action, dedup = event.get("event_action"), event.get("dedup_key")
    if action not in ("trigger", "acknowledge", "resolve"):
        return "'event_action' is invalid (must be one of trigger, acknowledge, resolve)"
    if action != "trigger" and not dedup:
        return "'dedup_key' is missing or blank"
    if isinstance(dedup, str) and len(dedup) > 255:
        return "'dedup_key' is too long (maximum is 255 characters)"
    if action == "trigger":
        return _payload_problem(event.get("payload"), event.get("links") or [])
    return None


def _payload_problem(payload: Any, links: list[Any]) -> str | None:
    if not isinstance(payload, dict):
        return "'payload' is missing or blank"
    for name in ("summary", "source", "severity"):
        if not payload.get(name):
            return f"'payload.{name}' is missing or blank"
    if payload["severity"] not in SEVERITIES:
        return "'payload.severity' is invalid (must be one of critical, error, warning, info)"
    if len(payload["summary"]) > 1024:
        return "'payload.summary' is too long (maximum is 1024 characters)"
    if any(not isinstance(link, dict) or not link.get("href") for link in links):
        return "'links' must be objects with an 'href'"
    return None


class FakePagerDuty(FakeServer):
    """`POST /v2/enqueue` (Events API v2) and `GET /oncalls`, `/users/{id}`, `/incidents`."""

    def __init__(self) -> None:
        super().__init__()
        self.alerts: dict[str, Alert] = {}
        self.problems: list[str] = []
        # schedule id -> shifts (user, start, end)
        self.shifts: dict[str, list[tuple[PdUser, datetime, datetime]]] = {}
        self.users = {u.id: u for u in (GIULIA_PD, LUCA_PD, STRANGER_PD)}

    def enqueued(self, action: str | None = None) -> list[dict[str, Any]]:
        return [
            seen.json
            for seen in self.requests("POST")
            if seen.path == "/v2/enqueue"
            and (action is None or seen.json["event_action"] == action)
        ]

    def acknowledge(self, key: str, user: PdUser, when: datetime) -> None:
        alert = self.alerts[key]
        alert.status = "acknowledged"
        alert.acknowledgements.append(
            {
                "at": stamp(when),
                "acknowledger": {"id": user.id, "type": "user_reference", "summary": user.name},
            }
        )

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.path == "/v2/enqueue":
            return self._enqueue(request, body)
        return self._rest(request)

    # --- Events API v2 -------------------------------------------------------------------

    def _invalid(self, *errors: str) -> web.Response:
        self.problems.extend(errors)
        return web.json_response(
            {
                "status": "invalid event",
                "message": "Event object is invalid",
                "errors": list(errors),
            },
            status=400,
        )

    def _enqueue(self, request: web.Request, body: bytes) -> web.Response:
        if request.method != "POST":
            return web.json_response({"status": "error", "message": "Not found"}, status=404)
        if request.content_type != "application/json":
            return self._invalid("Content-Type must be application/json")
        try:
            event = json.loads(body)
        except ValueError:
            return self._invalid("Invalid JSON")
        if problem := _event_problem(event):
            return self._invalid(problem)
        action, dedup = event["event_action"], event.get("dedup_key")
        if action == "trigger":
            dedup = dedup or uuid.uuid4().hex
            alert = self.alerts.setdefault(dedup, Alert(dedup))
            if alert.status == "resolved":  # a new trigger after a resolve is a new alert
                alert = self.alerts[dedup] = Alert(dedup)
            alert.triggers += 1
        elif dedup in self.alerts and self.alerts[dedup].status != "resolved":
            self.alerts[dedup].status = "acknowledged" if action == "acknowledge" else "resolved"
        if dedup in self.alerts:
            self.alerts[dedup].events.append(event)
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": dedup}, status=202
        )

    # --- REST API v2 ---------------------------------------------------------------------

    def _error(self, status: int, message: str, code: int, *errors: str) -> web.Response:
        error: dict[str, Any] = {"message": message, "code": code}
        if errors:
            error["errors"] = list(errors)
        return web.json_response({"error": error}, status=status)

    def _rest(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Token token={API_TOKEN}":
            return self._error(401, "Authentication failed", 2006)
        if request.headers.get("Accept") != ACCEPT:
            self.problems.append(f"Accept was {request.headers.get('Accept')!r}")
            return self._error(406, "Not Acceptable", 2001, "Unsupported API version")
        if request.method != "GET":
            return self._error(404, "Not Found", 2100)
        query = parse_qsl(request.query_string)
        if request.path == "/oncalls":
            return self._oncalls(query)
        if request.path.startswith("/users/"):
            user = self.users.get(request.path.removeprefix("/users/"))
            if user is None:
                return self._error(404, "Not Found", 2100)
            return web.json_response({"user": self._user(user)})
        if request.path == "/incidents":
            return self._incidents(query)
        return self._error(404, "Not Found", 2100)

    def _user(self, user: PdUser) -> dict[str, Any]:
        return {
            "id": user.id,
            "type": "user",
            "summary": user.name,
            "name": user.name,
            "email": user.email,
            "self": f"https://api.pagerduty.com/users/{user.id}",
        }

    def _oncalls(self, query: list[tuple[str, str]]) -> web.Response:
        schedules = [v for k, v in query if k == "schedule_ids[]"]
        include_users = ("include[]", "users") in query
        params = dict(query)
        try:
            since = datetime.fromisoformat(params["since"]) if "since" in params else None
            until = datetime.fromisoformat(params["until"]) if "until" in params else None
        except ValueError:
            return self._error(400, "Invalid Input Provided", 2004)
        unknown = [s for s in schedules if s not in self.shifts]
        if unknown:
            return self._error(404, "Schedule Not Found", 3004)
        found = []
        for schedule in schedules:
            for user, start, end in self.shifts[schedule]:
                if since is not None and end <= since:
                    continue
                if until is not None and start >= until:
                    continue
                ref = (
                    self._user(user)
                    if include_users
                    else {"id": user.id, "type": "user_reference", "summary": user.name}
                )
                found.append(
                    {
                        "escalation_policy": {"id": "PEP1", "type": "escalation_policy_reference"},
                        "escalation_level": 1,
                        "schedule": {"id": schedule, "type": "schedule_reference"},
                        "user": ref,
                        "start": stamp(start),
                        "end": stamp(end),
                    }
                )
        body = {"oncalls": found, "limit": 25, "offset": 0, "more": False, "total": None}
        return web.json_response(body)

    def _incidents(self, query: list[tuple[str, str]]) -> web.Response:
        key = dict(query).get("incident_key")
        alert = self.alerts.get(key or "")
        incidents = []
        if alert is not None:
            incidents.append(
                {
                    "id": "Q1",
                    "type": "incident",
                    "incident_key": alert.dedup_key,
                    "status": alert.status,
                    "acknowledgements": alert.acknowledgements,
                    "last_status_change_at": stamp(at(17, 45)),
                }
            )
        return web.json_response({"incidents": incidents, "limit": 25, "offset": 0, "more": False})


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
async def pagerduty() -> AsyncIterator[FakePagerDuty]:
    async with FakePagerDuty() as fake:
        fake.shifts[SCHEDULE] = [
            (GIULIA_PD, at(8, 0), at(18, 0)),
            (LUCA_PD, at(18, 0), at(8, 0) + timedelta(days=1)),
        ]
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
