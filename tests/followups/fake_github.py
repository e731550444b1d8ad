"""A GitHub REST API stand-in on loopback: the issues endpoints, as GitHub documents them.

It checks what GitHub checks (the bearer token, the JSON media type and API version header,
a title in the body), answers with ETags and honours `If-None-Match` with a 304, and can be
scripted to answer rate limits first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "ghp_SECRETtoken0123456789abcdef"
REPO = "acme/web"


@dataclass
class FakeIssue:
    number: int
    title: str
    body: str
    labels: list[str]
    state: str = "open"

    def json(self, base: str) -> dict[str, Any]:
        return {
            "number": self.number,
            "html_url": f"https://github.com/{REPO}/issues/{self.number}",
            "url": f"{base}/repos/{REPO}/issues/{self.number}",
            "title": self.title,
            "body": self.body,
            "labels": [{"name": name} for name in self.labels],
            "state": self.state,
        }

    @property
    def etag(self) -> str:
        digest = hashlib.sha1(json.dumps(self.json(""), sort_keys=True).encode()).hexdigest()
        return f'W/"{digest}"'


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeGithub:
    url: str = ""
    issues: dict[int, FakeIssue] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    script: list[web.Response] = field(default_factory=list)

    def requests(self, method: str) -> list[Seen]:
        return [s for s in self.seen if s.method == method]

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.seen.append(Seen(request.method, request.path, dict(request.headers), body))
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
            return self._create(request, body)
        if request.method == "GET" and len(parts) == 5 and parts[4].isdigit():
            return self._get(request, int(parts[4]))
        return _error(404, "Not Found")

    def _create(self, request: web.Request, body: bytes) -> web.Response:
        if request.content_type != "application/json":
            return _error(400, "Problems parsing JSON")
        data = json.loads(body)
        if not isinstance(data.get("title"), str) or not data["title"]:
            return _error(422, "Validation Failed")
        issue = FakeIssue(
            len(self.issues) + 1, data["title"], data.get("body") or "", data.get("labels") or []
        )
        self.issues[issue.number] = issue
        return web.json_response(issue.json(self.url), status=201, headers={"ETag": issue.etag})

    def _get(self, request: web.Request, number: int) -> web.Response:
        issue = self.issues.get(number)
        if issue is None:
            return _error(404, "Not Found")
        if request.headers.get("If-None-Match") == issue.etag:
            return web.Response(status=304, headers={"ETag": issue.etag})
        return web.json_response(issue.json(self.url), headers={"ETag": issue.etag})


def _error(status: int, message: str) -> web.Response:
    docs = "https://docs.github.com/rest"
    return web.json_response({"message": message, "documentation_url": docs}, status=status)


def rate_limited(status: int, **headers: str) -> web.Response:
    """GitHub's primary (`X-RateLimit-Remaining: 0`) or secondary (`Retry-After`) limit."""
    message = "API rate limit exceeded" if status == 403 else "secondary rate limit"
    return web.json_response({"message": message}, status=status, headers=headers)


async def serve() -> AsyncIterator[FakeGithub]:
    fake = FakeGithub()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield fake
    finally:
        await runner.cleanup()
