"""The whole bot on loopback: sandbox Slack, the real Bolt app, and a driver.

Tests, `outagebot demo` and `outagebot console` run the same stack, so what they exercise is
what runs in production: requests in through aiohttp and Bolt (signed HTTP, or Socket Mode
envelopes over a real WebSocket with `transport="socket"`), Web API calls out over HTTP to the
sandbox, a real SQLite (or PostgreSQL) database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from bot.config import Settings
from bot.models import Incident, Status
from bot.plumbing.retry import RetryPolicy
from bot.sandbox.cast import INCIDENTS, MARCO
from bot.sandbox.driver import DriverReply, SlackDriver, Transport
from bot.sandbox.running import Running
from bot.sandbox.server import SlackSandbox
from bot.serve.app import build_app
from bot.serve.server import build_web_app
from bot.serve.socket_mode import ConnectionState, SocketMode
from bot.services import Services, build_services
from bot.time.clock import Clock, SystemClock

SIGNING_SECRET = "sandbox-signing-secret"
# A lost link is noticed within one ping interval; reconnects back off 50 ms up to 0.5 s.
SOCKET_PING_INTERVAL = 1.0
SOCKET_RETRY = RetryPolicy(backoff_base=0.05, backoff_cap=0.5)


class SandboxStack(Running):
    def __init__(
        self,
        database_url: str,
        *,
        clock: Clock | None = None,
        settings: dict[str, Any] | None = None,
        sandbox: SlackSandbox | None = None,
        schedule_tick: float = 0,
        transport: Transport = "http",
    ) -> None:
        # 0: no background loop for nudges and reminders; tests call schedules.run_due().
        self.schedule_tick = schedule_tick
        self.database_url = database_url
        self.clock = clock or SystemClock()
        self.overrides = settings or {}
        self.sandbox = sandbox or SlackSandbox(clock=self.clock, signing_secret=SIGNING_SECRET)
        self._own_sandbox = sandbox is None
        self._runner: web.AppRunner | None = None
        self.services: Services | None = None
        self.driver: SlackDriver | None = None
        self.transport = transport
        self.socket: SocketMode | None = None
        self.request_url = ""  # HTTP mode only
        self.health_url = ""
        self.status_url = ""  # the status page, when [status_page] is enabled

    @classmethod
    def sqlite(cls, folder: Path, **kwargs: Any) -> SandboxStack:
        return cls(f"sqlite+aiosqlite:///{folder / 'outagebot.db'}", **kwargs)

    def settings(self) -> Settings:
        return Settings(
            slack_bot_token=SecretStr(self.sandbox.bot_token),
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_app_token=SecretStr(self.sandbox.app_token)
            if self.transport == "socket"
            else None,
            slack_api_url=self.sandbox.api_url,
            database_url=self.database_url,
            **self.overrides,
        )

    async def start(self) -> SandboxStack:
        if self._own_sandbox and self.sandbox._runner is None:
            await self.sandbox.start()
        await self.start_bot()
        return self

    async def start_bot(self) -> None:
        """Start (or restart) only the bot; the sandbox and the database keep their state."""
        self.services = build_services(self.settings(), self.clock)
        self.services.schedule_tick = self.schedule_tick
        await self.services.start()
        if self.transport == "socket":
            self.socket = SocketMode.for_services(
                self.services, ping_interval=SOCKET_PING_INTERVAL, retry=SOCKET_RETRY
            )
            app = build_web_app(None, self.services, socket=self.socket)
        else:
            app = build_web_app(build_app(self.services), self.services)
        self._runner = web.AppRunner(app, shutdown_timeout=5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        base = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self.health_url = f"{base}/healthz"
        self.status_url = f"{base}/status" if self.services.status_page.enabled else ""
        if self.socket is not None:
            await self.socket.start()
            await self.socket.reach(ConnectionState.connected, connections=1)
        else:
            self.request_url = f"{base}/slack/events"
        self.driver = SlackDriver(
            self.sandbox, self.request_url, signing_secret=SIGNING_SECRET, transport=self.transport
        )

    async def stop_bot(self) -> None:
        if self.socket is not None:
            await self.socket.stop()
            self.socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.services is not None:
            await self.services.stop()
        if self.driver is not None:
            await self.driver.aclose()

    async def restart_bot(self) -> None:
        await self.stop_bot()
        await self.start_bot()

    async def idle(self) -> None:
        """Wait for the bot's background work (Slack calls after an ack) to finish."""
        assert self.services is not None
        if self.socket is not None:
            await self.socket.idle()
        await self.services.tasks.idle()

    async def run(self, channel: str, text: str, *, user: str = MARCO) -> DriverReply:
        """`user` types `/incident text` in `channel`; the reply once the background work is done.

        Fails unless Slack got a 200 within its 3 s deadline, so every caller checks the ack
        the way Slack would, and reads the channel only after the bot has finished writing it.
        """
        assert self.driver is not None, "start the stack first"
        reply = await self.driver.command(user, channel, text)
        if reply.status != 200 or not reply.within_deadline:
            raise AssertionError(
                f"/incident {text}: HTTP {reply.status} after {reply.elapsed:.2f} s: {reply.text}"
            )
        await self.idle()
        return reply

    async def declare(self, title: str, *, user: str = MARCO) -> Incident:
        """`user` declares `title` from #incidents; the new incident once its channel is set up.

        Most tests start from a declared incident; this fails early, here, when the channel or
        its pinned status message is missing rather than later in an unrelated assertion.
        """
        assert self.services is not None, "start the stack first"
        before = {i.id for i in await self.services.incidents.list()}
        await self.run(INCIDENTS, f"declare {title}", user=user)
        made = [i for i in await self.services.incidents.list() if i.id not in before]
        if len(made) != 1 or not (made[0].channel_id and made[0].status_ts):
            raise AssertionError(f"declare {title}: not one incident with a channel: {made}")
        return made[0]

    async def close(self, channel: str, *, user: str = MARCO) -> Incident:
        """`user` resolves the channel's incident (anyway, if something is still open) and
        closes it through the close form, as a person would; the closed incident."""
        assert self.services is not None, "start the stack first"
        assert self.driver is not None, "start the stack first"
        await self.run(channel, "resolve", user=user)
        incident = await self.services.incidents.by_channel(channel)
        assert incident is not None, f"no incident in {channel}"
        if incident.is_open:  # asked "resolve anyway?"
            prompt = self.sandbox.ephemerals(user, channel)[-1]
            await self.driver.click(
                user, "incident_resolve_confirm", channel_id=channel, message_ts=prompt.ts
            )
            await self.idle()
        await self.run(channel, "close", user=user)
        view = self.driver.latest_view(user)
        assert view is not None, "the close form did not open"
        # A SEV1/SEV2 close asks for a follow-up: one line is enough.
        items = {"action_items": {"value": "Review the deploy checklist"}}
        reply = await self.driver.submit_view(user, view.id, items)
        assert reply.ok, reply.text
        await self.idle()
        closed = await self.services.incidents.get(incident.id)
        if closed.status is not Status.closed:
            raise AssertionError(f"{closed.number} is {closed.status} after the close form")
        return closed

    async def stop(self) -> None:
        await self.stop_bot()
        if self._own_sandbox:
            await self.sandbox.stop()
