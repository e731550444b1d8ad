"""GitHub Issues as a tracker: an issue per follow-up, its state read back.

REST v3 as documented: `POST /repos/{owner}/{repo}/issues` and `GET .../issues/{number}` with
`If-None-Match` (a 304 costs no rate limit). A rate-limited answer (403/429 with `Retry-After`,
or `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`) pauses every call until then. GitHub
keeps no due day and takes no idempotency key: the issue's body ends with a hidden marker naming
the follow-up, and a create that got no answer is looked up by it among the issues updated since
the follow-up was written (`GET .../issues?state=all&since=...`, newest first, page by page),
without a label added to the repository.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.followups.config import GithubSettings
from bot.followups.tracker import NewTicket, Ticket, TicketState, TrackerClient, required_secret
from bot.plumbing.http import CallFailed, Reply, error_body, excerpt

SERVICE = "GitHub"
API_VERSION = "2022-11-28"
# GitHub's clock and the bot's may disagree a little: the lookup starts this much earlier.
SKEW = timedelta(minutes=5)


def marker(key: str) -> str:
    """The follow-up's mark in its issue's body, an HTML comment GitHub does not show."""
    return f"<!-- outagebot: {key} -->"


class GithubIssues(TrackerClient[GithubSettings]):
    name = "github"
    service = SERVICE

    @property
    def _issues(self) -> str:
        return f"{self.settings.api_url}/repos/{self.settings.repo}/issues"

    def describe_error(self, response: httpx.Response) -> str:
        """GitHub explains itself in `{"message": ...}`; show that as is."""
        message = error_body(response).get("message")
        return message if isinstance(message, str) else excerpt(response)

    @property
    def credentials(self) -> str:
        return self.settings.token_env

    @property
    def where(self) -> str:
        return self.settings.repo

    def ref(self, number: int) -> str:
        return f"{self.settings.repo}#{number}"

    async def _call(
        self, method: str, url: str, *, etag: str | None = None, payload: object = None
    ) -> Reply:
        token = required_secret(self.environ, self.settings.token_env, "a GitHub token")
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {token.get_secret_value()}",
            "X-GitHub-Api-Version": API_VERSION,
        }
        if etag:
            headers["If-None-Match"] = etag
        return await self.http.request(
            method, url, headers=headers, secrets=[token], payload=payload
        )

    async def create(self, new: NewTicket) -> Ticket:
        payload = {
            "title": new.title[:256],
            "body": "\n".join([*new.lines, "", marker(new.key)]),
            "labels": self.settings.labels,
        }
        reply = await self._call("POST", self._issues, payload=payload)
        return self._ticket(reply.json_object(), reply.response.headers.get("ETag"))

    async def find(self, new: NewTicket) -> Ticket | None:
        """The issue whose body carries the follow-up's marker. Issues come newest first, so
        the pages stop at one older than the follow-up; pull requests are skipped."""
        # GitHub's timestamps are all `YYYY-MM-DDTHH:MM:SSZ`: as text they sort as instants.
        since = (new.written_at - SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = {
            "state": "all",
            "sort": "created",
            "direction": "desc",
            "since": since,
            "per_page": "100",
        }
        url: str | None = f"{self._issues}?{urlencode(query)}"
        while url:
            reply = await self._call("GET", url)
            for issue in reply.json_list():
                if not isinstance(issue, dict) or "pull_request" in issue:
                    continue
                created, body = issue.get("created_at"), issue.get("body")
                if isinstance(created, str) and created < since:
                    return None  # older than the follow-up, and so is every one after it
                if isinstance(body, str) and marker(new.key) in body:
                    return self._ticket(issue, None)
            url = reply.response.links.get("next", {}).get("url")
        return None

    async def get(self, ref: str, etag: str | None) -> Ticket | None:
        """The issue now, or None when it has not changed since `etag` (304)."""
        number = int(ref.rsplit("#", 1)[1])
        reply = await self._call("GET", f"{self._issues}/{number}", etag=etag)
        if reply.status == 304:
            return None
        return self._ticket(reply.json_object(), reply.response.headers.get("ETag"))

    async def update(self, ref: str, due_on: date | None, owner_email: str | None) -> None:
        """An issue has no due day, and a Slack owner is no GitHub login: nothing to send."""

    def _ticket(self, data: dict[str, Any], etag: str | None) -> Ticket:
        number, url, state = data.get("number"), data.get("html_url"), data.get("state")
        if not isinstance(number, int) or not isinstance(url, str) or not isinstance(state, str):
            raise CallFailed("GitHub answered without an issue's number, html_url and state")
        return Ticket(
            ref=self.ref(number),
            url=url,
            state=TicketState.done if state == "closed" else TicketState.open,
            etag=etag,
        )
