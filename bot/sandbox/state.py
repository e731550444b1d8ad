"""The records a Slack workspace is made of, as the sandbox keeps them.

Plain dataclasses, one per Slack object, each able to render itself the way the Web API shows
it (`to_api`). The operations that change several of them at once live in `workspace.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from bot.slack.ts import ts_instant, ts_key

TEAM_ID = "T0SANDBOX"
TEAM_DOMAIN = "sandbox"
TEAM_NAME = "Sandbox"
APP_ID = "A0SANDBOX"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
BOT_NAME = "outagebot"
BOT_TOKEN = "xoxb-sandbox"
APP_TOKEN = "xapp-sandbox"
PERMALINK_BASE = "https://sandbox.slack.local"
BLOCKS_ONLY_TEXT = "This content can't be displayed."

EphemeralSource = Literal["postEphemeral", "response_url", "ack"]


# --- ts helpers: Slack's ts is both an id and the exact time of a message -----------------


def ts_to_datetime(ts: str) -> datetime:
    """The instant a `ts` names, timezone-aware UTC (checked: raises ValueError)."""
    ts_key(ts)
    return ts_instant(ts)


# --- records ----------------------------------------------------------------------------


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    display_name: str = ""
    is_bot: bool = False
    bot_id: str | None = None
    tz: str = "Europe/Rome"
    email: str | None = None
    deleted: bool = False

    def to_api(self) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.display_name,
            "display_name_normalized": self.display_name,
            "team": TEAM_ID,
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "is_admin": False,
            "is_owner": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "profile": profile,
        }


@dataclass
class UserGroup:
    id: str
    handle: str
    name: str = ""
    users: list[str] = field(default_factory=list)

    def to_api(self, *, include_users: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "team_id": TEAM_ID,
            "is_usergroup": True,
            "name": self.name or self.handle,
            "handle": self.handle,
            "user_count": len(self.users),
        }
        if include_users:
            body["users"] = list(self.users)
        return body


@dataclass
class Message:
    """A message in a channel, by a person (`user`) or by an app (`bot_id`)."""

    ts: str
    channel: str
    text: str = ""
    user: str | None = None
    bot_id: str | None = None
    blocks: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    reply_count: int = 0
    reply_users: list[str] = field(default_factory=list)
    latest_reply: str | None = None
    edited: dict[str, str] | None = None
    files: list[str] = field(default_factory=list)
    subtype: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def is_system(self) -> bool:
        """Join/topic/archive notices Slack writes by itself into a channel."""
        return self.subtype in {"channel_join", "channel_topic", "channel_archive", "tombstone"}

    @staticmethod
    def _bot_fields(bot_id: str) -> dict[str, Any]:
        profile = {"id": bot_id, "app_id": APP_ID, "name": BOT_NAME, "deleted": False}
        return {"bot_id": bot_id, "app_id": APP_ID, "bot_profile": profile | {"team_id": TEAM_ID}}

    def to_api(self, files: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        # Slack leaves out what a message does not have.
        present = {"subtype": self.subtype, "user": self.user, "thread_ts": self.thread_ts}
        body |= {key: value for key, value in present.items() if value}
        if self.bot_id:
            body |= self._bot_fields(self.bot_id)
        body["team"] = TEAM_ID
        if self.blocks is not None:
            body["blocks"] = self.blocks
        if self.attachments:
            body["attachments"] = self.attachments
        if self.thread_ts == self.ts or self.reply_count:
            body["reply_count"] = self.reply_count
            body["reply_users_count"] = len(self.reply_users)
            body["reply_users"] = list(self.reply_users)
            if self.latest_reply:
                body["latest_reply"] = self.latest_reply
        if self.edited:
            body["edited"] = dict(self.edited)
        if files:
            body["files"] = files
            body["upload"] = True
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.metadata:
            body["metadata"] = self.metadata
        body.update(self.extra)
        return body


@dataclass
class Pin:
    ts: str
    created: int
    created_by: str


@dataclass
class Channel:
    id: str
    name: str
    created: int
    creator: str
    members: list[str] = field(default_factory=list)
    topic: str = ""
    topic_creator: str = ""
    topic_last_set: int = 0
    purpose: str = ""
    is_archived: bool = False
    is_private: bool = False
    is_general: bool = False
    im_user: str | None = None
    messages: list[Message] = field(default_factory=list)
    pins: dict[str, Pin] = field(default_factory=dict)
    last_ts: Decimal | None = None

    @property
    def is_im(self) -> bool:
        return self.im_user is not None

    def message(self, ts: str) -> Message | None:
        for message in self.messages:
            if message.ts == ts:
                return message
        return None

    def to_api(self, *, viewer: str = BOT_USER_ID, num_members: bool = False) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "context_team_id": TEAM_ID,
            "creator": self.creator,
            "is_member": viewer in self.members,
            "topic": {
                "value": self.topic,
                "creator": self.topic_creator,
                "last_set": self.topic_last_set,
            },
            "purpose": {"value": self.purpose, "creator": "", "last_set": 0},
            "previous_names": [],
        }
        if num_members:
            body["num_members"] = len(self.members)
        return body


@dataclass
class Ephemeral:
    """A message only `user` sees; Slack never returns these from history."""

    ts: str
    channel: str
    user: str
    text: str
    blocks: list[dict[str, Any]] | None
    source: EphemeralSource
    thread_ts: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        body["user"] = BOT_USER_ID
        body["bot_id"] = BOT_ID
        if self.blocks is not None:
            body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        return body


@dataclass
class View:
    """A modal or Home tab as Slack stores it after views.open/push/update/publish."""

    id: str
    type: str
    user: str
    view: dict[str, Any]
    private_metadata: str = ""
    callback_id: str = ""
    external_id: str = ""
    hash: str = ""
    root_view_id: str | None = None
    previous_view_id: str | None = None
    state_values: dict[str, Any] = field(default_factory=dict)
    is_open: bool = True
    version: int = 1

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": self.view.get("blocks", []),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state_values},
            "hash": self.hash,
            "clear_on_close": bool(self.view.get("clear_on_close", False)),
            "notify_on_close": bool(self.view.get("notify_on_close", False)),
            "close": self.view.get("close"),
            "submit": self.view.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id or self.id,
            "app_id": APP_ID,
            "external_id": self.external_id,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        if "title" in self.view:
            body["title"] = self.view["title"]
        return body


@dataclass
class File:
    id: str
    name: str
    title: str
    user: str
    created: int
    length: int
    content: bytes | None = None
    channels: list[str] = field(default_factory=list)
    shares: dict[str, list[str]] = field(default_factory=dict)
    alt_txt: str | None = None
    completed: bool = False

    @property
    def filetype(self) -> str:
        suffix = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return suffix or "binary"

    @property
    def mimetype(self) -> str:
        known = {
            "txt": "text/plain",
            "md": "text/markdown",
            "json": "application/json",
            "csv": "text/csv",
            "png": "image/png",
            "pdf": "application/pdf",
        }
        return known.get(self.filetype, "application/octet-stream")

    def to_api(self, base_url: str) -> dict[str, Any]:
        url = f"{base_url}files/{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": len(self.content) if self.content is not None else self.length,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(self.channels),
            "public_url_shared": False,
            "url_private": url,
            "url_private_download": url,
            "permalink": f"{PERMALINK_BASE}/files/{self.user}/{self.id}/{self.name}",
            "channels": list(self.channels),
            "groups": [],
            "ims": [],
            "shares": {
                "public": {
                    channel: [{"ts": ts, "channel_name": "", "team_id": TEAM_ID} for ts in tss]
                    for channel, tss in self.shares.items()
                }
            },
            "comments_count": 0,
        }


@dataclass
class Trigger:
    """A trigger_id: usable once, within 3 seconds, by the user it was issued for."""

    id: str
    user: str
    issued: datetime
    view_id: str | None = None
    used: bool = False


@dataclass
class ResponseTarget:
    """What a response_url points at: the channel, the user and maybe the original message."""

    token: str
    channel: str
    user: str
    issued: datetime
    message_ts: str | None = None
    is_ephemeral: bool = False
    thread_ts: str | None = None
    uses: int = 0
