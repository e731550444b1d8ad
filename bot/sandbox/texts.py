"""Every text the bot showed people in the sandbox: what a language check reads.

Messages and ephemerals it posted (with their blocks: buttons, context, fields), modals and
App Home views, and the topics it set. Users' own words are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.sandbox.state import BOT_USER_ID
from bot.sandbox.workspace import Workspace

# Keys of Block Kit objects whose values are words people read.
READ_KEYS = frozenset({"text", "title", "label", "placeholder", "hint", "submit", "close"})


def _words(node: Any) -> Iterator[str]:
    """The readable strings of a Block Kit tree, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in READ_KEYS and isinstance(value, str):
                yield value
            elif key not in {"value", "action_id", "block_id", "url", "private_metadata"}:
                yield from _words(value)
    elif isinstance(node, list):
        for item in node:
            yield from _words(item)


def bot_texts(state: Workspace) -> list[str]:
    texts: list[str] = []
    for channel in state.channels.values():
        if channel.topic:
            texts.append(channel.topic)
        for message in channel.messages:
            if message.user == BOT_USER_ID and not message.is_system:
                texts.append(message.text)
                texts.extend(_words([message.blocks or [], message.attachments or []]))
    for ephemeral in state.ephemerals:
        texts.append(ephemeral.text)
        texts.extend(_words(ephemeral.blocks or []))
    for view in state.views.values():
        texts.extend(_words(view.view))
    return [text for text in texts if text.strip()]
