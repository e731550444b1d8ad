"""A PagerDuty stand-in on loopback, for the tests and the demo: Events API v2 and REST API v2.

It checks what PagerDuty documents: the Events API answers 202 `{"status": "success",
"message": "Event processed", "dedup_key"}` and refuses with 400 `{"status": "invalid event",
"message": "Event object is invalid", "errors": [...]}`; the REST API wants `Authorization:
Token token=…` and `Accept: application/vnd.pagerduty+json;version=2` and refuses with
`{"error": {"message", "code"}}` (a wrong Accept: 406). What it refused is kept in `problems`.
`deliver` sends what a webhooks v3 subscription would: a signed `incident.*` event.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
from aiohttp import web

from bot.sandbox.loopback import LoopbackApi

ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"  # 32 characters, as PagerDuty's are
API_TOKEN = "u+SECRET-pd-token-0123456789"
ACCEPT = "application/vnd.pagerduty+json;version=2"
SEVERITIES = {"critical", "error", "warning", "info"}


def signature(secret: str, body: bytes) -> str:
    """`X-PagerDuty-Signature` for `body`: `v1=` + hex HMAC-SHA256, keyed with the secret."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PdUser:
    id: str
    name: str
    email: str


@dataclass
class Alert:
    dedup_key: str
    status: str = "triggered"
    triggers: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    acknowledgements: list[dict[str, Any]] = field(default_factory=list)
    changed_at: datetime | None = None


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


class SandboxPagerDuty(LoopbackApi):
    """`POST /v2/enqueue` (Events API v2) and `GET /oncalls`, `/users/{id}`, `/incidents`."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.now = now  # when PagerDuty thinks things happen (the tests' and demo's clock)
        self.script: list[web.StreamResponse] = []  # answered first, in order
        self.delay = 0.0  # seconds before each answer: a slow PagerDuty
        self.alerts: dict[str, Alert] = {}
        self.problems: list[str] = []
        # schedule id -> shifts (user, start, end)
        self.shifts: dict[str, list[tuple[PdUser, datetime, datetime]]] = {}
        self.users: dict[str, PdUser] = {}

    def on_call(self, schedule: str, user: PdUser, start: datetime, end: datetime) -> None:
        self.users[user.id] = user
        self.shifts.setdefault(schedule, []).append((user, start, end))

    def enqueued(self, action: str | None = None) -> list[dict[str, Any]]:
        return [
            seen.json
            for seen in self.requests("POST")
            if seen.path == "/v2/enqueue"
            and (action is None or seen.json["event_action"] == action)
        ]

    def acknowledge(self, key: str, user: PdUser, when: datetime) -> None:
        alert = self.alerts[key]
        alert.status, alert.changed_at = "acknowledged", when
        alert.acknowledgements.append(
            {
                "at": stamp(when),
                "acknowledger": {"id": user.id, "type": "user_reference", "summary": user.name},
            }
        )

    def answer(self, *responses: web.StreamResponse) -> None:
        self.script.extend(responses)

    async def respond(self, request: web.Request, body: bytes) -> web.StreamResponse:
        await asyncio.sleep(self.delay)
        if self.script:
            return self.script.pop(0)
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
            alert = self.alerts[dedup]
            alert.status = "acknowledged" if action == "acknowledge" else "resolved"
            alert.changed_at = self.now()
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
                    "last_status_change_at": stamp(alert.changed_at or self.now()),
                }
            )
        return web.json_response({"incidents": incidents, "limit": 25, "offset": 0, "more": False})


def webhook_event(event_type: str, key: str, user: PdUser, when: datetime, id: str) -> bytes:
    """A webhooks v3 delivery for our incident `key`, as PagerDuty sends it."""
    agent = {
        "id": user.id,
        "type": "user_reference",
        "summary": user.name,
        "self": f"https://api.pagerduty.com/users/{user.id}",
    }
    event = {
        "event": {
            "id": id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": stamp(when),
            "agent": agent,
            "client": None,
            "data": {
                "id": "Q1",
                "type": "incident",
                "number": 1,
                "status": event_type.removeprefix("incident."),
                "incident_key": key,
                "title": key,
                "assignees": [agent],
            },
        }
    }
    return json.dumps(event).encode()


async def deliver(url: str, secret: str, body: bytes, signed: str | None = None) -> httpx.Response:
    """POST a webhook delivery to the bot, signed with `secret` (or the given signature)."""
    headers = {
        "Content-Type": "application/json",
        "X-PagerDuty-Signature": signature(secret, body) if signed is None else signed,
    }
    async with httpx.AsyncClient() as http:
        return await http.post(url, content=body, headers=headers)
