"""The Web API front door: `POST /api/<method>` read, authenticated, faulted and dispatched.

slack_sdk's AsyncWebClient sends most methods as query parameters, chat.* and views.* as a
JSON body, and other clients send forms (blocks as JSON strings inside form fields): all of
them are merged into one `Params` so each handler reads arguments one way.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.sandbox.errors import SlackError
from bot.sandbox.faults import ApiError, Fault, Faults, RateLimit, ServerError, Slow
from bot.sandbox.state import APP_TOKEN, BOT_TOKEN
from bot.sandbox.workspace import Workspace
from bot.time.clock import Clock

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})


@dataclass
class ApiContext:
    """What a handler may touch: the workspace, the clock and the sandbox's own URL."""

    workspace: Workspace
    clock: Clock
    base_url: str

    def now(self) -> datetime:
        return self.clock.now()


@dataclass
class Call:
    """One recorded request, for assertions; `fault` names the fault it got, if any."""

    method: str
    params: dict[str, Any]
    fault: str | None = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # time.monotonic() when the answer was ready: benchmarks read when a step completed.
    answered_at: float | None = None

    @property
    def ok(self) -> bool:
        return self.fault is None and self.error is None

    def __iter__(self) -> Iterator[Any]:
        """Unpacks as `(method, params)`, the way tests usually read calls."""
        return iter((self.method, self.params))


class Params:
    """Typed access to request arguments, raising Slack's error codes for bad ones."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def get(self, name: str) -> Any:
        value = self.values.get(name)
        return None if value == "" else value

    def get_str(self, name: str) -> str | None:
        value = self.get(name)
        return None if value is None else str(value)

    def require(self, name: str, error: str = "invalid_arguments") -> str:
        value = self.get_str(name)
        if value is None:
            raise SlackError(error, messages=[f"[ERROR] missing required field: {name}"])
        return value

    def get_int(self, name: str, default: int, *, maximum: int | None = None) -> int:
        value = self.get(name)
        if value is None:
            return default
        try:
            number = int(value)
        except (TypeError, ValueError) as exc:
            raise SlackError("invalid_arguments", messages=[f"[ERROR] bad {name}"]) from exc
        return min(number, maximum) if maximum is not None else number

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"1", "true", "yes"}

    def get_json(self, name: str) -> Any:
        """A structured argument: as JSON sent it, or decoded from a form field string."""
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise SlackError("invalid_arguments", messages=[f"[ERROR] bad {name}"]) from exc
        return value

    def get_list(self, name: str) -> list[str]:
        value = self.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]


# Handlers are plain functions: they only touch memory, so there is nothing to await and a
# request cannot interleave with another halfway through a change.
Handler = Callable[[ApiContext, Params], dict[str, Any]]


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string, then form, multipart or JSON body, merged (body wins)."""
    values: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise SlackError("invalid_json")
            values.update(body)
    elif request.content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        form = await request.post()
        for key, value in form.items():
            values[key] = value.file.read() if isinstance(value, web.FileField) else value
    return values


def token_of(request: web.Request, values: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = values.get("token")
    return str(token) if token else None


def check_token(method: str, token: str | None) -> None:
    if not token:
        raise SlackError("not_authed")
    if token == BOT_TOKEN:
        if method in APP_TOKEN_METHODS:
            raise SlackError("not_allowed_token_type")
        return
    if token == APP_TOKEN:
        if method not in APP_TOKEN_METHODS:
            raise SlackError("not_allowed_token_type")
        return
    raise SlackError("invalid_auth")


async def raw_fault(faults: Faults, name: str, call: Call) -> web.Response | None:
    """Apply a fault to a non-JSON endpoint (upload URL, response_url): plain-text answers."""
    fault = faults.pick(name)
    if fault is None:
        return None
    call.fault = fault.kind
    if isinstance(fault, Slow):
        await asyncio.sleep(fault.seconds)
        return None
    if isinstance(fault, RateLimit):
        headers = {"Retry-After": str(fault.retry_after)}
        return web.Response(status=429, text="ratelimited", headers=headers)
    if isinstance(fault, ServerError):
        return web.Response(status=fault.status, text="server_error")
    return web.Response(status=400, text=fault.error)


class WebApi:
    """aiohttp handler for `/api/{method}`: every answer is HTTP 200 JSON unless faulted."""

    def __init__(
        self,
        ctx: ApiContext,
        faults: Faults,
        calls: list[Call],
        methods: Mapping[str, Handler],
    ) -> None:
        self.ctx = ctx
        self.faults = faults
        self.calls = calls
        self.methods = dict(methods)
        self._req_ids = itertools.count(1)

    def respond(self, body: dict[str, Any], *, status: int = 200, **headers: str) -> web.Response:
        response = web.json_response(body, status=status)
        response.headers["X-Slack-Req-Id"] = f"sbx{next(self._req_ids):012x}"
        response.headers.update(headers)
        return response

    def fault_response(self, fault: Fault) -> web.Response | None:
        if isinstance(fault, RateLimit):
            body = {"ok": False, "error": "ratelimited"}
            return self.respond(body, status=429, **{"Retry-After": str(fault.retry_after)})
        if isinstance(fault, ServerError):
            code = "service_unavailable" if fault.status == 503 else "fatal_error"
            return self.respond({"ok": False, "error": code}, status=fault.status)
        if isinstance(fault, ApiError):
            return self.respond({"ok": False, "error": fault.error})
        return None

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method=method, params={})
        self.calls.append(call)
        if self.faults.latency > 0:
            await asyncio.sleep(self.faults.latency)  # simulated network time, not a wait
        try:
            values = await read_params(request)
            token = token_of(request, values)
            values.pop("token", None)
            call.params = values
            fault = self.faults.pick(method)
            if fault is not None:
                call.fault = fault.kind
                if isinstance(fault, Slow):
                    await asyncio.sleep(fault.seconds)
                else:
                    faulted = self.fault_response(fault)
                    assert faulted is not None
                    return faulted
            handler = self.methods.get(method)
            if handler is None:
                raise SlackError("unknown_method")
            check_token(method, token)
            body = {"ok": True, **handler(self.ctx, Params(values))}
        except SlackError as exc:
            call.error = exc.error
            body = exc.body()
        call.answered_at = time.monotonic()
        return self.respond(body)
