"""Opsgenie: the Alert API to page and close, the Schedule API to read who is on call.

Every call sends `Authorization: GenieKey …`. Alerts are made asynchronously: `POST
/v2/alerts` answers 202 `{"result": "Request will be processed", "requestId"}`; our `alias`,
stable per page, deduplicates a repeated create and names the alert when closing
(`/v2/alerts/{alias}/close?identifierType=alias`). Refusals are `{"message", "errors"?}`.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from bot.models import Severity
from bot.paging.models import PageEvent, PageOut, Person, Shift
from bot.paging.remote import SOURCE, RemotePager, parse_instant
from bot.plumbing.http import CallFailed, error_body, excerpt

SERVICE = "Opsgenie"
PRIORITY = {Severity.sev1: "P1", Severity.sev2: "P2", Severity.sev3: "P3", Severity.sev4: "P4"}


def describe(response: httpx.Response) -> str:
    body = error_body(response)
    message = body.get("message")
    if not isinstance(message, str):
        return excerpt(response)
    errors = body.get("errors")
    if isinstance(errors, dict) and errors:
        return f"{message} " + "; ".join(str(v) for v in errors.values())
    return message


class Opsgenie(RemotePager):
    name = "opsgenie"
    service = SERVICE
    describe = staticmethod(describe)

    async def _call(
        self, method: str, path: str, query: dict[str, str], body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        key = self.secret(self.settings.api_key_env, "an Opsgenie API key")
        headers = {"Authorization": f"GenieKey {key.get_secret_value()}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        url = f"{self.settings.api}{path}?{urlencode(query)}" if query else self.settings.api + path
        content = json.dumps(body).encode() if body is not None else None
        async with self.session(key) as http:
            reply = await http.request(method, url, headers=headers, content=content)
        return reply.json_object()

    async def trigger(self, page: PageOut) -> None:
        if page.target.kind == "user" and page.email:
            responders = [{"username": page.email, "type": "user"}]
        else:
            schedule = page.target.name if page.target.kind == "schedule" else None
            schedule = schedule or next(iter(self.settings.schedules), None)
            responders = [{"name": schedule, "type": "schedule"}] if schedule else []
        await self._call(
            "POST",
            "/v2/alerts",
            {},
            {
                "message": page.summary[:130],
                "alias": page.key,
                "description": "\n".join([page.summary, page.link])[:15000],
                "responders": responders,
                "priority": PRIORITY[page.severity],
                "source": SOURCE,
                "tags": [SOURCE],
                "details": page.details,
            },
        )

    async def resolve(self, key: str) -> None:
        await self._call(
            "POST",
            f"/v2/alerts/{quote(key, safe='')}/close",
            {"identifierType": "alias"},
            {"source": SOURCE, "note": "Resolved in Slack"},
        )

    async def oncall(self, schedule: str, now: datetime) -> tuple[list[Shift], list[Shift]]:
        query = {"scheduleIdentifierType": "name", "flat": "true", "date": now.isoformat()}
        name = quote(schedule, safe="")
        current = (await self._call("GET", f"/v2/schedules/{name}/on-calls", query)).get("data")
        upcoming = (await self._call("GET", f"/v2/schedules/{name}/next-on-calls", query)).get(
            "data"
        )
        now_emails = (current or {}).get("onCallRecipients") or []
        next_emails = (upcoming or {}).get("exactNextOnCallRecipients") or []
        return (
            [Shift(schedule, Person(str(e), str(e))) for e in now_emails],
            [Shift(schedule, Person(str(e), str(e))) for e in next_emails],
        )

    async def events(self, key: str, since: datetime) -> list[PageEvent]:
        try:
            body = await self._call(
                "GET", f"/v2/alerts/{quote(key, safe='')}", {"identifierType": "alias"}
            )
        except CallFailed as exc:
            if exc.status == 404:  # not made yet: creation is asynchronous
                return []
            raise
        data = body.get("data") or {}
        report = data.get("report") or {}
        created = parse_instant(data.get("createdAt")) or since
        found: list[PageEvent] = []
        if data.get("acknowledged") and isinstance(report.get("ackTime"), int):
            by = report.get("acknowledgedBy")
            at = created + timedelta(milliseconds=report["ackTime"])
            person = Person(str(by), str(by)) if by else None
            found.append(PageEvent(key, "acknowledged", at, person))
        if data.get("status") == "closed" and isinstance(report.get("closeTime"), int):
            found.append(
                PageEvent(key, "resolved", created + timedelta(milliseconds=report["closeTime"]))
            )
        return found
