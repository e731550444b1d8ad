"""Slack's side of Socket Mode: the WebSocket behind the sandbox's `apps.connections.open`.

It keeps the rules a Socket Mode bot has to survive: every connection starts with `hello`;
each request arrives in an envelope to be acked by `envelope_id` within 3 s (the ack may come
on a newer connection than the one that carried the envelope); an unacked event is sent again
with `retry_attempt` + 1 and a new `envelope_id`, while an unacked command or interaction is
not (Slack shows the person an error instead); `disconnect` asks the bot to reconnect and the
connection then gets no new envelopes; a connection can vanish without a close frame. What is
sent while no connection is open is lost, as with Slack until its retries minutes later: only
the bot's backfill recovers it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import WSCloseCode, WSMsgType, web

from bot.sandbox.api import ApiContext, Params
from bot.sandbox.state import APP_ID

EnvelopeType = Literal["events_api", "slash_commands", "interactive"]
DisconnectReason = Literal["refresh_requested", "warning"]

ACK_TIMEOUT = 3.0
EVENT_RETRIES = 3
# Interactions whose ack can carry an answer (`response_action`, options); a click's cannot.
_ANSWERED_INTERACTIONS = {"view_submission", "block_suggestion", "dialog_suggestion"}


def accepts_response_payload(kind: EnvelopeType, payload: dict[str, Any]) -> bool:
    if kind == "slash_commands":
        return True
    return kind == "interactive" and payload.get("type") in _ANSWERED_INTERACTIONS


def envelope(
    kind: EnvelopeType,
    payload: dict[str, Any],
    *,
    envelope_id: str,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """An envelope as Slack frames it; only events carry the retry fields."""
    framed: dict[str, Any] = {
        "envelope_id": envelope_id,
        "type": kind,
        "accepts_response_payload": accepts_response_payload(kind, payload),
        "payload": payload,
    }
    if kind == "events_api":
        framed.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
    return framed


@dataclass
class Delivery:
    """One request Slack tried to hand over: every envelope sent for it, and the ack if any."""

    type: EnvelopeType
    payload: dict[str, Any]
    envelopes: list[dict[str, Any]] = field(default_factory=list)
    acked: bool = False
    response: dict[str, Any] | None = None
    elapsed: float = 0.0
    connection: int | None = None  # the one that acked

    @property
    def sent(self) -> bool:
        return bool(self.envelopes)


@dataclass
class Connection:
    id: int
    ws: web.WebSocketResponse
    transport: asyncio.BaseTransport | None
    # Told to reconnect: it gets no new envelopes, but acks sent on it still count.
    refreshing: bool = False

    @property
    def usable(self) -> bool:
        return not self.refreshing and not self.ws.closed


class SocketModeServer:
    """The connections, tickets and deliveries of one app; `deliveries` records every request."""

    def __init__(self, *, ack_timeout: float = ACK_TIMEOUT, event_retries: int = EVENT_RETRIES):
        self.ack_timeout = ack_timeout
        self.event_retries = event_retries
        self.deliveries: list[Delivery] = []
        self.opened = 0
        self._ids = itertools.count(1)
        self._connections: dict[int, Connection] = {}
        self._tickets: set[str] = set()
        self._pending: dict[str, asyncio.Future[dict[str, Any] | None]] = {}
        self._acks_to_lose = 0
        self._turns = itertools.count()

    # --- the Web API method and the WebSocket endpoint ----------------------------------

    def connections_open(self, ctx: ApiContext, p: Params) -> dict[str, Any]:
        """`apps.connections.open` (the front door already required an app-level token)."""
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        host = ctx.base_url.replace("http://", "ws://", 1)
        return {"url": f"{host}link/?ticket={ticket}&app_id={APP_ID}"}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """`GET /link/`: one Socket Mode connection, for as long as it lasts."""
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        connection = Connection(next(self._ids), ws, request.transport)
        self.opened += 1
        await ws.send_json(self._hello())
        self._connections[connection.id] = connection
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    self._ack(message.data)
        finally:
            self._connections.pop(connection.id, None)
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._connections) + 1,
            "debug_info": {"host": "sandbox-applink", "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }

    def _ack(self, raw: str) -> None:
        try:
            ack = json.loads(raw)
        except json.JSONDecodeError:
            return
        envelope = ack.get("envelope_id") if isinstance(ack, dict) else None
        future = self._pending.get(envelope) if isinstance(envelope, str) else None
        if future is None or future.done():
            return  # unknown, or too late: Slack has given up on it
        if self._acks_to_lose:
            self._acks_to_lose -= 1
            return
        payload = ack.get("payload")
        future.set_result(payload if isinstance(payload, dict) else None)

    # --- delivering ---------------------------------------------------------------------

    def _next(self) -> Connection | None:
        """Slack spreads envelopes over an app's open connections (up to 10): in turn here."""
        usable = [c for c in self._connections.values() if c.usable]
        return usable[next(self._turns) % len(usable)] if usable else None

    @property
    def connected(self) -> int:
        """How many connections can take envelopes now."""
        return sum(1 for c in self._connections.values() if c.usable)

    async def deliver(
        self,
        kind: EnvelopeType,
        payload: dict[str, Any],
        *,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> Delivery:
        """Send a request to the bot; an event is sent again until acked, up to retry 3."""
        delivery = Delivery(kind, payload)
        self.deliveries.append(delivery)
        started = time.monotonic()
        last = max(retry_attempt, self.event_retries) if kind == "events_api" else retry_attempt
        for attempt in range(retry_attempt, last + 1):
            connection = self._next()
            if connection is None:
                break
            framed = envelope(
                kind,
                payload,
                envelope_id=str(uuid.uuid4()),
                retry_attempt=attempt,
                retry_reason=retry_reason,
            )
            delivery.envelopes.append(framed)
            future = asyncio.get_running_loop().create_future()
            self._pending[framed["envelope_id"]] = future
            try:
                await connection.ws.send_json(framed)
                delivery.response = await asyncio.wait_for(future, self.ack_timeout)
            except (TimeoutError, ConnectionError):
                retry_reason = "timeout"
                continue
            finally:
                self._pending.pop(framed["envelope_id"], None)
            delivery.acked, delivery.connection = True, connection.id
            break
        delivery.elapsed = time.monotonic() - started
        return delivery

    # --- test controls ------------------------------------------------------------------

    def lose_acks(self, count: int = 1) -> None:
        """Ignore the next `count` acks, as if lost on the way: the events are sent again."""
        self._acks_to_lose += count

    async def disconnect(self, reason: DisconnectReason = "refresh_requested") -> None:
        """Ask every connection to reconnect; they get no new envelopes from now on."""
        for connection in [c for c in self._connections.values() if not c.refreshing]:
            connection.refreshing = True
            message = {"type": "disconnect", "reason": reason, "debug_info": {"host": "sandbox"}}
            await connection.ws.send_json(message)

    def drop(self) -> None:
        """Cut every connection without a close frame, as a network failure does."""
        for connection in list(self._connections.values()):
            self._connections.pop(connection.id, None)
            if isinstance(connection.transport, asyncio.Transport):
                connection.transport.abort()

    async def close(self) -> None:
        """Close every connection cleanly (the sandbox is stopping)."""
        for connection in list(self._connections.values()):
            await connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"sandbox stopping")
