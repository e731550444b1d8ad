"""`SlackDriver`: plays Slack's side of talking to a bot over real, signed HTTP.

Each human action first changes the sandbox (the message is stored, the reaction added, the
view closed) exactly as Slack would, then delivers the request Slack would send to the bot's
`request_url`, or, with `transport="socket"`, the envelope Slack would send over the Socket
Mode connection the sandbox serves. Deliveries wait only for the HTTP answer or the ack: waiting
for work the bot does after acking is the bot side's job.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx

from bot.sandbox import payloads
from bot.sandbox.socket_mode import Delivery, EnvelopeType
from bot.sandbox.state import BOT_USER_ID, Channel, File, Message, User, View
from bot.sandbox.workspace import Workspace

if TYPE_CHECKING:
    from bot.sandbox.server import SlackSandbox

ACK_DEADLINE_SECONDS = 3.0

Transport = Literal["http", "socket"]
# How each kind of request is encoded for HTTP; over Socket Mode the payload travels as is.
_HTTP_BODIES: dict[EnvelopeType, Callable[[Any], bytes]] = {
    "events_api": payloads.json_body,
    "slash_commands": payloads.form_body,
    "interactive": payloads.interactive_body,
}


class DriverError(Exception):
    """A test asked for something Slack's UI would not let a person do."""


