"""Every text the bot showed people in the sandbox: what a language check reads.

Read from the Web API calls it made (messages and their later updates, ephemerals, modals,
App Home, topics, upload comments, response_url answers), plus the answers to its slash
commands. Users' own words are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.sandbox.api import Call
from bot.sandbox.faults import Faults
from bot.sandbox.workspace import Workspace

# Keys of Block Kit objects whose values are words people read.
READ_KEYS = frozenset({"text", "title", "label", "placeholder", "hint", "submit", "close"})
SKIPPED_KEYS = frozenset({"value", "action_id", "block_id", "url", "private_metadata"})
SHOWING = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "views.open",
        "views.update",
        "views.push",
        "views.publish",
        "conversations.setTopic",
        "files.completeUploadExternal",
        Faults.RESPONSE_URL,
    }
)
SHOWN_PARAMS = ("text", "topic", "initial_comment", "blocks", "attachments", "view")


def _words(node: Any) -> Iterator[str]:
    """The readable strings of a Block Kit tree, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in READ_KEYS and isinstance(value, str):
                yield value
            elif key not in SKIPPED_KEYS:
                yield from _words(value)
    elif isinstance(node, list):
        for item in node:
            yield from _words(item)


def _shown(call: Call) -> Iterator[str]:
    for key in SHOWN_PARAMS:
        value = call.params.get(key)
        if isinstance(value, str) and key in {"blocks", "attachments", "view"}:
            try:
                value = json.loads(value)  # form-encoded calls carry JSON as text
            except ValueError:
                continue
        if isinstance(value, str):
            yield value
        else:
            yield from _words(value)


def bot_texts(calls: list[Call], state: Workspace) -> list[str]:
    texts = [text for call in calls if call.method in SHOWING for text in _shown(call)]
    for ephemeral in state.ephemerals_shown:
        texts.append(ephemeral.text)
        texts.extend(_words(ephemeral.blocks or []))
    return [text for text in texts if text.strip()]
