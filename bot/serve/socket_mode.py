"""Socket Mode: Bolt's `AsyncSocketModeHandler` kept connected, its state known, its gaps filled.

slack_sdk's client would reconnect by itself at a fixed pace; here one supervisor owns
reconnection instead, backing off exponentially while `apps.connections.open` fails (Slack
refusing or unreachable), and its state is what `/healthz` reports. Events sent while no
connection is open are lost to the bot, so every `hello` (the first connection and each
reconnect) runs `on_connect`, the timeline backfill, in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any

from aiohttp import WSMessage
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.plumbing import logs
from bot.plumbing.retry import RetryPolicy
from bot.plumbing.tasks import BackgroundTasks
from bot.serve.app import build_app
from bot.services import Services
from bot.slack.gateway import error_code

log = logging.getLogger(__name__)

OnConnect = Callable[[], Coroutine[Any, Any, Any]]
# How long a shutdown waits for envelopes being handled, as HTTP mode waits for requests.
SHUTDOWN_GRACE = 10.0


class ConnectionState(StrEnum):
    connecting = "connecting"
    connected = "connected"
    reconnecting = "reconnecting"
    closed = "closed"


class _Handler(AsyncSocketModeHandler):
    """Bolt's handler with each request tracked, so a shutdown lets it finish and ack."""

    def __init__(
        self, app: AsyncApp, app_token: str, *, ping_interval: float, inflight: BackgroundTasks
    ) -> None:
        super().__init__(app, app_token, ping_interval=ping_interval)
        self.inflight = inflight

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        await self.inflight.spawn(self._handle(client, req), name=f"envelope-{req.envelope_id}")

    async def _handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        logs.request_id.set(logs.request_key({**req.payload, "envelope_id": req.envelope_id}))
        await super().handle(client, req)


class SocketMode:
    def __init__(
        self,
        app: AsyncApp,
        app_token: str,
        *,
        tasks: BackgroundTasks,
        on_connect: OnConnect,
        ping_interval: float = 10.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.app, self.app_token, self.tasks, self.on_connect = app, app_token, tasks, on_connect
        self.ping_interval = ping_interval
        self.retry = retry or RetryPolicy(backoff_base=1.0, backoff_cap=60.0)
        self.connections = 0  # hellos received: 1 + reconnects
        self._state = ConnectionState.connecting
        self._changed = asyncio.Condition()
        self._lost = asyncio.Event()
        self._inflight = BackgroundTasks()
        self._handler: _Handler | None = None
        self._supervisor: asyncio.Task[None] | None = None

    @classmethod
    def for_services(cls, services: Services, **options: Any) -> SocketMode:
        """The bot's Bolt app over Socket Mode, backfilling the timeline after each connect."""
        token = services.settings.slack_app_token
        if token is None:
            raise ValueError("Socket Mode needs SLACK_APP_TOKEN")
        return cls(
            build_app(services, socket_mode=True),
            token.get_secret_value(),
            tasks=services.tasks,
            on_connect=services.backfill.backfill_open_incidents,
            **options,
        )

    @property
    def connected(self) -> bool:
        return self.state is ConnectionState.connected

    @property
    def state(self) -> ConnectionState:
        """The supervisor's view, corrected at once when the link is seen closed."""
        client = self._handler.client if self._handler else None
        session = client.current_session if client else None
        if self._state is ConnectionState.connected and (session is None or session.closed):
            return ConnectionState.reconnecting
        return self._state

    # --- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Start connecting; `reach(ConnectionState.connected)` waits for Slack's `hello`."""
        handler = _Handler(
            self.app, self.app_token, ping_interval=self.ping_interval, inflight=self._inflight
        )
        client = handler.client
        # The supervisor reconnects; slack_sdk still follows a `disconnect` message itself.
        client.default_auto_reconnect_enabled = client.auto_reconnect_enabled = False
        client.on_message_listeners.append(self._on_frame)
        client.on_close_listeners.append(self._on_lost)
        client.on_error_listeners.append(self._on_lost)
        self._handler = handler
        self._lost.set()
        self._supervisor = asyncio.create_task(self._supervise(), name="socket-mode")

    async def stop(self) -> None:
        """Take no new envelopes, let those being handled finish and ack, then disconnect."""
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        if self._handler is not None:
            client = self._handler.client
            if client.message_receiver is not None:
                client.message_receiver.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._inflight.idle(), SHUTDOWN_GRACE)
            await self._handler.close_async()  # type: ignore[no-untyped-call]  # unannotated in Bolt
        await self._set(ConnectionState.closed)

    async def idle(self) -> None:
        """Wait until every envelope received so far has been handled (and acked)."""
        await self._inflight.idle()

    async def reach(self, state: ConnectionState, *, connections: int = 0) -> None:
        """Wait for `state` after at least `connections` hellos (start-up, tests)."""
        async with self._changed:
            await self._changed.wait_for(
                lambda: self._state is state and self.connections >= connections
            )

    # --- what the link tells us ---------------------------------------------------------

    async def _set(self, state: ConnectionState) -> None:
        async with self._changed:
            self._state = state
            self._changed.notify_all()

    async def _on_frame(self, message: WSMessage) -> None:
        try:
            kind = json.loads(message.data).get("type")
        except (TypeError, ValueError, AttributeError):
            return
        if kind == "hello":
            self.connections += 1
            log.info("Socket Mode connected (connection %d)", self.connections)
            self.tasks.spawn(self.on_connect(), name=f"backfill-after-connect-{self.connections}")
            await self._set(ConnectionState.connected)
        elif kind == "disconnect":
            # slack_sdk reconnects at once; events sent meanwhile come back with the backfill.
            await self._set(ConnectionState.reconnecting)

    async def _on_lost(self, _message: WSMessage) -> None:
        self._lost.set()

    # --- reconnecting -------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Check the link when it reports a loss or every ping interval; reconnect with backoff.

        A link cut without a close frame reports nothing: the periodic look finds it.
        """
        assert self._handler is not None
        client = self._handler.client
        failures = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self.ping_interval)
            self._lost.clear()
            if await client.is_connected():
                failures = 0
                continue
            if self._state is ConnectionState.connected:
                log.warning("Socket Mode link lost; reconnecting")
                await self._set(ConnectionState.reconnecting)
            try:
                # Takes slack_sdk's lock: a reconnect it began after `disconnect` is not doubled.
                await client.connect_to_new_endpoint()
            except Exception as exc:  # noqa: BLE001 - any failure means reconnect
                failures += 1
                delay = self.retry.backoff(failures)
                reason = error_code(exc) if isinstance(exc, SlackApiError) else type(exc).__name__
                log.warning("Socket Mode cannot connect (%s); next try in %.1f s", reason, delay)
                await self.retry.sleep(delay)
                self._lost.set()
