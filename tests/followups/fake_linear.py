"""A Linear GraphQL API stand-in on loopback: the bot's queries run against a subset of
Linear's schema (graphql-core), so a field, argument or variable type Linear would refuse is
refused here the same way (400 with GraphQL `errors`).

It checks `POST /graphql` with `Authorization: <api key>` (no `Bearer`; else 401), a JSON
body of `query` and `variables`, the team id, an assignee that exists and an issue id not used
before; it sends Linear's rate-limit headers on every answer. `script` answers first;
`hang_creates` keeps a create's answer until the server stops (the issue is made all the same).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from graphql import GraphQLError, build_schema, graphql, parse, validate

from bot.sandbox.loopback import LoopbackApi

API_KEY = "lin_api_SECRET0123456789abcdef"
TEAM_ID = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"
TEAM_KEY = "ENG"
USERS = {
    "marco@sandbox.example": "2ec0e3d1-4a8f-4b55-9a7c-3e3b2f5e7a01",
    "giulia@sandbox.example": "7d1f2a90-1c6e-4e0b-8f6a-6b1d3c2e9b02",
}
LIMIT = 5000

SCHEMA = build_schema(
    """
    scalar TimelessDate
    type Query {
      issue(id: String!): Issue!
      issues(filter: IssueFilter, first: Int): IssueConnection!
      users(filter: UserFilter, first: Int): UserConnection!
    }
    type Mutation {
      issueCreate(input: IssueCreateInput!): IssuePayload!
      issueUpdate(id: String!, input: IssueUpdateInput!): IssuePayload!
    }
    input IssueCreateInput {
      id: String
      teamId: String!
      title: String
      description: String
      dueDate: TimelessDate
      assigneeId: String
      labelIds: [String!]
    }
    input IssueUpdateInput {
      title: String
      description: String
      dueDate: TimelessDate
      assigneeId: String
      stateId: String
    }
    input IDComparator { eq: ID, neq: ID, in: [ID!] }
    input StringComparator { eq: String, neq: String }
    input IssueFilter { id: IDComparator }
    input UserFilter { email: StringComparator }
    type IssuePayload { success: Boolean!, issue: Issue, lastSyncId: Float! }
    type WorkflowState { id: ID!, name: String!, type: String! }
    type User { id: ID!, name: String!, email: String! }
    type UserConnection { nodes: [User!]! }
    type IssueConnection { nodes: [Issue!]! }
    type Issue {
      id: ID!
      identifier: String!
      title: String!
      description: String
      url: String!
      dueDate: TimelessDate
      state: WorkflowState!
      assignee: User
    }
    """
)


@dataclass
class FakeLinearIssue:
    id: str
    number: int
    title: str
    description: str | None
    due_date: str | None
    assignee_id: str | None
    state: str = "unstarted"  # backlog | unstarted | started | completed | canceled

    @property
    def identifier(self) -> str:
        return f"{TEAM_KEY}-{self.number}"

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "identifier": self.identifier,
            "title": self.title,
            "description": self.description,
            "url": f"https://linear.app/acme/issue/{self.identifier}",
            "dueDate": self.due_date,
            "state": {"id": f"state-{self.state}", "name": self.state.title(), "type": self.state},
            "assignee": _user(self.assignee_id) if self.assignee_id else None,
        }


def _user(user_id: str) -> dict[str, Any]:
    email = next(e for e, u in USERS.items() if u == user_id)
    return {"id": user_id, "name": email.split("@")[0], "email": email}


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, "userPresentableMessage": message})


class FakeLinear(LoopbackApi):
    def __init__(self) -> None:
        super().__init__()
        self.issues: dict[str, FakeLinearIssue] = {}
        self.script: list[web.Response] = []
        self.hang_creates = False
        self.remaining = LIMIT

    def by_identifier(self, identifier: str) -> FakeLinearIssue:
        return next(i for i in self.issues.values() if i.identifier == identifier)

    def operations(self) -> list[dict[str, Any]]:
        """The GraphQL bodies the bot sent."""
        return [seen.json for seen in self.seen if seen.method == "POST"]

    def _headers(self) -> dict[str, str]:
        self.remaining -= 1
        return {
            "X-RateLimit-Requests-Limit": str(LIMIT),
            "X-RateLimit-Requests-Remaining": str(self.remaining),
            "X-RateLimit-Requests-Reset": "1746100000000",
        }

    async def respond(self, request: web.Request, body: bytes) -> web.Response:
        if self.script:
            return self.script.pop(0)
        if request.path != "/graphql" or request.method != "POST":
            return web.Response(status=404, text="Cannot GET " + request.path)
        if request.headers.get("Authorization") != API_KEY:
            error = _error("Authentication required, not authenticated", "AUTHENTICATION_ERROR")
            return web.json_response({"errors": [error.formatted]}, status=401)
        try:
            sent = json.loads(body)
            source, variables = sent["query"], sent.get("variables") or {}
            problems = validate(SCHEMA, parse(source))
        except (ValueError, KeyError, TypeError, GraphQLError) as exc:
            error = _error(f"Invalid request: {exc}", "GRAPHQL_VALIDATION_FAILED")
            return web.json_response({"errors": [error.formatted]}, status=400)
        if problems:
            errors = [p.formatted for p in problems]
            return web.json_response({"errors": errors}, status=400, headers=self._headers())
        result = await graphql(
            SCHEMA, source, root_value=Resolvers(self), variable_values=variables
        )
        if result.errors and result.data is None:
            errors = [e.formatted for e in result.errors]
            return web.json_response({"errors": errors}, status=400, headers=self._headers())
        answer = result.formatted
        if "issueCreate" in (result.data or {}) and self.hang_creates:
            await self.until_stopped()
        return web.json_response(answer, headers=self._headers())


class Resolvers:
    """The root value: graphql-core calls its attributes with (info, **arguments)."""

    def __init__(self, fake: FakeLinear) -> None:
        self.fake = fake

    def issue(self, _info: object, id: str) -> dict[str, Any]:
        for issue in self.fake.issues.values():
            if id in (issue.id, issue.identifier):
                return issue.json()
        raise _error("Entity not found: Issue", "INVALID_INPUT")

    def issues(self, _info: object, filter: dict[str, Any] | None = None, first: int = 50) -> Any:  # noqa: A002 (GraphQL's argument names)
        wanted = ((filter or {}).get("id") or {}).get("eq")
        found = [i.json() for i in self.fake.issues.values() if wanted in (None, i.id)]
        return {"nodes": found[:first]}

    def users(self, _info: object, filter: dict[str, Any] | None = None, first: int = 50) -> Any:  # noqa: A002 (GraphQL's argument names)
        email = ((filter or {}).get("email") or {}).get("eq")
        found = [_user(user) for address, user in USERS.items() if email in (None, address)]
        return {"nodes": found[:first]}

    def issueCreate(self, _info: object, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002 (GraphQL's argument names)
        if input["teamId"] != TEAM_ID:
            raise _error("Entity not found: Team", "INVALID_INPUT")
        issue_id = input.get("id") or str(uuid.uuid4())
        if issue_id in self.fake.issues:
            raise _error("Argument Validation Error: id already exists", "INVALID_INPUT")
        if input.get("assigneeId") not in (None, *USERS.values()):
            raise _error("Entity not found: User", "INVALID_INPUT")
        issue = FakeLinearIssue(
            id=issue_id,
            number=len(self.fake.issues) + 1,
            title=input.get("title") or "",
            description=input.get("description"),
            due_date=input.get("dueDate"),
            assignee_id=input.get("assigneeId"),
        )
        self.fake.issues[issue.id] = issue
        return {"success": True, "issue": issue.json(), "lastSyncId": 1.0}

    def issueUpdate(self, _info: object, id: str, input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002 (GraphQL's argument names)
        issue = next((i for i in self.fake.issues.values() if id in (i.id, i.identifier)), None)
        if issue is None:
            raise _error("Entity not found: Issue", "INVALID_INPUT")
        if "dueDate" in input:
            issue.due_date = input["dueDate"]
        if "assigneeId" in input:
            issue.assignee_id = input["assigneeId"]
        return {"success": True, "issue": issue.json(), "lastSyncId": 2.0}


def rate_limited(reset_ms: int) -> web.Response:
    """Linear's answer over the limit: a RATELIMITED error and the requests' reset in ms."""
    error = _error("Rate limit exceeded", "RATELIMITED")
    return web.json_response(
        {"errors": [error.formatted]},
        status=400,
        headers={
            "X-RateLimit-Requests-Limit": str(LIMIT),
            "X-RateLimit-Requests-Remaining": "0",
            "X-RateLimit-Requests-Reset": str(reset_ms),
        },
    )
