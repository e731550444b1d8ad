"""conversations.*: channels, membership and reading history the way Slack pages it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bot.sandbox.api import ApiContext, Handler, Params
from bot.sandbox.api_common import (
    channel_by_id,
    decode_cursor,
    encode_cursor,
    paginate,
    require_active,
    require_member,
)
from bot.sandbox.errors import SlackError
from bot.sandbox.state import BOT_USER_ID, Message
from bot.slack.ts import decimal_to_ts, ts_key

NAME_PATTERN = re.compile(r"^[a-z0-9_-]+$")
NAME_MAX = 80
TOPIC_MAX = 250


def create(ctx: ApiContext, p: Params) -> dict[str, Any]:
    name = p.get_str("name") or ""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > NAME_MAX:
        raise SlackError("invalid_name_maxlength")
    if not NAME_PATTERN.match(name):
        raise SlackError("invalid_name_specials")
    ws = ctx.workspace
    if ws.channel_by_name(name) is not None:
        raise SlackError("name_taken")
    channel = ws.add_channel(
        name, now=ctx.now(), creator=BOT_USER_ID, is_private=p.get_bool("is_private")
    )
    ws.join(channel, BOT_USER_ID, now=ctx.now())
    return {"channel": channel.to_api()}


def invite(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    users = p.get_list("users")
    if not users:
        raise SlackError("no_user")
    require_active(channel)
    require_member(channel)
    ws = ctx.workspace
    # Like Slack: one unknown user fails the whole call, unless `force` asks to invite the
    # valid ones and list the others under `errors`.
    errors: list[dict[str, Any]] = []
    for user_id in dict.fromkeys(users):
        code = "cant_invite_self" if user_id == BOT_USER_ID else None
        if code is None and user_id not in ws.users:
            code = "user_not_found"
        if code is not None:
            errors.append({"user": user_id, "ok": False, "error": code})
    if errors and not p.get_bool("force"):
        raise SlackError(errors[0]["error"])
    refused = {e["user"] for e in errors}
    new = [u for u in dict.fromkeys(users) if u not in channel.members and u not in refused]
    if not new:
        raise SlackError(errors[0]["error"] if errors else "already_in_channel", errors=errors)
    for user_id in new:
        ws.join(channel, user_id, now=ctx.now(), inviter=BOT_USER_ID)
    return {"channel": channel.to_api()} | ({"errors": errors} if errors else {})


def set_topic(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    topic = p.get_str("topic") or ""
    if len(topic) > TOPIC_MAX:
        raise SlackError("too_long")
    require_active(channel)
    require_member(channel)
    ctx.workspace.set_topic(channel, topic, by=BOT_USER_ID, now=ctx.now())
    return {"channel": channel.to_api()}


def archive(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    if channel.is_archived:
        raise SlackError("already_archived")
    if channel.is_general:
        raise SlackError("cant_archive_general")
    require_member(channel)
    ctx.workspace.archive(channel, by=BOT_USER_ID, now=ctx.now())
    return {}


def info(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    return {"channel": channel.to_api(num_members=p.get_bool("include_num_members"))}


def list_(ctx: ApiContext, p: Params) -> dict[str, Any]:
    types = set(p.get_list("types") or ["public_channel"])
    exclude_archived = p.get_bool("exclude_archived")
    channels = []
    for channel in ctx.workspace.channels.values():
        if channel.is_im:
            if "im" in types:
                channels.append(channel)
            continue
        if exclude_archived and channel.is_archived:
            continue
        if channel.is_private:
            if "private_channel" in types and BOT_USER_ID in channel.members:
                channels.append(channel)
        elif "public_channel" in types:
            channels.append(channel)
    page, meta = paginate(channels, p)
    return {"channels": [c.to_api() for c in page], "response_metadata": meta}


def join(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    require_active(channel)
    if BOT_USER_ID in channel.members:
        return {
            "channel": channel.to_api(),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    ctx.workspace.join(channel, BOT_USER_ID, now=ctx.now())
    return {"channel": channel.to_api()}


def members(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    page, meta = paginate(channel.members, p)
    return {"members": page, "response_metadata": meta}


def _bound(p: Params, name: str, error: str) -> Decimal | None:
    value = p.get_str(name)
    if value is None:
        return None
    try:
        return ts_key(value)
    except ValueError as exc:
        raise SlackError(error) from exc


def _window(
    messages: list[Message], p: Params, *, newest_first: bool
) -> tuple[list[Message], dict[str, Any]]:
    """Slack's oldest/latest/inclusive/limit/cursor window over `messages` (sorted by ts)."""
    oldest = _bound(p, "oldest", "invalid_ts_oldest")
    latest = _bound(p, "latest", "invalid_ts_latest")
    inclusive = p.get_bool("inclusive")
    chosen = []
    for message in messages:
        key = ts_key(message.ts)
        if oldest is not None and (key < oldest or (key == oldest and not inclusive)):
            continue
        if latest is not None and (key > latest or (key == latest and not inclusive)):
            continue
        chosen.append(message)
    if newest_first:
        chosen.reverse()
    cursor = p.get_str("cursor")
    if cursor:
        start = ts_key(decode_cursor(cursor, "next_ts"))
        if newest_first:
            chosen = [m for m in chosen if ts_key(m.ts) <= start]
        else:
            chosen = [m for m in chosen if ts_key(m.ts) >= start]
    limit = p.get_int("limit", 100, maximum=999)
    limit = limit if limit > 0 else 100
    page, rest = chosen[:limit], chosen[limit:]
    next_cursor = encode_cursor("next_ts", decimal_to_ts(ts_key(rest[0].ts))) if rest else ""
    return page, {"has_more": bool(rest), "response_metadata": {"next_cursor": next_cursor}}


def history(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    require_member(channel)
    visible = [m for m in channel.messages if not m.is_reply or m.subtype == "thread_broadcast"]
    page, meta = _window(visible, p, newest_first=True)
    body = {"messages": [ctx.workspace.message_json(m) for m in page], **meta}
    body["pin_count"] = len(channel.pins)
    if p.get_str("latest"):
        body["latest"] = p.get_str("latest")
    return body


def replies(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    require_member(channel)
    ts = p.require("ts")
    parent = ctx.workspace.require_message(channel, ts)
    if parent.is_reply:
        parent = ctx.workspace.require_message(channel, parent.thread_ts)
    thread = [m for m in channel.messages if m.is_reply and m.thread_ts == parent.ts]
    page, meta = _window(thread, p, newest_first=False)
    # Slack puts the parent first on every page: callers dedupe it by ts.
    messages = [parent, *page]
    return {"messages": [ctx.workspace.message_json(m) for m in messages], **meta}


def open_(ctx: ApiContext, p: Params) -> dict[str, Any]:
    users = p.get_list("users")
    if len(users) != 1:
        raise SlackError("not_implemented" if users else "users_list_not_supplied")
    ctx.workspace.require_user(users[0])
    channel = ctx.workspace.dm_channel(users[0], now=ctx.now())
    return {"channel": {"id": channel.id}}


METHODS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.setTopic": set_topic,
    "conversations.archive": archive,
    "conversations.info": info,
    "conversations.list": list_,
    "conversations.join": join,
    "conversations.members": members,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.open": open_,
}
