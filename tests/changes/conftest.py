"""Loopback Heroku releases and GitHub deployments, and the bot wired to them.

The fake Heroku checks every request against Heroku's published schema (path, method, body)
and the headers the Platform API requires, and its answers are schema-valid release objects;
what it refused is kept in `problems`, which each test expects to be empty.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.changes.service import Changes
from bot.changes.sources import ChangesSettings
from bot.sandbox.stack import SandboxStack
from bot.store import migrate
from bot.store.database import Database
from bot.time.clock import ManualClock
from tests.maintenance.conftest import FakeServer, HerokuSchema, _schema_file

TOKEN = "hrku-SECRET-token-0123456789abcdef"
GH_TOKEN = "ghp_SECRETtoken0123456789"
CHANGES_SECRET = "chsec-SECRET-0123456789"
ACCEPT = "application/vnd.heroku+json; version=3"
RANGE = re.compile(r"version \.\.; order=(desc|asc), max=(\d+)")
MARCO, GIULIA, LUCA = "U01MARCO", "U02GIULIA", "U03LUCA"
ANNOUNCE = "C0INCIDENTS"


def at(hour: int, minute: int, day: int = 30, second: int = 0) -> datetime:
    """A Copenhagen wall time on the outage day (UTC+2 in April), as UTC."""
    return datetime(2025, 4, day, hour, minute, second, tzinfo=UTC) - timedelta(hours=2)


@dataclass
class HerokuRelease:
    version: int
    created_at: datetime
    description: str = "Deploy abc123"
    status: str = "succeeded"
    email: str = "giulia@acme.example"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def body(self, current: bool) -> dict[str, Any]:
        stamp = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "addon_plan_names": ["heroku-postgresql:essential-0"],
            "artifacts": [],
            "app": {"name": "acme-web", "id": "01234567-89ab-cdef-0123-456789abcdef"},
            "created_at": stamp,
            "description": self.description,
            "id": self.id,
            "updated_at": stamp,
            "slug": {"id": "01234567-89ab-cdef-0123-456789abcdef"},
            "status": self.status,
            "user": {"id": "01234567-89ab-cdef-0123-456789abcdef", "email": self.email},
            "version": self.version,
            "current": current,
            "output_stream_url": None,
            "eligible_for_rollback": True,
        }


class FakeHerokuReleases(FakeServer):
    """`/apps/acme-web/releases`: list (with Range) and rollback, checked against the schema."""

    def __init__(self, schema: HerokuSchema, clock: ManualClock) -> None:
        super().__init__()
        self.schema, self.clock = schema, clock
        self.releases: list[HerokuRelease] = []
        self.problems: list[str] = []
        self.rollback_status = "succeeded"

    def add(self, version: int, created_at: datetime, **kwargs: Any) -> HerokuRelease:
        made = HerokuRelease(version, created_at, **kwargs)
        self.releases.append(made)
        return made

    def current(self) -> HerokuRelease:
        return max(self.releases, key=lambda r: r.version)

    def _refuse(self, problem: str, status: int = 400) -> web.Response:
        self.problems.append(problem)
        return web.json_response({"id": "bad_request", "message": problem}, status=status)

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(
                {"id": "unauthorized", "message": "Invalid credentials provided."}, status=401
            )
        if request.headers.get("Accept") != ACCEPT:
            return self._refuse(f"Accept was {request.headers.get('Accept')!r}")
        rel = "instances" if request.method == "GET" else "create"
        title = None if request.method == "GET" else "Rollback"
        pointer, link = self._link(rel, title)
        variables = self.schema.match_href(link["href"], request.path)
        if variables is None or request.method != link["method"]:
            return self._refuse(f"{request.method} {request.path} is not the release {rel} link")
        if list(variables.values()) != ["acme-web"]:
            return web.json_response(
                {"id": "not_found", "message": "Couldn't find that app."}, status=404
            )
        if request.method == "GET":
            return self._list(request)
        payload = json.loads(body)
        if errors := self.schema.errors(f"{pointer}/schema", payload):
            return self._refuse("; ".join(errors), 422)
        return self._rollback(payload["release"])

    def _link(self, rel: str, title: str | None) -> tuple[str, dict[str, Any]]:
        links = self.schema.document["definitions"]["release"]["links"]
        index = next(
            i
            for i, link in enumerate(links)
            if link["rel"] == rel and (title is None or link["title"] == title)
        )
        return f"/definitions/release/links/{index}", links[index]

    def _answer(self, data: Any, status: int) -> web.Response:
        for item in data if isinstance(data, list) else [data]:
            if errors := self.schema.errors("/definitions/release", item):
                self.problems.append(f"our own answer breaks the schema: {errors}")
        return web.json_response(data, status=status)

    def _list(self, request: web.Request) -> web.Response:
        match = RANGE.fullmatch(request.headers.get("Range", ""))
        if match is None:
            return self._refuse(f"Range was {request.headers.get('Range')!r}")
        ordered = sorted(self.releases, key=lambda r: r.version, reverse=match[1] == "desc")
        current = self.current() if self.releases else None
        page = [r.body(r is current) for r in ordered[: int(match[2])]]
        return self._answer(page, 206 if len(ordered) > int(match[2]) else 200)

    def _rollback(self, release_id: str) -> web.Response:
        target = next((r for r in self.releases if r.id == release_id), None)
        if target is None:
            return web.json_response(
                {"id": "not_found", "message": "Couldn't find that release."}, status=404
            )
        made = self.add(
            self.current().version + 1,
            self.clock.now(),
            description=f"Rollback to v{target.version}",
            status=self.rollback_status,
        )
        return self._answer(made.body(True), 201)


class FakeGithub(FakeServer):
    """Deployments of `acme/web` and their statuses, newest first, as GitHub lists them."""

    def __init__(self) -> None:
        super().__init__()
        self.deployments: list[dict[str, Any]] = []
        self.statuses: dict[int, list[dict[str, Any]]] = {}

    def deploy(self, ref: str, when: datetime, state: str, login: str = "giulia") -> int:
        number = len(self.deployments) + 1
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.deployments.insert(
            0,
            {
                "id": number,
                "sha": f"{number:040x}",
                "ref": ref,
                "task": "deploy",
                "environment": "production",
                "description": f"Deploy {ref}",
                "creator": {"login": login},
                "created_at": stamp,
            },
        )
        self.statuses[number] = [
            {
                "state": state,
                "created_at": stamp,
                "log_url": f"https://ci.example/runs/{number}",
            }
        ]
        return number

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        headers = request.headers
        if headers.get("Authorization") != f"Bearer {GH_TOKEN}":
            return web.json_response({"message": "Bad credentials"}, status=401)
        if headers.get("Accept") != "application/vnd.github+json" or not headers.get(
            "X-GitHub-Api-Version"
        ):
            return web.json_response({"message": "missing GitHub headers"}, status=400)
        if request.path == "/repos/acme/web/deployments":
            env = request.query.get("environment")
            listed = [d for d in self.deployments if d["environment"] == env]
            return web.json_response(listed[: int(request.query.get("per_page", "30"))])
        match = re.fullmatch(r"/repos/acme/web/deployments/(\d+)/statuses", request.path)
        if match and int(match[1]) in self.statuses:
            return web.json_response(self.statuses[int(match[1])][:1])
        return web.json_response({"message": "Not Found"}, status=404)


@pytest.fixture(scope="session")
def heroku_schema() -> HerokuSchema:
    path = _schema_file()
    if path is None:
        pytest.fail("Heroku's schema is missing (tests/reference holds a copy)")
    return HerokuSchema(json.loads(path.read_text()))


@pytest.fixture
async def heroku(
    heroku_schema: HerokuSchema, clock: ManualClock
) -> AsyncIterator[FakeHerokuReleases]:
    async with FakeHerokuReleases(heroku_schema, clock) as fake:
        yield fake
        assert fake.problems == []


@pytest.fixture
async def github() -> AsyncIterator[FakeGithub]:
    async with FakeGithub() as fake:
        yield fake


@pytest.fixture
def env() -> dict[str, str]:
    return {"HEROKU_API_TOKEN": TOKEN, "GITHUB_TOKEN": GH_TOKEN}


@pytest.fixture
def heroku_source(heroku: FakeHerokuReleases) -> dict[str, Any]:
    return {
        "provider": "heroku",
        "app": "acme-web",
        "token_env": "HEROKU_API_TOKEN",
        "api_url": heroku.url,
        "service": "web",
    }


@pytest.fixture
def github_source(github: FakeGithub) -> dict[str, Any]:
    return {
        "provider": "github",
        "repo": "acme/web",
        "environment": "production",
        "token_env": "GITHUB_TOKEN",
        "api_url": github.url,
        "service": "web",
    }


@pytest.fixture
async def make_changes(
    tmp_path: Path, clock: ManualClock, env: dict[str, str], database_for: Callable[[Path], str]
) -> AsyncIterator[Callable[..., Awaitable[Changes]]]:
    """The changes service alone, on a migrated database, with the given sources."""
    made: list[Database] = []

    async def make(**sources: dict[str, Any]) -> Changes:
        db = Database(database_for(tmp_path))
        await migrate.upgrade(db)
        made.append(db)
        settings = ChangesSettings.model_validate({"sources": sources, "backoff_seconds": 0.01})
        return Changes(db, clock, settings, environ=env)

    yield make
    for db in made:
        await db.dispose()


StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def make_stack(monkeypatch: pytest.MonkeyPatch, start_stack: StackFactory) -> StackFactory:
    """The whole bot with the given change sources; retries ~10 ms apart."""
    monkeypatch.setenv("HEROKU_API_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_TOKEN", GH_TOKEN)
    monkeypatch.setenv("OUTAGEBOT_CHANGES_SECRET", CHANGES_SECRET)

    async def make(sources: dict[str, Any], **overrides: Any) -> SandboxStack:
        return await start_stack(
            {
                "features": [
                    {"name": "Quotes", "aliases": ["Offerte"]},
                    {"name": "Purchases", "aliases": ["Acquisti"]},
                ],
                "changes": {"sources": sources, "backoff_seconds": 0.01},
                **overrides,
            }
        )

    return make
