"""A GitHub REST API stand-in on loopback: the issues endpoints, as GitHub documents them.

It checks what GitHub checks (the bearer token, the JSON media type and API version header,
a title in the body), answers with ETags and honours `If-None-Match` with a 304, and can be
scripted to answer rate limits first. The list endpoint `GET .../issues` filters and pages as
GitHub does: `state` (open by default), `since` (updated at or after), `sort`/`direction`,
`per_page` (30 by default, at most 100) and `page`, with a `Link` header to the next page; pull
requests are listed too, with their `pull_request` key. `hang_creates` keeps a create's answer
until the server stops (the issue is made all the same), `lose_creates` too without making it (the
request was lost on its way); `list_down` fails the list.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.sandbox.loopback import LoopbackApi
from bot.sandbox.pagerduty import stamp

TOKEN = "ghp_SECRETtoken0123456789abcdef"
REPO = "acme/web"


@dataclass
class FakeIssue:
    number: int
    title: str
    body: str
    labels: list[str]
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    pull_request: bool = False

    def json(self, base: str) -> dict[str, Any]:
        listed: dict[str, Any] = {
            "number": self.number,
            "html_url": f"https://github.com/{REPO}/issues/{self.number}",
            "url": f"{base}/repos/{REPO}/issues/{self.number}",
            "title": self.title,
            "body": self.body,
            "labels": [{"name": name} for name in self.labels],
            "state": self.state,
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
        }
        if self.pull_request:
            listed["pull_request"] = {"url": f"{base}/repos/{REPO}/pulls/{self.number}"}
        return listed

    @property
    def etag(self) -> str:
        digest = hashlib.sha1(json.dumps(self.json(""), sort_keys=True).encode()).hexdigest()
        return f'W/"{digest}"'


class FakeGithub(LoopbackApi):
    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.now = now  # GitHub's clock: when issues are made and changed
        self.issues: dict[int, FakeIssue] = {}
        self.script: list[web.Response] = []
        self.hang_creates = False
        self.lose_creates = False
        self.list_down = False  # the list answers 503

    def add(self, title: str, body: str = "", *, pull_request: bool = False) -> FakeIssue:
        """An issue (or a pull request, numbered alike) made by someone else, now."""
        now = self.now()
        number = len(self.issues) + 1
        issue = FakeIssue(number, title, body, [], now, now, pull_request=pull_request)
        self.issues[number] = issue
        return issue

    async def respond(self, request: web.Request, body: bytes) -> web.Response:
        if self.script:
            return self.script.pop(0)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "Bad credentials")
        if request.headers.get("Accept") != "application/vnd.github+json":
            return _error(415, "Unsupported 'Accept' header")
        if request.headers.get("X-GitHub-Api-Version") != "2022-11-28":
            return _error(400, "Missing or unsupported API version")
        parts = request.path.strip("/").split("/")
        if parts[:3] != ["repos", *REPO.split("/")] or len(parts) < 4 or parts[3] != "issues":
            return _error(404, "Not Found")
        if request.method == "POST" and len(parts) == 4:
            return await self._create(request, body)
        if request.method == "GET" and len(parts) == 4:
            return self._list(request)
        if request.method == "GET" and len(parts) == 5 and parts[4].isdigit():
            return self._get(request, int(parts[4]))
        return _error(404, "Not Found")

    async def _create(self, request: web.Request, body: bytes) -> web.Response:
        if request.content_type != "application/json":
            return _error(400, "Problems parsing JSON")
        data = json.loads(body)
        if not isinstance(data.get("title"), str) or not data["title"]:
            return _error(422, "Validation Failed")
        if self.lose_creates:
            await self.until_stopped()
            return _error(502, "Bad Gateway")
        issue = self.add(data["title"], data.get("body") or "")
        issue.labels = data.get("labels") or []
        if self.hang_creates:
            await self.until_stopped()
        return web.json_response(issue.json(self.url), status=201, headers={"ETag": issue.etag})

    def _get(self, request: web.Request, number: int) -> web.Response:
        issue = self.issues.get(number)
        if issue is None:
            return _error(404, "Not Found")
        if request.headers.get("If-None-Match") == issue.etag:
            return web.Response(status=304, headers={"ETag": issue.etag})
        return web.json_response(issue.json(self.url), headers={"ETag": issue.etag})

    def _list(self, request: web.Request) -> web.Response:
        if self.list_down:
            return _error(503, "Service Unavailable")
        query = request.query
        state = query.get("state", "open")
        sort, direction = query.get("sort", "created"), query.get("direction", "desc")
        try:
            since = datetime.fromisoformat(query["since"]) if "since" in query else None
            per_page, page = min(int(query.get("per_page", "30")), 100), int(query.get("page", "1"))
        except ValueError:
            return _error(422, "Validation Failed")
        if (
            state not in ("open", "closed", "all")
            or sort not in ("created", "updated")
            or direction not in ("asc", "desc")
            or (since is not None and since.tzinfo is None)
            or per_page < 1
            or page < 1
        ):
            return _error(422, "Validation Failed")
        found = [
            issue
            for issue in self.issues.values()
            if state in ("all", issue.state) and (since is None or issue.updated_at >= since)
        ]
        # Ties in time keep the order the issues were made in.
        found.sort(
            key=lambda i: (i.created_at if sort == "created" else i.updated_at, i.number),
            reverse=direction == "desc",
        )
        shown = found[(page - 1) * per_page : page * per_page]
        headers: dict[str, str] = {}
        if len(found) > page * per_page:
            after = urlencode({**query, "page": str(page + 1)})
            headers["Link"] = f'<{self.url}{request.path}?{after}>; rel="next"'
        return web.json_response([i.json(self.url) for i in shown], headers=headers)


def _error(status: int, message: str) -> web.Response:
    docs = "https://docs.github.com/rest"
    return web.json_response({"message": message, "documentation_url": docs}, status=status)


def rate_limited(status: int, **headers: str) -> web.Response:
    """GitHub's primary (`X-RateLimit-Remaining: 0`) or secondary (`Retry-After`) limit."""
    message = "API rate limit exceeded" if status == 403 else "secondary rate limit"
    return web.json_response({"message": message}, status=status, headers=headers)
