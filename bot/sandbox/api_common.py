"""Checks shared by several Web API method families (channel access, pagination, blocks)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, TypeVar

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from bot.sandbox.api import ApiContext, Params
from bot.sandbox.errors import SlackError
from bot.sandbox.state import BOT_USER_ID, Channel, Message

T = TypeVar("T")


def channel_by_id(ctx: ApiContext, p: Params, name: str = "channel") -> Channel:
    """conversations.* take ids only; a private channel the bot is not in does not exist."""
    channel = ctx.workspace.channels.get(p.get_str(name) or "")
    if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
        raise SlackError("channel_not_found")
    return channel


def channel_for_chat(ctx: ApiContext, p: Params, name: str = "channel") -> Channel:
    """chat.* also take `#name` or a user id (a DM); the bot must be able to write there."""
    channel = ctx.workspace.resolve_channel(p.get_str(name), now=ctx.now())
    if channel.is_private and BOT_USER_ID not in channel.members:
        raise SlackError("channel_not_found")
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members and not ctx.workspace.chat_write_public:
        raise SlackError("not_in_channel")
    return channel


def require_member(channel: Channel) -> None:
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")


def require_active(channel: Channel) -> None:
    if channel.is_archived:
        raise SlackError("is_archived")


def message_arg(ctx: ApiContext, channel: Channel, ts: str | None) -> Message:
    if not ts:
        raise SlackError("no_item_specified")
    return ctx.workspace.require_message(channel, ts)


def encode_cursor(kind: str, value: str) -> str:
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def decode_cursor(cursor: str, kind: str) -> str:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError as exc:
        raise SlackError("invalid_cursor") from exc
    prefix, _, value = text.partition(":")
    if prefix != kind or not value:
        raise SlackError("invalid_cursor")
    return value


def paginate(
    items: Sequence[T], p: Params, *, default_limit: int = 100, max_limit: int = 1000
) -> tuple[list[T], dict[str, str]]:
    """Offset pagination with Slack's opaque `cursor` / `response_metadata.next_cursor`."""
    limit = p.get_int("limit", default_limit, maximum=max_limit)
    limit = limit if limit > 0 else default_limit
    cursor = p.get_str("cursor")
    start = int(decode_cursor(cursor, "offset")) if cursor else 0
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    next_cursor = encode_cursor("offset", str(start + limit)) if more else ""
    return page, {"next_cursor": next_cursor}


def check_blocks(blocks: Any, *, limit: int, error: str = "invalid_blocks") -> list[dict[str, Any]]:
    """Reject what Slack rejects: not a list, too many blocks, or a block breaking its limits."""
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise SlackError("invalid_blocks_format")
    if len(blocks) > limit:
        raise SlackError(error, messages=[f"[ERROR] no more than {limit} items allowed"])
    for index, raw in enumerate(blocks):
        try:
            block = Block.parse(dict(raw))
            if block is None:
                raise SlackObjectFormationError(f"unknown block type {raw.get('type')!r}")
            block.validate_json()
        except (SlackObjectFormationError, TypeError, KeyError, ValueError) as exc:
            pointer = f"[json-pointer:/blocks/{index}]"
            raise SlackError(error, messages=[f"[ERROR] {exc} {pointer}"]) from exc
    return blocks