@dataclass
class DriverReply:
    """The bot's answer to one delivery: its HTTP response, or its Socket Mode ack as one."""

    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is empty or not JSON."""
        try:
            return json.loads(self.text) if self.text.strip() else None
        except json.JSONDecodeError:
            return None

    @property
    def body(self) -> dict[str, Any]:
        """The ack as a JSON object: Bolt answers a text-only ack as plain text, anything
        richer (blocks, `response_type`) as JSON, so callers read `body["text"]` either way."""
        parsed = self.json
        return parsed if isinstance(parsed, dict) else {"text": self.text}

    @property
    def within_deadline(self) -> bool:
        """Slack gives up (and shows an error or retries) after 3 seconds."""
        return self.elapsed <= ACK_DEADLINE_SECONDS


class SlackDriver:
    def __init__(
        self,
        sandbox: SlackSandbox,
        request_url: str,
        *,
        signing_secret: str | None = None,
        timeout: float = 10.0,
        signing_clock: Callable[[], float] = time.time,
        http: httpx.AsyncClient | None = None,
        transport: Transport = "http",
    ) -> None:
        self.sandbox = sandbox
        self.request_url = request_url
        self.transport = transport
        self.signing_secret = signing_secret or sandbox.signing_secret
        # Signatures use wall-clock time: the bot rejects stale ones whatever the sandbox clock.
        self.signing_clock = signing_clock
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None
        self.last_reply: DriverReply | None = None
        self.last_envelope: dict[str, Any] | None = None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> SlackDriver:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- plumbing -----------------------------------------------------------------------

    @property
    def _ws(self) -> Workspace:
        return self.sandbox.state

    def _now(self) -> datetime:
        return self.sandbox.clock.now()

    def _event_ts(self) -> str:
        return self._ws.next_ts(None, self._now())

    def _user(self, user_id: str) -> User:
        user = self._ws.users.get(user_id)
        if user is None:
            raise DriverError(f"no user {user_id}")
        return user

    def _channel(self, channel_id: str) -> Channel:
        channel = self._ws.channels.get(channel_id)
        if channel is None:
            raise DriverError(f"no channel {channel_id}")
        return channel

    def _member_channel(self, user_id: str, channel_id: str) -> Channel:
        channel = self._channel(channel_id)
        if user_id not in channel.members:
            raise DriverError(f"{user_id} is not in {channel_id}")
        if channel.is_archived:
            raise DriverError(f"{channel_id} is archived")
        return channel

    def _message(self, channel: Channel, ts: str) -> Message:
        message = channel.message(ts)
        if message is None:
            raise DriverError(f"no message {ts} in {channel.id}")
        return message

    @staticmethod
    def _channel_type(channel: Channel) -> str:
        return payloads.channel_type_of(channel.id, is_private=channel.is_private)

    def _user_ref(self, user_id: str) -> dict[str, str]:
        return payloads.user_ref(user_id, self._user(user_id).name)

    async def deliver_raw(self, body: bytes, headers: Mapping[str, str]) -> DriverReply:
        """POST exactly these bytes and headers (for hostile and replay tests)."""
        if self.transport != "http":
            raise DriverError("raw HTTP requests need the http transport")
        started = time.monotonic()
        response = await self._http.post(self.request_url, content=body, headers=dict(headers))
        reply = DriverReply(
            status=response.status_code,
            text=response.text,
            headers=dict(response.headers),
            elapsed=time.monotonic() - started,
        )
        self.last_reply = reply
        return reply

    async def _send(
        self,
        kind: EnvelopeType,
        payload: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverReply:
        """Signed HTTP, or an envelope on the sandbox's Socket Mode connection."""
        reason = retry_reason or "http_timeout"
        if self.transport == "socket":
            delivery = await self.sandbox.socket.deliver(
                kind,
                dict(payload),
                retry_attempt=retry_num or 0,
                retry_reason=reason if retry_num else "",
            )
            self.last_reply = socket_reply(delivery)
            return self.last_reply
        body = _HTTP_BODIES[kind](payload)
        headers = payloads.sign(body, self.signing_secret, int(self.signing_clock()))
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": reason})
        return await self.deliver_raw(body, headers)

    async def deliver(
        self,
        envelope: Mapping[str, Any],
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> DriverReply:
        """Send an event envelope as Slack does, optionally marked as Slack's n-th retry."""
        return await self._send(
            "events_api", envelope, retry_num=retry_num, retry_reason=retry_reason
        )

    async def send_event(self, event: Mapping[str, Any]) -> DriverReply:
        """Wrap an event in a fresh `event_callback` envelope (new `event_id`) and deliver it."""
        envelope = payloads.event_callback(
            event, event_id=self._ws.new_id("Ev"), event_time=int(self._now().timestamp())
        )
        self.last_envelope = envelope
        return await self.deliver(envelope)

    async def _send_if_visible(
        self, channel: Channel, event: Mapping[str, Any]
    ) -> DriverReply | None:
        # Slack sends channel events only for channels the bot is a member of.
        if BOT_USER_ID not in channel.members:
            return None
        return await self.send_event(event)

    # --- slash commands -----------------------------------------------------------------

    async def command(
        self, user_id: str, channel_id: str, text: str, command: str = "/incident"
    ) -> DriverReply:
        """Type `command text` in a channel; an ack with a body shows up as an ephemeral."""
        user, channel, now = self._user(user_id), self._channel(channel_id), self._now()
        token = self._ws.issue_response_url(channel.id, user.id, now=now)
        fields = payloads.slash_command(
            user_id=user.id,
            user_name=user.name,
            channel_id=channel.id,
            channel_name="directmessage" if channel.is_im else channel.name,
            text=text,
            command=command,
            response_url=self.sandbox.response_url(token),
            trigger_id=self._ws.issue_trigger(user.id, now=now),
        )
        reply = await self._send("slash_commands", fields)
        if reply.ok and reply.text.strip():
            self._show_ack(reply, channel, user.id)
        return reply

    def _show_ack(self, reply: DriverReply, channel: Channel, user_id: str) -> None:
        body = reply.json if isinstance(reply.json, dict) else {"text": reply.text}
        text, blocks = str(body.get("text") or ""), body.get("blocks")
        blocks = blocks if isinstance(blocks, list) else None
        if not text and not blocks:
            return
        if body.get("response_type") == "in_channel":
            self._ws.post_as_bot(channel, now=self._now(), text=text, blocks=blocks)
        else:
            self._ws.add_ephemeral(
                channel, user_id, now=self._now(), text=text, blocks=blocks, source="ack"
            )

    # --- messages -----------------------------------------------------------------------

    async def message(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        thread_ts: str | None = None,
        files: Sequence[tuple[str, bytes | str]] | None = None,
    ) -> str:
        """A person posts (optionally in a thread, optionally with files); returns its ts."""
        channel, now = self._member_channel(user_id, channel_id), self._now()
        file_ids = [self._store_file(user_id, name, data) for name, data in files or ()]
        message = self._ws.post(
            channel,
            now=now,
            user=user_id,
            text=text,
            thread_ts=thread_ts,
            files=file_ids,
            subtype="file_share" if file_ids else None,
        )
        parent = (
            channel.message(message.thread_ts) if message.is_reply and message.thread_ts else None
        )
        event = payloads.message_event(
            channel=channel.id,
            user=user_id,
            text=text,
            ts=message.ts,
            thread_ts=message.thread_ts,
            parent_user_id=parent.user if parent else None,
            files=[self._ws.files[f].to_api(self._ws.base_url) for f in file_ids],
            channel_type=self._channel_type(channel),
        )
        if "blocks" in event:
            message.blocks = event["blocks"]
            message.extra["client_msg_id"] = event["client_msg_id"]
        await self._send_if_visible(channel, event)
        return message.ts

    def _store_file(self, user_id: str, name: str, data: bytes | str) -> str:
        content = data.encode() if isinstance(data, str) else data
        file = File(
            id=self._ws.new_id("F"),
            name=name,
            title=name,
            user=user_id,
            created=int(self._now().timestamp()),
            length=len(content),
            content=content,
            completed=True,
        )
        self._ws.files[file.id] = file
        return file.id

    async def edit(self, user_id: str, channel_id: str, ts: str, text: str) -> DriverReply | None:
        channel = self._member_channel(user_id, channel_id)
        message = self._message(channel, ts)
        if message.user != user_id or message.bot_id:
            raise DriverError("people can only edit their own messages")
        blocks = payloads.rich_text(text, seed=f"{channel.id}/{ts}/edit")
        previous = self._ws.edit(channel, message, by=user_id, now=self._now(), text=text)
        message.blocks = blocks
        event = payloads.message_changed_event(
            channel=channel.id,
            message=self._ws.message_json(message),
            previous_message=previous,
            event_ts=self._event_ts(),
            channel_type=self._channel_type(channel),
        )
        return await self._send_if_visible(channel, event)

    async def delete(self, user_id: str, channel_id: str, ts: str) -> DriverReply | None:
        channel = self._member_channel(user_id, channel_id)
        message = self._message(channel, ts)
        if message.user != user_id or message.bot_id:
            raise DriverError("people can only delete their own messages")
        previous = self._ws.delete(channel, message)
        event = payloads.message_deleted_event(
            channel=channel.id,
            deleted_ts=ts,
            previous_message=previous,
            event_ts=self._event_ts(),
            channel_type=self._channel_type(channel),
        )
        return await self._send_if_visible(channel, event)

    async def react(self, user_id: str, channel_id: str, ts: str, name: str) -> DriverReply | None:
        return await self._reaction("reaction_added", user_id, channel_id, ts, name)

    async def unreact(
        self, user_id: str, channel_id: str, ts: str, name: str
    ) -> DriverReply | None:
        return await self._reaction("reaction_removed", user_id, channel_id, ts, name)

    async def _reaction(
        self, kind: str, user_id: str, channel_id: str, ts: str, name: str
    ) -> DriverReply | None:
        channel = self._member_channel(user_id, channel_id)
        message = self._message(channel, ts)
        name = name.strip(":")
        if kind == "reaction_added":
            self._ws.add_reaction(message, name, user_id)
        else:
            self._ws.remove_reaction(message, name, user_id)
        event = payloads.reaction_event(
            kind,
            user=user_id,
            reaction=name,
            channel=channel.id,
            ts=ts,
            item_user=message.user,
            event_ts=self._event_ts(),
        )
        return await self._send_if_visible(channel, event)

    async def pin(self, user_id: str, channel_id: str, ts: str) -> DriverReply | None:
        channel = self._member_channel(user_id, channel_id)
        message = self._message(channel, ts)
        pin = self._ws.pin(channel, message, by=user_id, now=self._now())
        return await self._pin_event("pin_added", user_id, channel, message, pin.created)

    async def unpin(self, user_id: str, channel_id: str, ts: str) -> DriverReply | None:
        channel = self._member_channel(user_id, channel_id)
        message = self._message(channel, ts)
        self._ws.unpin(channel, message)
        return await self._pin_event("pin_removed", user_id, channel, message, 0)

    async def _pin_event(
        self, kind: str, user_id: str, channel: Channel, message: Message, pinned_at: int
    ) -> DriverReply | None:
        event = payloads.pin_event(
            kind,
            user=user_id,
            channel=channel.id,
            message=self._ws.message_json(message),
            pinned_at=pinned_at or int(self._now().timestamp()),
            event_ts=self._event_ts(),
            pin_count=len(channel.pins),
        )
        return await self._send_if_visible(channel, event)

    async def join(
        self, user_id: str, channel_id: str, *, inviter: str | None = None
    ) -> DriverReply | None:
        """A person joins (or is added to) a channel: the notice, then `member_joined_channel`."""
        channel = self._channel(channel_id)
        if user_id in channel.members:
            raise DriverError(f"{user_id} is already in {channel_id}")
        notice = self._ws.join(channel, user_id, now=self._now(), inviter=inviter)
        event = payloads.member_joined_channel_event(
            user=user_id,
            channel=channel.id,
            event_ts=notice.ts,
            inviter=inviter,
            channel_type="G" if channel.is_private else "C",
        )
        return await self._send_if_visible(channel, event)

    async def open_home(self, user_id: str) -> DriverReply:
        self._user(user_id)
        channel = self._ws.dm_channel(user_id, now=self._now())
        home = self._ws.views.get(self._ws.home_views.get(user_id, ""))
        event = payloads.app_home_opened_event(
            user=user_id,
            channel=channel.id,
            event_ts=self._event_ts(),
            view=home.to_api() if home else None,
        )
        return await self.send_event(event)

    # --- interactivity ------------------------------------------------------------------

    def latest_view(self, user_id: str, *, type: str = "modal") -> View | None:
        """The newest open view of that type the bot opened for the user."""
        return self._ws.latest_view(user_id, type=type)

    async def click(
        self,
        user_id: str,
        action_id: str,
        value: str | None = None,
        *,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view_id: str | None = None,
        block_id: str | None = None,
        action: Mapping[str, Any] | None = None,
    ) -> DriverReply:
        """Press an interactive element found by `action_id` in a message or a view."""
        user_ref, now = self._user_ref(user_id), self._now()
        if view_id is not None:
            view = self._ws.views.get(view_id)
            if view is None or not view.is_open or view.user != user_id:
                raise DriverError(f"{user_id} has no open view {view_id}")
            element, found_block = find_element(view.view.get("blocks", []), action_id, block_id)
            payload = payloads.block_actions(
                user=user_ref,
                actions=[self._action(element, found_block, value, action)],
                trigger_id=self._ws.issue_trigger(user_id, now=now, view_id=view.id),
                container={"type": "view", "view_id": view.id},
                view=view.to_api(),
            )
        elif channel_id is not None and message_ts is not None:
            payload = self._message_click(
                user_id, action_id, value, channel_id, message_ts, block_id, action
            )
        else:
            raise DriverError("click needs view_id, or channel_id and message_ts")
        return await self._send("interactive", payload)

    def _message_click(
        self,
        user_id: str,
        action_id: str,
        value: str | None,
        channel_id: str,
        message_ts: str,
        block_id: str | None,
        action: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        channel, now = self._channel(channel_id), self._now()
        message = channel.message(message_ts)
        ephemeral = None if message else self._ws.ephemeral(message_ts)
        if message is None and (ephemeral is None or ephemeral.user != user_id):
            raise DriverError(f"{user_id} sees no message {message_ts} in {channel_id}")
        blocks = (message.blocks if message else ephemeral.blocks if ephemeral else None) or []
        element, found_block = find_element(blocks, action_id, block_id)
        thread_ts = message.thread_ts if message else ephemeral.thread_ts if ephemeral else None
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel.id,
            "is_ephemeral": message is None,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        token = self._ws.issue_response_url(
            channel.id,
            user_id,
            now=now,
            message_ts=message_ts,
            is_ephemeral=message is None,
            thread_ts=thread_ts,
        )
        return payloads.block_actions(
            user=self._user_ref(user_id),
            actions=[self._action(element, found_block, value, action)],
            trigger_id=self._ws.issue_trigger(user_id, now=now),
            container=container,
            channel={"id": channel.id, "name": channel.name},
            # Slack sends no `message` for an ephemeral one: only the container says where.
            message=self._ws.message_json(message) if message else None,
            response_url=self.sandbox.response_url(token),
        )

    def _action(
        self,
        element: dict[str, Any],
        block_id: str,
        value: str | None,
        override: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        action_ts = self._event_ts()
        if override is not None:
            base = {"action_id": element.get("action_id"), "block_id": block_id}
            return {**base, "type": element.get("type"), "action_ts": action_ts, **override}
        if element.get("type") == "button":
            return payloads.button_action(
                action_id=str(element.get("action_id")),
                block_id=block_id,
                value=value if value is not None else element.get("value"),
                text=str(element.get("text", {}).get("text", "")),
                action_ts=action_ts,
            )
        state = state_value(element, value)
        return {
            "action_id": element.get("action_id"),
            "block_id": block_id,
            "action_ts": action_ts,
            **state,
        }

    async def message_shortcut(
        self, user_id: str, callback_id: str, channel_id: str, message_ts: str
    ) -> DriverReply:
        """Choose a message shortcut (the app's entry in a message's "More actions" menu)."""
        channel, now = self._member_channel(user_id, channel_id), self._now()
        message = self._message(channel, message_ts)
        token = self._ws.issue_response_url(channel.id, user_id, now=now)
        payload = payloads.message_action(
            callback_id=callback_id,
            user=self._user_ref(user_id),
            channel={"id": channel.id, "name": channel.name},
            message=self._ws.message_json(message),
            trigger_id=self._ws.issue_trigger(user_id, now=now),
            response_url=self.sandbox.response_url(token),
        )
        return await self._send("interactive", payload)

    async def submit_view(
        self, user_id: str, view_id: str, values: Mapping[str, Mapping[str, Any]]
    ) -> DriverReply:
        """Submit a modal with input values; applies the bot's `response_action` like Slack.

        `values` maps block_id -> action_id -> either Slack's value dict (`{"type":
        "plain_text_input", "value": "x"}`) or a plain value the driver wraps for the
        element's type. Input blocks left out are sent empty, as Slack does.
        """
        view = self._ws.views.get(view_id)
        if view is None or not view.is_open or view.type != "modal":
            raise DriverError(f"no open modal {view_id}")
        if view.user != user_id:
            raise DriverError(f"{view_id} was opened for {view.user}, not {user_id}")
        view.state_values = build_state(view.view.get("blocks", []), values)
        payload = payloads.view_submission(
            user=self._user_ref(user_id),
            view=view.to_api(),
            trigger_id=self._ws.issue_trigger(user_id, now=self._now(), view_id=view.id),
        )
        reply = await self._send("interactive", payload)
        if reply.ok:
            self._apply_response_action(view, reply.json if isinstance(reply.json, dict) else {})
        return reply

    def _apply_response_action(self, view: View, body: dict[str, Any]) -> None:
        ws, now = self._ws, self._now()
        action = body.get("response_action")
        if action == "errors":
            return
        if action == "update" and isinstance(body.get("view"), dict):
            ws.replace_view(view, body["view"], now=now)
        elif action == "push" and isinstance(body.get("view"), dict):
            stack = ws.view_stack(view)
            ws.new_view(body["view"], user=view.user, now=now, root=stack[0], previous=view)
        elif action == "clear":
            for open_view in ws.view_stack(view):
                open_view.is_open = False
        else:
            view.is_open = False


def socket_reply(delivery: Delivery) -> DriverReply:
    """A Socket Mode delivery as the HTTP answer Bolt would have given.

    Acked: 200 with the ack's payload (a lone `text` as plain text, as Bolt answers over HTTP).
    Not acked within the deadline: 504. Never sent, because no connection was open: 503.
    """
    if not delivery.sent:
        return DriverReply(status=503, text="no Socket Mode connection")
    if not delivery.acked:
        return DriverReply(status=504, text="not acknowledged", elapsed=delivery.elapsed)
    body = delivery.response or {}
    if not body:
        text, content_type = "", "text/plain"
    elif set(body) == {"text"}:
        text, content_type = str(body["text"]), "text/plain; charset=utf-8"
    else:
        text, content_type = json.dumps(body, ensure_ascii=False), "application/json"
    return DriverReply(200, text, {"content-type": content_type}, delivery.elapsed)


# --- block helpers ----------------------------------------------------------------------


def derived_block_id(block: Mapping[str, Any], index: int) -> str:
    """Slack gives blocks without a block_id a short generated one; derive it stably."""
    digest = hashlib.sha1(f"{index}:{json.dumps(block, sort_keys=True)}".encode()).hexdigest()
    return digest[:5]


def _elements(block: Mapping[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return list(block.get("elements", []))
    for key in ("accessory", "element"):
        if isinstance(block.get(key), dict):
            return [block[key]]
    return []


def find_element(
    blocks: Sequence[Mapping[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[dict[str, Any], str]:
    """The element with `action_id` (in `block_id` when given) and its block's id."""
    for index, block in enumerate(blocks):
        this_block_id = str(block.get("block_id") or derived_block_id(block, index))
        if block_id is not None and this_block_id != block_id:
            continue
        for element in _elements(block):
            if element.get("action_id") == action_id:
                return dict(element), this_block_id
    raise DriverError(f"no element with action_id {action_id!r}")


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    for option in options:
        if option.get("value") == value:
            return dict(option)
    raise DriverError(f"no option {value!r} in {element.get('action_id')!r}")


def state_value(element: Mapping[str, Any], value: Any) -> dict[str, Any]:
    """Slack's value dict for an element type: what `state.values` and actions carry."""
    kind = str(element.get("type"))
    if isinstance(value, Mapping):
        return {"type": kind, **value}
    singles = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }
    multis = {
        "multi_users_select": "selected_users",
        "multi_conversations_select": "selected_conversations",
        "multi_channels_select": "selected_channels",
    }
    if kind in singles:
        return {"type": kind, singles[kind]: value}
    if kind in multis:
        return {"type": kind, multis[kind]: list(value or [])}
    if kind in {"static_select", "radio_buttons", "external_select"}:
        selected = _option(element, str(value)) if value is not None else None
        return {"type": kind, "selected_option": selected}
    if kind in {"multi_static_select", "checkboxes"}:
        return {"type": kind, "selected_options": [_option(element, str(v)) for v in value or []]}
    return {"type": kind, "value": value}


def build_state(
    blocks: Sequence[Mapping[str, Any]], values: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`state.values` for a submission: given values, and empty ones for the other inputs."""
    state: dict[str, dict[str, Any]] = {}
    known: set[str] = set()
    for index, block in enumerate(blocks):
        if block.get("type") != "input" or not isinstance(block.get("element"), dict):
            continue
        block_id = str(block.get("block_id") or derived_block_id(block, index))
        known.add(block_id)
        element = block["element"]
        action_id = str(element.get("action_id"))
        given = values.get(block_id, {})
        unknown = set(given) - {action_id}
        if unknown:
            raise DriverError(f"block {block_id!r} has no action_id {sorted(unknown)}")
        value = given.get(action_id)
        state[block_id] = {action_id: copy.deepcopy(state_value(element, value))}
    missing = set(values) - known
    if missing:
        raise DriverError(f"no input blocks {sorted(missing)} in the view")
    return state
