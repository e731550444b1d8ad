"""The sandbox workspace: the records plus the operations that keep them consistent.

Both the Web API handlers (the bot's side) and the driver (the humans' side) change the
workspace through these methods, so a reply updates its parent's `reply_count` and a join
writes Slack's `channel_join` notice whoever caused it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.sandbox import cast
from bot.sandbox.errors import SlackError
from bot.sandbox.state import (
    BOT_ID,
    BOT_USER_ID,
    PERMALINK_BASE,
    Channel,
    Ephemeral,
    EphemeralSource,
    File,
    Message,
    Pin,
    ResponseTarget,
    Trigger,
    User,
    UserGroup,
    View,
)
from bot.slack.ts import decimal_to_ts, ts_from_datetime

TRIGGER_LIFETIME_SECONDS = 3
RESPONSE_URL_MAX_USES = 5
RESPONSE_URL_LIFETIME_SECONDS = 30 * 60


@dataclass
class Workspace:
    users: dict[str, User] = field(default_factory=dict)
    usergroups: dict[str, UserGroup] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    # Every ephemeral ever shown, also those a button later replaced or deleted.
    ephemerals_shown: list[Ephemeral] = field(default_factory=list)
    views: dict[str, View] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)
    files: dict[str, File] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    responses: dict[str, ResponseTarget] = field(default_factory=dict)
    # Real Slack lets a bot post in public channels it is not in only with chat:write.public.
    chat_write_public: bool = False
    # Where the sandbox serves file downloads; set when the server starts.
    base_url: str = "http://127.0.0.1/"
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _last_ts: Decimal | None = None

    # --- seeding and ids ----------------------------------------------------------------

    @classmethod
    def seeded(cls, now: datetime) -> Workspace:
        """The default cast: the bot, three people, #incidents (with the bot) and #general."""
        ws = cls()
        ws.add_user("outagebot", "Outage Bot", id=BOT_USER_ID, is_bot=True, bot_id=BOT_ID)
        ws.add_user("marco", "Marco Rossi", id=cast.MARCO, display_name="Marco")
        ws.add_user("giulia", "Giulia Bianchi", id=cast.GIULIA, display_name="Giulia")
        ws.add_user("luca", "Luca Esposito", id=cast.LUCA, display_name="Luca")
        ws.add_usergroup("oncall", list(cast.ONCALL_MEMBERS), id=cast.ONCALL, name="On call")
        people = list(cast.PEOPLE)
        ws.add_channel("incidents", members=[BOT_USER_ID, *people], id=cast.INCIDENTS, now=now)
        ws.add_channel("general", members=people, id=cast.GENERAL, now=now, is_general=True)
        return ws

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id (`C...`, `V...`, `F...`), unique in this workspace."""
        return f"{prefix}{next(self._counter):08X}"

    # --- people -------------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        real_name: str = "",
        *,
        id: str | None = None,
        display_name: str = "",
        is_bot: bool = False,
        bot_id: str | None = None,
        tz: str = "Europe/Rome",
    ) -> User:
        user = User(
            id=id or self.new_id("U"),
            name=name,
            real_name=real_name or name,
            display_name=display_name,
            is_bot=is_bot,
            bot_id=bot_id,
            tz=tz,
            email=None if is_bot else f"{name}@sandbox.example",
        )
        self.users[user.id] = user
        return user

    def add_usergroup(
        self, handle: str, users: list[str], *, id: str | None = None, name: str = ""
    ) -> UserGroup:
        group = UserGroup(id=id or self.new_id("S"), handle=handle, name=name, users=list(users))
        self.usergroups[group.id] = group
        return group

    def require_user(self, user_id: str | None) -> User:
        user = self.users.get(user_id or "")
        if user is None:
            raise SlackError("user_not_found")
        return user

    # --- channels -----------------------------------------------------------------------

    def add_channel(
        self,
        name: str,
        *,
        now: datetime,
        members: list[str] | tuple[str, ...] = (),
        id: str | None = None,
        creator: str = cast.MARCO,
        is_private: bool = False,
        is_general: bool = False,
        topic: str = "",
    ) -> Channel:
        """A channel that already exists when the story starts (no join notices)."""
        channel = Channel(
            id=id or self.new_id("C"),
            name=name,
            created=int(now.timestamp()),
            creator=creator,
            members=list(members),
            topic=topic,
            is_private=is_private,
            is_general=is_general,
        )
        self.channels[channel.id] = channel
        return channel

    def channel_by_name(self, name: str) -> Channel | None:
        name = name.lstrip("#")
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        return None

    def resolve_channel(self, ref: str | None, *, now: datetime) -> Channel:
        """A channel by id, by `#name`/name, or a user id (opens the DM), as chat.* accept."""
        if not ref:
            raise SlackError("channel_not_found")
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users and ref != BOT_USER_ID:
            return self.dm_channel(ref, now=now)
        channel = self.channel_by_name(ref)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def dm_channel(self, user_id: str, *, now: datetime) -> Channel:
        for channel in self.channels.values():
            if channel.im_user == user_id:
                return channel
        channel = Channel(
            id="D" + user_id[1:],
            name=user_id,
            created=int(now.timestamp()),
            creator=BOT_USER_ID,
            members=[BOT_USER_ID, user_id],
            im_user=user_id,
        )
        self.channels[channel.id] = channel
        return channel

    def join(
        self, channel: Channel, user_id: str, *, now: datetime, inviter: str | None = None
    ) -> Message:
        """Add a member and write the `channel_join` notice Slack writes."""
        channel.members.append(user_id)
        extra = {"inviter": inviter} if inviter else {}
        return self.post(
            channel,
            now=now,
            user=user_id,
            text=f"<@{user_id}> has joined the channel",
            subtype="channel_join",
            extra=extra,
        )

    def set_topic(self, channel: Channel, topic: str, *, by: str, now: datetime) -> Message:
        channel.topic = topic
        channel.topic_creator = by
        channel.topic_last_set = int(now.timestamp())
        return self.post(
            channel,
            now=now,
            user=by,
            text=f"set the channel topic: {topic}",
            subtype="channel_topic",
            extra={"topic": topic},
        )

    def archive(self, channel: Channel, *, by: str, now: datetime) -> Message:
        notice = self.post(
            channel, now=now, user=by, text="archived the channel", subtype="channel_archive"
        )
        channel.is_archived = True
        return notice

    # --- messages -----------------------------------------------------------------------

    def next_ts(self, channel: Channel | None, now: datetime) -> str:
        """A ts from the clock, strictly after every earlier one in the workspace.

        Unique across channels and ephemerals, so a ts alone finds the one message a click or
        an event refers to (bumps microseconds when the clock has not moved).
        """
        candidate = ts_from_datetime(now)
        if self._last_ts is not None and candidate <= self._last_ts:
            candidate = self._last_ts + Decimal("0.000001")
        self._last_ts = candidate
        if channel is not None:
            channel.last_ts = candidate
        return decimal_to_ts(candidate)

    def post(
        self,
        channel: Channel,
        *,
        now: datetime,
        text: str = "",
        user: str | None = None,
        bot_id: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        files: list[str] | None = None,
        subtype: str | None = None,
        metadata: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Message:
        """Store a message (a thread reply when `thread_ts`), keeping the parent's counts."""
        parent: Message | None = None
        if thread_ts:
            parent = channel.message(thread_ts)
            if parent is None:
                raise SlackError("thread_not_found")
            if parent.is_reply:
                parent = channel.message(parent.thread_ts or "") or parent
        message = Message(
            ts=self.next_ts(channel, now),
            channel=channel.id,
            text=text,
            user=user,
            bot_id=bot_id,
            blocks=blocks,
            attachments=attachments,
            thread_ts=parent.ts if parent else None,
            files=list(files or []),
            subtype=subtype,
            metadata=metadata,
            extra=dict(extra or {}),
        )
        if parent is not None:
            parent.thread_ts = parent.ts
            parent.reply_count += 1
            author = user or BOT_USER_ID
            if author not in parent.reply_users:
                parent.reply_users.append(author)
            parent.latest_reply = message.ts
            if reply_broadcast:
                message.subtype = "thread_broadcast"
                message.extra["root"] = self.message_json(parent)
        if files:
            for file_id in files:
                shares = self.files[file_id].shares.setdefault(channel.id, [])
                shares.append(message.ts)
                if channel.id not in self.files[file_id].channels:
                    self.files[file_id].channels.append(channel.id)
        channel.messages.append(message)
        return message

    def post_as_bot(self, channel: Channel, *, now: datetime, **fields: Any) -> Message:
        return self.post(channel, now=now, user=BOT_USER_ID, bot_id=BOT_ID, **fields)

    def require_message(self, channel: Channel, ts: str | None) -> Message:
        message = channel.message(ts or "")
        if message is None:
            raise SlackError("message_not_found")
        return message

    def edit(
        self,
        channel: Channel,
        message: Message,
        *,
        by: str,
        now: datetime,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Change a message in place; returns how it looked before (`previous_message`)."""
        previous = self.message_json(message)
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        if attachments is not None:
            message.attachments = attachments
        message.edited = {"user": by, "ts": self.next_ts(None, now)}
        return previous

    def delete(self, channel: Channel, message: Message) -> dict[str, Any]:
        """Remove a message; a parent with replies stays as Slack's tombstone."""
        previous = self.message_json(message)
        channel.pins.pop(message.ts, None)
        if message.reply_count and not message.is_reply:
            message.subtype = "tombstone"
            message.text = "This message was deleted."
            message.user = "USLACKBOT"
            message.bot_id = None
            message.blocks = None
            message.files = []
            return previous
        channel.messages.remove(message)
        if message.is_reply:
            parent = channel.message(message.thread_ts or "")
            if parent is not None:
                parent.reply_count -= 1
                replies = [m for m in channel.messages if m.thread_ts == parent.ts and m.is_reply]
                parent.latest_reply = replies[-1].ts if replies else None
                parent.reply_users = list(dict.fromkeys(m.user or "" for m in replies))
        return previous

    def message_json(self, message: Message) -> dict[str, Any]:
        files = [self.files[f].to_api(self.base_url) for f in message.files if f in self.files]
        return message.to_api(files)

    def permalink(self, channel: Channel, message: Message) -> str:
        link = f"{PERMALINK_BASE}/archives/{channel.id}/p{message.ts.replace('.', '')}"
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
        return link

    # --- reactions and pins -------------------------------------------------------------

    def add_reaction(self, message: Message, name: str, user: str) -> None:
        users = message.reactions.setdefault(name, [])
        if user in users:
            raise SlackError("already_reacted")
        users.append(user)

    def remove_reaction(self, message: Message, name: str, user: str) -> None:
        users = message.reactions.get(name, [])
        if user not in users:
            raise SlackError("no_reaction")
        users.remove(user)
        if not users:
            del message.reactions[name]

    def pin(self, channel: Channel, message: Message, *, by: str, now: datetime) -> Pin:
        if message.ts in channel.pins:
            raise SlackError("already_pinned")
        pin = Pin(ts=message.ts, created=int(now.timestamp()), created_by=by)
        channel.pins[message.ts] = pin
        return pin

    def unpin(self, channel: Channel, message: Message) -> None:
        if channel.pins.pop(message.ts, None) is None:
            raise SlackError("no_pin")

    # --- ephemerals, triggers, response urls --------------------------------------------

    def add_ephemeral(
        self,
        channel: Channel,
        user: str,
        *,
        now: datetime,
        text: str,
        blocks: list[dict[str, Any]] | None,
        source: EphemeralSource,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        ephemeral = Ephemeral(
            # From the channel's sequence: a click names a message by channel + ts only.
            ts=self.next_ts(channel, now),
            channel=channel.id,
            user=user,
            text=text,
            blocks=blocks,
            source=source,
            thread_ts=thread_ts,
        )
        self.ephemerals.append(ephemeral)
        self.ephemerals_shown.append(ephemeral)
        return ephemeral

    def ephemeral(self, ts: str) -> Ephemeral | None:
        return next((e for e in self.ephemerals if e.ts == ts), None)

    def issue_trigger(self, user: str, *, now: datetime, view_id: str | None = None) -> str:
        number = next(self._counter)
        trigger_id = f"{number}.{int(now.timestamp())}.sbx{number:08x}"
        self.triggers[trigger_id] = Trigger(trigger_id, user, now, view_id=view_id)
        return trigger_id

    def use_trigger(self, trigger_id: str, *, now: datetime) -> Trigger:
        """Spend a trigger_id the way views.open does: once, and within 3 seconds."""
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if (now - trigger.issued).total_seconds() > TRIGGER_LIFETIME_SECONDS:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def issue_response_url(
        self,
        channel: str,
        user: str,
        *,
        now: datetime,
        message_ts: str | None = None,
        is_ephemeral: bool = False,
        thread_ts: str | None = None,
    ) -> str:
        token = f"R{next(self._counter):08X}sbx"
        self.responses[token] = ResponseTarget(
            token, channel, user, now, message_ts, is_ephemeral, thread_ts
        )
        return token

    # --- views --------------------------------------------------------------------------

    def new_view(
        self,
        payload: dict[str, Any],
        *,
        user: str,
        now: datetime,
        root: View | None = None,
        previous: View | None = None,
    ) -> View:
        view = View(
            id=self.new_id("V"),
            type=str(payload.get("type", "modal")),
            user=user,
            view=payload,
            root_view_id=root.id if root else None,
            previous_view_id=previous.id if previous else None,
        )
        self.replace_view(view, payload, now=now)
        self.views[view.id] = view
        return view

    def replace_view(self, view: View, payload: dict[str, Any], *, now: datetime) -> None:
        """New content for a view: same id, a new hash (so stale updates can be refused)."""
        view.view = payload
        view.type = str(payload.get("type", view.type))
        view.private_metadata = str(payload.get("private_metadata", ""))
        view.callback_id = str(payload.get("callback_id", ""))
        view.external_id = str(payload.get("external_id", view.external_id or ""))
        view.version += 1
        view.hash = f"{int(now.timestamp())}.{next(self._counter):08x}"

    def view_by_external_id(self, external_id: str) -> View | None:
        return next((v for v in self.views.values() if v.external_id == external_id), None)

    def view_stack(self, view: View) -> list[View]:
        """The open modals sharing `view`'s root, oldest first."""
        root = view.root_view_id or view.id
        return [v for v in self.views.values() if (v.root_view_id or v.id) == root and v.is_open]

    def latest_view(self, user: str, *, type: str = "modal", open_only: bool = True) -> View | None:
        for view in reversed(list(self.views.values())):
            if view.user == user and view.type == type and (view.is_open or not open_only):
                return view
        return None
