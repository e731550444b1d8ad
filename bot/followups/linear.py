"""Linear as a tracker: its GraphQL API, `POST {api_url}` with `Authorization: <api key>`.

`issueCreate(input: {id, teamId, title, description, dueDate, assigneeId})` with the id chosen
before the call, so a create that got no answer is found again by that id (`issues(filter:
{id: {eq: ...}})`) and never made twice; the assignee is found by email (`users(filter:
{email: {eq: ...}})`). Done is `state.type == "completed"`, dropped `"canceled"`. GraphQL
`errors` are shown as Linear words them; a rate-limited answer (`RATELIMITED`) pauses calls
until `X-RateLimit-Requests-Reset` (epoch milliseconds) or `Retry-After`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx

from bot.followups.config import LinearSettings
from bot.followups.tracker import NewTicket, Ticket, TicketState, TrackerClient, required_secret
from bot.plumbing.http import CallFailed, error_body, excerpt, rate_limit_hint

SERVICE = "Linear"
ISSUE = "id identifier url dueDate state { type } assignee { email }"
CREATE = (
    "mutation OutagebotCreate($input: IssueCreateInput!) {"
    f" issueCreate(input: $input) {{ success issue {{ {ISSUE} }} }} }}"
)
UPDATE = (
    "mutation OutagebotUpdate($id: String!, $input: IssueUpdateInput!) {"
    " issueUpdate(id: $id, input: $input) { success } }"
)
BY_ID = (
    "query OutagebotFind($id: ID!) {"
    f" issues(filter: {{ id: {{ eq: $id }} }}) {{ nodes {{ {ISSUE} }} }} }}"
)
GET = f"query OutagebotIssue($id: String!) {{ issue(id: $id) {{ {ISSUE} }} }}"
USER = (
    "query OutagebotUser($email: String!) {"
    " users(filter: { email: { eq: $email } }) { nodes { id } } }"
)
STATES = {"completed": TicketState.done, "canceled": TicketState.dropped}


def _messages(errors: object) -> list[str]:
    if not isinstance(errors, list):
        return []
    return [str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")]


class LinearIssues(TrackerClient[LinearSettings]):
    name = "linear"
    service = SERVICE

    def describe_error(self, response: httpx.Response) -> str:
        messages = _messages(error_body(response).get("errors"))
        return "; ".join(messages) if messages else excerpt(response)

    def rate_hint(self, response: httpx.Response) -> tuple[float | None, datetime | None]:
        """Linear's limit: `Retry-After` when sent, else `X-RateLimit-Requests-Reset` (epoch ms)
        once `X-RateLimit-Requests-Remaining` is 0 or the error's code is `RATELIMITED`."""
        retry_after, reset_at = rate_limit_hint(response)
        if retry_after is not None or reset_at is not None:
            return retry_after, reset_at
        errors = error_body(response).get("errors")
        codes = (
            [(e.get("extensions") or {}).get("code") for e in errors or [] if isinstance(e, dict)]
            if isinstance(errors, list)
            else []
        )
        exhausted = response.headers.get("X-RateLimit-Requests-Remaining") == "0"
        if "RATELIMITED" not in codes and not exhausted:
            return None, None
        try:
            reset_ms = int(response.headers.get("X-RateLimit-Requests-Reset", ""))
        except ValueError:
            return None, None
        return None, datetime.fromtimestamp(reset_ms / 1000, UTC)

    @property
    def credentials(self) -> str:
        return self.settings.api_key_env

    @property
    def where(self) -> str:
        return f"team {self.settings.team_id}"

    async def _graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        key = required_secret(self.environ, self.settings.api_key_env, "a Linear API key")
        headers = {"Authorization": key.get_secret_value(), "Accept": "application/json"}
        payload = {"query": query, "variables": variables}
        reply = await self.http.request(
            "POST", self.settings.api_url, headers=headers, secrets=[key], payload=payload
        )
        body = reply.json_object()
        if messages := _messages(body.get("errors")):
            raise CallFailed(
                f"Linear refused it: {'; '.join(messages)}",
                status=reply.status,
                attempts=reply.attempts,
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise CallFailed("Linear answered without `data`", status=reply.status)
        return data

    async def user_id(self, email: str) -> str | None:
        data = await self._graphql(USER, {"email": email})
        nodes = (data.get("users") or {}).get("nodes") or []
        return str(nodes[0]["id"]) if nodes and isinstance(nodes[0], dict) else None

    async def create(self, new: NewTicket) -> Ticket:
        values: dict[str, Any] = {
            "id": new.intent,
            "teamId": self.settings.team_id,
            "title": new.title,
            "description": "\n".join(new.lines),
        }
        if new.due_on:
            values["dueDate"] = new.due_on.isoformat()
        if new.owner_email and (assignee := await self.user_id(new.owner_email)):
            values["assigneeId"] = assignee
        data = await self._graphql(CREATE, {"input": values})
        created = data.get("issueCreate") or {}
        if not created.get("success") or not isinstance(created.get("issue"), dict):
            raise CallFailed("Linear did not create the issue", attempts=1, status=200)
        return self.ticket(created["issue"])

    async def find(self, new: NewTicket) -> Ticket | None:
        data = await self._graphql(BY_ID, {"id": new.intent})
        nodes = (data.get("issues") or {}).get("nodes") or []
        return self.ticket(nodes[0]) if nodes and isinstance(nodes[0], dict) else None

    async def get(self, ref: str, etag: str | None) -> Ticket | None:
        issue = (await self._graphql(GET, {"id": ref})).get("issue")
        if not isinstance(issue, dict):
            raise CallFailed(f"Linear has no issue {ref}", status=404, attempts=1)
        return self.ticket(issue)

    def ticket(self, issue: dict[str, Any]) -> Ticket:
        """An issue as the API and the webhook's `data` show it."""
        ref, url = issue.get("identifier"), issue.get("url")
        if not isinstance(ref, str) or not isinstance(url, str):
            raise CallFailed("Linear answered an issue without its identifier and url")
        state = (issue.get("state") or {}).get("type")
        due = issue.get("dueDate")
        email = (issue.get("assignee") or {}).get("email")  # a webhook's data may leave it out
        return Ticket(
            ref=ref,
            url=url,
            state=STATES.get(str(state), TicketState.open),
            due_on=date.fromisoformat(due) if isinstance(due, str) else None,
            assignee_email=email if isinstance(email, str) else None,
        )

    async def update(self, ref: str, due_on: date | None, owner_email: str | None) -> None:
        values: dict[str, Any] = {"dueDate": due_on.isoformat() if due_on else None}
        if owner_email and (assignee := await self.user_id(owner_email)):
            values["assigneeId"] = assignee
        await self._graphql(UPDATE, {"id": ref, "input": values})
