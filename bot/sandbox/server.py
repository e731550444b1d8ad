"""`SlackSandbox`: the local Slack the tests, `outagebot demo` and `outagebot console` talk to.

It serves the Web API on loopback so the bot's real `AsyncWebClient(base_url=api_url)` is
exercised over HTTP, plus the upload URL, file downloads, response_url endpoints and the Socket
Mode WebSocket (`socket`). Nothing runs until `start()`: constructing one opens no socket.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import api_chat, api_conversations, api_files, api_team, api_views
from bot.sandbox.api import ApiContext, Call, Handler, WebApi
from bot.sandbox.faults import Faults
from bot.sandbox.respond import ResponseUrlEndpoint
from bot.sandbox.running import Running
from bot.sandbox.socket_mode import SocketModeServer
from bot.sandbox.state import APP_TOKEN, BOT_TOKEN, Channel, Ephemeral, Message, User, View
from bot.sandbox.workspace import Workspace
from bot.time.clock import Clock, SystemClock

SIGNING_SECRET = "sandbox-signing-secret"


def all_methods() -> dict[str, Handler]:
    methods: dict[str, Handler] = {}
    for module in (api_team, api_conversations, api_chat, api_views, api_files):
        methods.update(module.METHODS)
    return methods


class SlackSandbox(Running):
    def __init__(
        self,
        *,
        clock: Clock | None = None,
        signing_secret: str = SIGNING_SECRET,
        seed: bool = True,
        fault_seed: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.signing_secret = signing_secret
        self.bot_token = BOT_TOKEN
        self.app_token = APP_TOKEN
        self.state = Workspace.seeded(self.clock.now()) if seed else Workspace()
        self.faults = Faults(fault_seed)
        self.calls: list[Call] = []
        self.socket = SocketModeServer()
        self._ctx = ApiContext(self.state, self.clock, "")
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        methods = {**all_methods(), "apps.connections.open": self.socket.connections_open}
        web_api = WebApi(self._ctx, self.faults, self.calls, methods)
        files = api_files.FileEndpoints(self._ctx, self.faults, self.calls)
        respond = ResponseUrlEndpoint(self._ctx, self.faults, self.calls)
        app.router.add_route("POST", "/api/{method}", web_api.handle)
        app.router.add_route("GET", "/api/{method}", web_api.handle)
        app.router.add_post("/upload/v1/{file_id}", files.upload)
        app.router.add_get("/files/{file_id}/{name}", files.download)
        app.router.add_post("/respond/{token}", respond.handle)
        app.router.add_get("/link/", self.socket.handle)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> SlackSandbox:
        if self._runner is not None:
            raise RuntimeError("sandbox already started")
        runner = web.AppRunner(self._app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        self._runner = runner
        self._base_url = f"http://{bound_host}:{bound_port}/"
        self._ctx.base_url = self._base_url
        self.state.base_url = self._base_url
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.socket.close()
            await self._runner.cleanup()
            self._runner = None

    # --- addresses ----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`; only known once started."""
        if self._base_url is None:
            raise RuntimeError("sandbox not started")
        return self._base_url

    @property
    def api_url(self) -> str:
        """The Web API base for `AsyncWebClient(base_url=...)`; ends in `/` for urljoin."""
        return f"{self.base_url}api/"

    def response_url(self, token: str) -> str:
        return f"{self.base_url}respond/{token}"

    def web_client(self, **kwargs: Any) -> AsyncWebClient:
        """A slack_sdk AsyncWebClient with the bot token, pointed at this sandbox."""
        return AsyncWebClient(token=self.bot_token, base_url=self.api_url, **kwargs)

    # --- adding people and places (on the sandbox clock) --------------------------------

    def add_user(self, name: str, real_name: str = "", **fields: Any) -> User:
        return self.state.add_user(name, real_name, **fields)

    def add_channel(self, name: str, **fields: Any) -> Channel:
        """A channel that already exists (no join notices); `members` defaults to nobody."""
        return self.state.add_channel(name, now=self.clock.now(), **fields)

    # --- finders for tests --------------------------------------------------------------

    def channel_by_name(self, name: str) -> Channel | None:
        return self.state.channel_by_name(name)

    def messages(
        self, channel_id: str, *, include_replies: bool = True, include_system: bool = False
    ) -> list[Message]:
        """A channel's messages oldest first; join/topic/archive notices only on request."""
        channel = self.state.channels[channel_id]
        return [
            m
            for m in channel.messages
            if (include_replies or not m.is_reply or m.subtype == "thread_broadcast")
            and (include_system or not m.is_system)
        ]

    def ephemerals(
        self, user_id: str | None = None, channel_id: str | None = None
    ) -> list[Ephemeral]:
        return [
            e
            for e in self.state.ephemerals
            if (user_id is None or e.user == user_id)
            and (channel_id is None or e.channel == channel_id)
        ]

    def latest_view(self, user_id: str, *, type: str = "modal") -> View | None:
        return self.state.latest_view(user_id, type=type)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]
