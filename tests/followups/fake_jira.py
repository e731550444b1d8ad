"""A Jira Cloud REST API v3 stand-in on loopback, checking what Jira documents and checks.

Basic auth `email:api_token` (else 401); `POST /rest/api/3/issue` with a project key, an issue
type, a summary, a description in Atlassian Document Format, `duedate` as YYYY-MM-DD, labels
without spaces and an assignee's `accountId` (else 400 with Jira's
`{"errorMessages": [], "errors": {field: message}}`); `GET /rest/api/3/user/search?query=`;
`GET /rest/api/3/search/jql` for the two JQL shapes the bot sends; `PUT /rest/api/3/issue/{key}`
(204). `script` answers first (rate limits, 403); `search_down` fails searches; `hang_creates`
makes a create keep its answer until the server stops (the ticket is made all the same), as a
timeout in flight looks.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from bot.sandbox.loopback import LoopbackApi

EMAIL = "oncall@acme.example"
TOKEN = "ATATT3xFfGF0-SECRET-jira-token"
PROJECT = "OPS"
ISSUE_TYPES = ("Task", "Bug")
# Atlassian accounts of the sandbox's people (their Slack emails).
ACCOUNTS = {
    "marco@sandbox.example": "5b10ac8d82e05b22cc7d4ef5",
    "giulia@sandbox.example": "5b10a2844c20165700ede21g",
}
_BY_KEY = re.compile(r"key = ([A-Z][A-Z0-9_]*-[0-9]+)")
_BY_LABEL = re.compile(r'project = "([A-Z0-9_]+)" AND labels = "([^"]+)"')
_MARKS = {"em", "strong", "code", "link"}


@dataclass
class FakeJiraIssue:
    id: int
    key: str
    summary: str
    description: dict[str, Any]
    labels: list[str]
    duedate: str | None
    assignee: str | None
    category: str = "new"  # new | indeterminate | done
    updates: list[dict[str, Any]] = field(default_factory=list)

    def json(self, base: str) -> dict[str, Any]:
        names = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
        return {
            "id": str(self.id),
            "key": self.key,
            "self": f"{base}/rest/api/3/issue/{self.id}",
            "fields": {
                "status": {"name": names[self.category], "statusCategory": {"key": self.category}},
                "duedate": self.duedate,
                "labels": self.labels,
                "assignee": _account(self.assignee) if self.assignee else None,
            },
        }


def _account(account_id: str) -> dict[str, Any]:
    email = next(e for e, a in ACCOUNTS.items() if a == account_id)
    return {"accountId": account_id, "emailAddress": email, "accountType": "atlassian"}


def jira_error(status: int, *messages: str, **errors: str) -> web.Response:
    body = {"errorMessages": list(messages), "errors": errors}
    return web.json_response(body, status=status)


def adf_problem(doc: object) -> str | None:
    """What makes `doc` no Atlassian Document Format doc of paragraphs and text, if anything."""
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return "not a doc of version 1"
    blocks = doc.get("content")
    if not isinstance(blocks, list) or not blocks:
        return "a doc needs content"
    for block in blocks:
        if not isinstance(block, dict) or block.get("type") != "paragraph":
            return "only paragraphs are expected"
        for node in block.get("content") or []:
            if node.get("type") != "text" or not isinstance(node.get("text"), str):
                return "a paragraph holds text nodes"
            if not node["text"]:
                return "a text node must not be empty"
            for mark in node.get("marks") or []:
                if mark.get("type") not in _MARKS:
                    return f"unknown mark {mark.get('type')!r}"
                if mark["type"] == "link" and not (mark.get("attrs") or {}).get("href"):
                    return "a link mark needs attrs.href"
    return None


class FakeJira(LoopbackApi):
    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[str, FakeJiraIssue] = {}
        self.script: list[web.Response] = []
        self.hang_creates = False
        self.search_down = False  # searches answer 503

    def issue(self, n: int) -> FakeJiraIssue:
        return self.issues[f"{PROJECT}-{n}"]

    async def respond(self, request: web.Request, body: bytes) -> web.Response:
        if self.script:
            return self.script.pop(0)
        basic = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {basic}":
            return jira_error(401, "Client must be authenticated to access this resource.")
        path, method = request.path, request.method
        if method == "GET" and path == "/rest/api/3/user/search":
            return self._users(request.query.get("query", ""))
        if method == "POST" and path == "/rest/api/3/issue":
            return await self._create(request, body)
        if method == "GET" and path == "/rest/api/3/search/jql":
            if self.search_down:
                return jira_error(503, "Service unavailable")
            return self._search(request.query_string)
        if method == "PUT" and path.startswith("/rest/api/3/issue/"):
            return self._update(request, path.rsplit("/", 1)[1], body)
        return jira_error(404, "Not found")

    def _users(self, query: str) -> web.Response:
        found = [
            {"accountId": account, "accountType": "atlassian", "emailAddress": email}
            for email, account in ACCOUNTS.items()
            if query and email.startswith(query.lower())
        ]
        return web.json_response(found)

    def _fields_problem(self, fields: dict[str, Any]) -> web.Response | None:
        if "duedate" in fields and fields["duedate"] is not None:
            try:
                date.fromisoformat(fields["duedate"])
            except (TypeError, ValueError):
                return jira_error(
                    400, duedate="Error parsing date string: " + str(fields["duedate"])
                )
        assignee = fields.get("assignee")
        if assignee is not None and (assignee.get("accountId") not in ACCOUNTS.values()):
            return jira_error(400, assignee=f"User '{assignee}' cannot be assigned issues.")
        return None

    async def _create(self, request: web.Request, body: bytes) -> web.Response:
        if request.content_type != "application/json":
            return jira_error(415, "Unsupported Media Type")
        fields = json.loads(body).get("fields") or {}
        if (fields.get("project") or {}).get("key") != PROJECT:
            return jira_error(400, project="valid project is required")
        if (fields.get("issuetype") or {}).get("name") not in ISSUE_TYPES:
            return jira_error(400, issuetype="valid issue type is required")
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 255:
            return jira_error(400, summary="You must specify a summary of the issue.")
        if problem := adf_problem(fields.get("description")):
            return jira_error(
                400, description=f"Operation value must be an Atlassian Document: {problem}"
            )
        labels = fields.get("labels") or []
        if any(not isinstance(label, str) or " " in label for label in labels):
            return jira_error(400, labels="A label cannot contain spaces.")
        if refused := self._fields_problem(fields):
            return refused
        n = len(self.issues) + 1
        issue = FakeJiraIssue(
            id=10000 + n,
            key=f"{PROJECT}-{n}",
            summary=summary,
            description=fields["description"],
            labels=labels,
            duedate=fields.get("duedate"),
            assignee=(fields.get("assignee") or {}).get("accountId"),
        )
        self.issues[issue.key] = issue
        if self.hang_creates:
            await self.until_stopped()
        created = {"id": str(issue.id), "key": issue.key, "self": issue.json(self.url)["self"]}
        return web.json_response(created, status=201)

    def _search(self, query_string: str) -> web.Response:
        query = {k: v[0] for k, v in parse_qs(query_string).items()}
        jql = query.get("jql", "")
        if by_key := _BY_KEY.fullmatch(jql):
            found = [i for i in self.issues.values() if i.key == by_key[1]]
        elif by_label := _BY_LABEL.fullmatch(jql):
            project, label = by_label.groups()
            found = [
                i for i in self.issues.values() if i.key.startswith(project) and label in i.labels
            ]
        else:
            return jira_error(400, f"Error in the JQL Query: cannot read {jql!r}.")
        issues = [i.json(self.url) for i in found]
        wanted = set(query.get("fields", "").split(","))
        for issue in issues:
            issue["fields"] = {k: v for k, v in issue["fields"].items() if k in wanted}
        return web.json_response({"issues": issues, "isLast": True})

    def _update(self, request: web.Request, key: str, body: bytes) -> web.Response:
        issue = self.issues.get(key)
        if issue is None:
            return jira_error(404, "Issue does not exist or you do not have permission to see it.")
        if request.content_type != "application/json":
            return jira_error(415, "Unsupported Media Type")
        fields = json.loads(body).get("fields") or {}
        if refused := self._fields_problem(fields):
            return refused
        issue.updates.append(fields)
        if "duedate" in fields:
            issue.duedate = fields["duedate"]
        if "assignee" in fields:
            issue.assignee = (fields["assignee"] or {}).get("accountId")
        return web.Response(status=204)


def rate_limited(retry_after: int) -> web.Response:
    """Jira's 429: `Retry-After` seconds, and a body in its error shape."""
    return web.json_response(
        {"errorMessages": ["Rate limit exceeded."], "errors": {}},
        status=429,
        headers={"Retry-After": str(retry_after)},
    )
