"""Jira Cloud as a tracker: REST API v3 with Basic auth `email:api_token`.

`POST /rest/api/3/issue` creates the issue (summary, a description in Atlassian Document Format
with the incident channel as a link, `duedate`, labels `incident`, `INC-n` and the follow-up's
own, the assignee's `accountId` found by `GET /rest/api/3/user/search?query=<email>`);
`GET /rest/api/3/search/jql` reads issues back (by key, or by the follow-up's label after a
create that got no answer); `PUT /rest/api/3/issue/{key}` takes a new due day or assignee.
Done is `fields.status.statusCategory.key == "done"`. Jira explains a refusal in
`{"errorMessages": [...], "errors": {field: message}}`; a 429 names its `Retry-After`.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from bot.followups.config import JiraSettings
from bot.followups.tracker import NewTicket, Ticket, TicketState, TrackerClient, required_secret
from bot.plumbing.http import CallFailed, Reply, error_body, excerpt

SERVICE = "Jira"
_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[0-9]+")
FIELDS = "status,duedate,labels,assignee"


def adf(lines: list[str], link: str | None) -> dict[str, Any]:
    """The lines as an Atlassian Document Format doc: a paragraph each, `link` a link mark,
    a line in `_underscores_` in italics."""
    paragraphs: list[dict[str, Any]] = []
    for line in lines:
        if not line:
            continue
        nodes: list[dict[str, Any]] = []
        if link and link in line:
            before, after = line.split(link, 1)
            mark = {"type": "link", "attrs": {"href": link}}
            nodes += [_text(before), {"type": "text", "text": link, "marks": [mark]}, _text(after)]
        elif len(line) > 2 and line.startswith("_") and line.endswith("_"):
            nodes.append({"type": "text", "text": line[1:-1], "marks": [{"type": "em"}]})
        else:
            nodes.append(_text(line))
        paragraphs.append({"type": "paragraph", "content": [n for n in nodes if n["text"]]})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


class JiraIssues(TrackerClient[JiraSettings]):
    name = "jira"
    service = SERVICE

    def describe_error(self, response: httpx.Response) -> str:
        body = error_body(response)
        messages = [m for m in body.get("errorMessages") or [] if isinstance(m, str)]
        errors = body.get("errors")
        if isinstance(errors, dict):
            messages += [f"{field}: {message}" for field, message in errors.items()]
        return "; ".join(messages) if messages else excerpt(response)

    @property
    def credentials(self) -> str:
        return f"{self.settings.email_env} and {self.settings.token_env}"

    @property
    def where(self) -> str:
        return f"project {self.settings.project} ({self.settings.url})"

    async def _call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, str] | None = None,
        payload: object = None,
    ) -> Reply:
        email = required_secret(self.environ, self.settings.email_env, "the Jira account's email")
        token = required_secret(self.environ, self.settings.token_env, "a Jira API token")
        pair = f"{email.get_secret_value()}:{token.get_secret_value()}"
        basic = base64.b64encode(pair.encode()).decode()
        headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
        url = f"{self.settings.url}{path}" + (f"?{urlencode(query)}" if query else "")
        secrets = [token, SecretStr(basic)]
        return await self.http.request(
            method, url, headers=headers, secrets=secrets, payload=payload
        )

    def browse(self, key: str) -> str:
        return f"{self.settings.url}/browse/{key}"

    async def account_id(self, email: str) -> str | None:
        """The Atlassian account with this email; None when Jira knows no one by it."""
        reply = await self._call("GET", "/rest/api/3/user/search", query={"query": email})
        for user in reply.json_list():
            if isinstance(user, dict) and user.get("accountType", "atlassian") == "atlassian":
                account = user.get("accountId")
                if isinstance(account, str):
                    return account
        return None

    async def create(self, new: NewTicket) -> Ticket:
        fields: dict[str, Any] = {
            "project": {"key": self.settings.project},
            "issuetype": {"name": self.settings.issue_type},
            "summary": new.title[:255],
            "description": adf(new.lines, new.link),
            "labels": ["incident", new.incident, new.key],
        }
        if new.due_on:
            fields["duedate"] = new.due_on.isoformat()
        if new.owner_email and (account := await self.account_id(new.owner_email)):
            fields["assignee"] = {"accountId": account}
        reply = await self._call("POST", "/rest/api/3/issue", payload={"fields": fields})
        key = reply.json_object().get("key")
        if not isinstance(key, str):
            raise CallFailed("Jira answered without the new issue's key", status=reply.status)
        return Ticket(ref=key, url=self.browse(key), state=TicketState.open, due_on=new.due_on)

    async def find(self, new: NewTicket) -> Ticket | None:
        jql = f'project = "{self.settings.project}" AND labels = "{new.key}"'
        found = await self._search(jql)
        return found[0] if found else None

    async def get(self, ref: str, etag: str | None) -> Ticket | None:
        if not _KEY.fullmatch(ref):
            raise CallFailed(f"{ref!r} is not a Jira issue key")
        found = await self._search(f"key = {ref}")
        if not found:
            raise CallFailed(f"Jira has no issue {ref}", status=404, attempts=1)
        return found[0]

    async def _search(self, jql: str) -> list[Ticket]:
        query = {"jql": jql, "fields": FIELDS, "maxResults": "10"}
        reply = await self._call("GET", "/rest/api/3/search/jql", query=query)
        issues = reply.json_object().get("issues")
        if not isinstance(issues, list):
            raise CallFailed("Jira answered a search without `issues`", status=reply.status)
        return [self.ticket(issue) for issue in issues if isinstance(issue, dict)]

    def ticket(self, issue: dict[str, Any]) -> Ticket:
        """An issue as the search and the webhook show it."""
        key, fields = issue.get("key"), issue.get("fields")
        if not isinstance(key, str) or not isinstance(fields, dict):
            raise CallFailed("Jira answered an issue without its key and fields")
        category = ((fields.get("status") or {}).get("statusCategory") or {}).get("key")
        due = fields.get("duedate")
        # Jira shows an account's email only where its owner's privacy settings allow.
        email = (fields.get("assignee") or {}).get("emailAddress")
        return Ticket(
            ref=key,
            url=self.browse(key),
            state=TicketState.done if category == "done" else TicketState.open,
            due_on=date.fromisoformat(due) if isinstance(due, str) else None,
            assignee_email=email if isinstance(email, str) else None,
        )

    async def update(self, ref: str, due_on: date | None, owner_email: str | None) -> None:
        fields: dict[str, Any] = {"duedate": due_on.isoformat() if due_on else None}
        if owner_email and (account := await self.account_id(owner_email)):
            fields["assignee"] = {"accountId": account}
        await self._call("PUT", f"/rest/api/3/issue/{ref}", payload={"fields": fields})
