"""Loopback stand-ins for Heroku and for a webhook receiver, and gateway factories."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from bot.maintenance import MaintenanceConfig, MaintenanceGateway
from bot.plumbing.retry import RetryPolicy
from bot.sandbox.loopback import LoopbackApi
from bot.sandbox.stack import SandboxStack
from bot.time.clock import ManualClock

TOKEN = "hrku-SECRET-token-0123456789abcdef"
WEBHOOK_SECRET = "whsec-SECRET-abcdef0123456789"


class FakeServer(LoopbackApi):
    """Answers from a per-method script first, then with its default behaviour."""

    HANG = object()
    """A scripted answer: hold the request open until the test ends."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, list[Any]] = defaultdict(list)
        self.delay = 0.0
        self.active = 0
        self.max_active = 0
        self.release = asyncio.Event()

    def answer(self, method: str, *answers: Any) -> None:
        self.script[method].extend(answers)

    async def respond(self, request: web.Request, body: bytes) -> web.StreamResponse:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.delay)
            if self.script[request.method]:
                answer = self.script[request.method].pop(0)
                if answer is self.HANG:
                    await self.release.wait()
                    return web.Response(status=504)
                return answer
            return await self.default(request, body)
        finally:
            self.active -= 1

    async def stop(self) -> None:
        self.release.set()
        await super().stop()

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        raise NotImplementedError


class FakeHeroku(FakeServer):
    """Heroku's `/apps/{app}` for one app; `stale` accepts writes without applying them."""

    def __init__(self, app: str = "acme-web") -> None:
        super().__init__()
        self.apps = {app: False}
        self.stale = False

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response(
                {"id": "unauthorized", "message": "Invalid credentials provided."}, status=401
            )
        match = re.fullmatch(r"/apps/([^/]+)", request.path)
        if not match or match[1] not in self.apps:
            return web.json_response(
                {"id": "not_found", "message": "Couldn't find that app."}, status=404
            )
        app = match[1]
        if request.method == "PATCH" and not self.stale:
            self.apps[app] = json.loads(body)["maintenance"]
        return web.json_response({"name": app, "maintenance": self.apps[app]})


class FakeReceiver(FakeServer):
    """A webhook receiver: POST sets the state, GET reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.maintenance = False
        self.stale = False

    async def default(self, request: web.Request, body: bytes) -> web.StreamResponse:
        if request.method == "POST" and not self.stale:
            self.maintenance = json.loads(body)["enabled"]
        return web.json_response({"maintenance": self.maintenance})


@pytest.fixture
async def heroku() -> AsyncIterator[FakeHeroku]:
    async with FakeHeroku() as fake:
        yield fake


@pytest.fixture
async def receiver() -> AsyncIterator[FakeReceiver]:
    async with FakeReceiver() as fake:
        yield fake


@pytest.fixture
def env() -> dict[str, str]:
    return {"HEROKU_API_TOKEN": TOKEN, "OUTAGEBOT_WEBHOOK_SECRET": WEBHOOK_SECRET}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 4, 30, 8, 45, tzinfo=UTC))


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def make_gateway(
    env: dict[str, str], clock: ManualClock, slept: list[float]
) -> Callable[..., MaintenanceGateway]:
    """Targets as TOML would give them; retries back off ~10 ms, recording each pause."""

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(min(seconds, 0.02))

    def make(**targets: dict[str, Any]) -> MaintenanceGateway:
        config = MaintenanceConfig.model_validate({"targets": targets})
        policy = RetryPolicy(backoff_base=0.01, sleep=sleep)
        return MaintenanceGateway(config.targets, clock=clock, environ=env, retry=policy)

    return make


@pytest.fixture
def heroku_target(heroku: FakeHeroku) -> dict[str, Any]:
    return {
        "provider": "heroku",
        "app": "acme-web",
        "token_env": "HEROKU_API_TOKEN",
        "api_url": heroku.url,
    }


@pytest.fixture
def webhook_target(receiver: FakeReceiver) -> dict[str, Any]:
    return {
        "provider": "webhook",
        "url": f"{receiver.url}/maintenance",
        "state_url": f"{receiver.url}/maintenance/state",
        "secret_env": "OUTAGEBOT_WEBHOOK_SECRET",
    }


class HerokuSchema:
    """Heroku's published hyper-schema, with `#/definitions/...` references resolvable."""

    BASE = "http://api.heroku.com/schema"

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT4)
        self.registry = Registry().with_resource(self.BASE, resource)

    def link(self, resource: str, rel: str) -> tuple[str, dict[str, Any]]:
        """The link's JSON pointer and the link itself."""
        links = self.document["definitions"][resource]["links"]
        index = next(i for i, link in enumerate(links) if link["rel"] == rel)
        return f"/definitions/{resource}/links/{index}", links[index]

    def errors(self, pointer: str, instance: Any) -> list[str]:
        validator = Draft4Validator(
            {"$ref": f"{self.BASE}#{pointer}"},
            registry=self.registry,
            format_checker=FormatChecker(),
        )
        return [error.message for error in validator.iter_errors(instance)]

    def match_href(self, href: str, path: str) -> dict[str, str] | None:
        """Variables of `path` by their `#/definitions/...` pointer, None when it doesn't match."""
        pointers = [unquote(var) for var in re.findall(r"\{\(([^)]+)\)\}", href)]
        pattern = re.sub(r"\{\([^)]+\)\}", "([^/]+)", href)
        match = re.fullmatch(pattern, path)
        return dict(zip(pointers, match.groups(), strict=True)) if match else None


def _schema_file() -> Path | None:
    name = Path("reference", "heroku-platform-api.schema.json")
    beside_repo = Path(__file__).resolve().parents[2] / ".." / "shared" / name
    if beside_repo.is_file():
        return beside_repo
    shared = os.environ.get("OUTAGEBOT_SHARED_DIR")
    if shared and (Path(shared) / name).is_file():
        return Path(shared) / name
    in_repo = Path(__file__).resolve().parents[1] / name  # tests/reference: a copy
    return in_repo if in_repo.is_file() else None


@pytest.fixture(scope="session")
def heroku_schema() -> HerokuSchema:
    path = _schema_file()
    if path is None:
        pytest.skip("Heroku's schema not found in ../shared/reference nor $OUTAGEBOT_SHARED_DIR")
    return HerokuSchema(json.loads(path.read_text()))


# --- the whole bot on loopback, with `web` on the fake Heroku ---------------------------

StackFactory = Callable[..., Awaitable[SandboxStack]]


@pytest.fixture
def make_stack(
    heroku_target: dict[str, Any], monkeypatch: Any, start_stack: StackFactory
) -> StackFactory:
    """Start the bot with `web` on the fake Heroku, retries ~10 ms apart; overrides merge in."""
    monkeypatch.setenv("HEROKU_API_TOKEN", TOKEN)

    async def make(**overrides: Any) -> SandboxStack:
        maintenance = {"targets": {"web": heroku_target}, "backoff_seconds": 0.01}
        return await start_stack({"maintenance": maintenance, **overrides}, sqlite=True)

    return make


@pytest.fixture
async def stack(make_stack: StackFactory) -> SandboxStack:
    return await make_stack()
