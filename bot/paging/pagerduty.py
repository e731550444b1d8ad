"""PagerDuty: Events API v2 to trigger and resolve, REST API v2 to read who is on call.

Events: `POST {events_url}/v2/enqueue` with the integration's `routing_key`, `event_action`
and our stable `dedup_key`; 202 `{"status": "success", ...}`, 400 `{"status": "invalid
event", "message", "errors": [...]}`, 429 to be retried later. REST: `Authorization: Token
token=…` and `Accept: application/vnd.pagerduty+json;version=2`; errors are
`{"error": {"message", "code", "errors"}}`.
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

SERVICE = "PagerDuty"
ACCEPT = "application/vnd.pagerduty+json;version=2"
# How far ahead `/incident oncall` looks for the next shift.
AHEAD = timedelta(days=14)

SEVERITY = {
    Severity.sev1: "critical",
    Severity.sev2: "error",
    Severity.sev3: "warning",
    Severity.sev4: "info",
}


def describe(response: httpx.Response) -> str:
    """Both APIs explain a refusal: Events at the top level, REST under `error`."""
    body = error_body(response)
    inner = body.get("error")
    if isinstance(inner, dict):
        body = inner
    message = body.get("message")
    if not isinstance(message, str):
        return excerpt(response)
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return f"{message}: " + "; ".join(str(e) for e in errors)
    return message


class PagerDuty(RemotePager):
    name = "pagerduty"
    service = SERVICE
    describe = staticmethod(describe)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._emails: dict[str, Person] = {}

    # --- Events API v2 -----------------------------------------------------------------

    async def _enqueue(self, event: dict[str, Any]) -> None:
        key = self.secret(self.settings.routing_key_env, "the Events API v2 integration key")
        body = {"routing_key": key.get_secret_value(), **event}
        async with self.session(key) as http:
            reply = await http.request(
                "POST",
                f"{self.settings.events_url}/v2/enqueue",
                headers={"Content-Type": "application/json"},
                content=json.dumps(body).encode(),
            )
        if reply.json_object().get("status") != "success":
            raise CallFailed(f"PagerDuty did not accept the event: {excerpt(reply.response)}")

    async def trigger(self, page: PageOut) -> None:
        details = dict(page.details)
        if page.target.kind != "default":
            details["paged"] = page.email or page.target.name
        await self._enqueue(
            {
                "event_action": "trigger",
                "dedup_key": page.key,
                "payload": {
                    "summary": page.summary[:1024],
                    "source": SOURCE,
                    "severity": SEVERITY[page.severity],
                    "timestamp": page.at.isoformat(),
                    "custom_details": details,
                },
                "links": [{"href": page.link, "text": "Slack channel"}],
                "client": SOURCE,
            }
        )

    async def resolve(self, key: str) -> None:
        await self._enqueue({"event_action": "resolve", "dedup_key": key})

    # --- REST API v2 ---------------------------------------------------------------------

    async def _get(self, path: str, query: list[tuple[str, str]]) -> dict[str, Any]:
        token = self.secret(self.settings.api_token_env, "a PagerDuty REST API token")
        url = f"{self.settings.api}{path}" + (f"?{urlencode(query)}" if query else "")
        headers = {"Authorization": f"Token token={token.get_secret_value()}", "Accept": ACCEPT}
        async with self.session(token) as http:
            reply = await http.request("GET", url, headers=headers)
        return reply.json_object()

    async def oncall(self, schedule: str, now: datetime) -> tuple[list[Shift], list[Shift]]:
        body = await self._get(
            "/oncalls",
            [
                ("schedule_ids[]", schedule),
                ("include[]", "users"),
                ("since", now.isoformat()),
                ("until", (now + AHEAD).isoformat()),
            ],
        )
        shifts: dict[tuple[str, datetime | None], Shift] = {}
        for entry in body.get("oncalls") or []:
            user = entry.get("user") or {}
            person = Person(str(user.get("name") or user.get("summary") or "?"), user.get("email"))
            start, end = parse_instant(entry.get("start")), parse_instant(entry.get("end"))
            shifts.setdefault((person.name, start), Shift(schedule, person, start, end))
        current = [s for s in shifts.values() if s.start is None or s.start <= now]
        later = sorted(
            (s for s in shifts.values() if s.start is not None and s.start > now),
            key=lambda s: s.start or now,
        )
        upcoming = [s for s in later if s.start == later[0].start] if later else []
        return current, upcoming

    async def person(self, user_id: str, name: str) -> Person:
        """A PagerDuty user by id, with the email that maps them to Slack (cached)."""
        if user_id not in self._emails:
            user = (await self._get(f"/users/{quote(user_id, safe='')}", [])).get("user") or {}
            self._emails[user_id] = Person(str(user.get("name") or name), user.get("email"))
        return self._emails[user_id]

    async def events(self, key: str, since: datetime) -> list[PageEvent]:
        body = await self._get("/incidents", [("incident_key", key), ("since", since.isoformat())])
        found: list[PageEvent] = []
        for incident in body.get("incidents") or []:
            for ack in incident.get("acknowledgements") or []:
                who = ack.get("acknowledger") or {}
                at = parse_instant(ack.get("at"))
                if at is not None:
                    person = await self.person(str(who.get("id")), str(who.get("summary") or ""))
                    found.append(PageEvent(key, "acknowledged", at, person))
            resolved = parse_instant(incident.get("last_status_change_at"))
            if incident.get("status") == "resolved" and resolved is not None:
                found.append(PageEvent(key, "resolved", resolved))
        return found
