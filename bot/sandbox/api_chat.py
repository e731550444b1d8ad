"""chat.*, pins.* and reactions.*: what the bot writes into channels and how it marks it."""

from __future__ import annotations

from typing import Any

from bot.sandbox.api import ApiContext, Handler, Params
from bot.sandbox.api_common import (
    channel_by_id,
    channel_for_chat,
    check_blocks,
    message_arg,
    require_member,
)
from bot.sandbox.errors import SlackError
from bot.sandbox.state import BLOCKS_ONLY_TEXT, BOT_ID, BOT_USER_ID, Channel, Message

MESSAGE_BLOCKS_MAX = 50
TEXT_MAX = 40_000


def _content(
    p: Params,
) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """text, blocks and attachments as given; blocks are checked like Slack checks them."""
    text = p.get_str("text")
    blocks = p.get_json("blocks")
    attachments = p.get_json("attachments")
    if blocks is not None:
        blocks = check_blocks(blocks, limit=MESSAGE_BLOCKS_MAX)
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    if text is not None and len(text) > TEXT_MAX:
        text = text[:TEXT_MAX]  # Slack truncates rather than refusing
    return text, blocks, attachments


def _message_out(ctx: ApiContext, channel: Channel, message: Message) -> dict[str, Any]:
    return {"channel": channel.id, "ts": message.ts, "message": ctx.workspace.message_json(message)}


def post_message(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_for_chat(ctx, p)
    text, blocks, attachments = _content(p)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if text is None:
        text = BLOCKS_ONLY_TEXT if blocks else ""
    message = ctx.workspace.post_as_bot(
        channel,
        now=ctx.now(),
        text=text,
        blocks=blocks,
        attachments=attachments,
        thread_ts=p.get_str("thread_ts"),
        reply_broadcast=p.get_bool("reply_broadcast"),
        metadata=p.get_json("metadata"),
    )
    return _message_out(ctx, channel, message)


def _own_message(ctx: ApiContext, p: Params, error: str) -> tuple[Channel, Message]:
    channel = channel_by_id(ctx, p)
    message = ctx.workspace.require_message(channel, p.get_str("ts"))
    if message.bot_id != BOT_ID:
        raise SlackError(error)
    return channel, message


def update(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ctx, p, "cant_update_message")
    if channel.is_archived:
        raise SlackError("is_archived")
    text, blocks, attachments = _content(p)
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    if text is None and blocks:
        text = BLOCKS_ONLY_TEXT
    ctx.workspace.edit(
        channel,
        message,
        by=BOT_USER_ID,
        now=ctx.now(),
        text=text,
        blocks=blocks,
        attachments=attachments,
    )
    return {**_message_out(ctx, channel, message), "text": message.text}


def delete(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel, message = _own_message(ctx, p, "cant_delete_message")
    ctx.workspace.delete(channel, message)
    return {"channel": channel.id, "ts": message.ts}


def post_ephemeral(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_for_chat(ctx, p)
    user = ctx.workspace.require_user(p.require("user"))
    if user.id not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks, _ = _content(p)
    if not text and not blocks:
        raise SlackError("no_text")
    ephemeral = ctx.workspace.add_ephemeral(
        channel,
        user.id,
        now=ctx.now(),
        text=text or BLOCKS_ONLY_TEXT,
        blocks=blocks,
        source="postEphemeral",
        thread_ts=p.get_str("thread_ts"),
    )
    return {"message_ts": ephemeral.ts}


def get_permalink(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    message = ctx.workspace.require_message(channel, p.require("message_ts"))
    return {"channel": channel.id, "permalink": ctx.workspace.permalink(channel, message)}


# --- pins -------------------------------------------------------------------------------


def pins_add(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    message = message_arg(ctx, channel, p.get_str("timestamp"))
    require_member(channel)
    ctx.workspace.pin(channel, message, by=BOT_USER_ID, now=ctx.now())
    return {}


def pins_remove(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    message = message_arg(ctx, channel, p.get_str("timestamp"))
    require_member(channel)
    ctx.workspace.unpin(channel, message)
    return {}


def pins_list(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    items = []
    for pin in reversed(channel.pins.values()):
        message = channel.message(pin.ts)
        if message is None:
            continue
        items.append(
            {
                "type": "message",
                "created": pin.created,
                "created_by": pin.created_by,
                "channel": channel.id,
                "message": ctx.workspace.message_json(message),
            }
        )
    return {"items": items}


# --- reactions --------------------------------------------------------------------------


def _reaction_target(ctx: ApiContext, p: Params) -> tuple[str, Message]:
    name = (p.get_str("name") or "").strip(":")
    channel = channel_by_id(ctx, p)
    message = message_arg(ctx, channel, p.get_str("timestamp"))
    if not name:
        raise SlackError("invalid_name")
    require_member(channel)
    return name, message


def reactions_add(ctx: ApiContext, p: Params) -> dict[str, Any]:
    name, message = _reaction_target(ctx, p)
    ctx.workspace.add_reaction(message, name, BOT_USER_ID)
    return {}


def reactions_remove(ctx: ApiContext, p: Params) -> dict[str, Any]:
    name, message = _reaction_target(ctx, p)
    ctx.workspace.remove_reaction(message, name, BOT_USER_ID)
    return {}


def reactions_get(ctx: ApiContext, p: Params) -> dict[str, Any]:
    channel = channel_by_id(ctx, p)
    message = message_arg(ctx, channel, p.get_str("timestamp"))
    return {
        "type": "message",
        "channel": channel.id,
        "message": ctx.workspace.message_json(message),
    }


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
}
