"""Block Kit of a proposal in the incident channel: the text, and who may do what with it."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)

from bot.i18n import Texts
from bot.slack.gateway import escape
from bot.statuspage.models import STATUS_LABELS, StatusUpdate, UpdateState

PUBLISH = "status_page_publish"
EDIT = "status_page_edit"
SKIP = "status_page_skip"
EDIT_CALLBACK = "status_page_edit_submit"
EDIT_BLOCK, EDIT_ACTION = "status_page_text", "text"
BODY_MAX = 2900


def quoted(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def proposal_blocks(t: Texts, update: StatusUpdate, when: str) -> tuple[str, list[dict[str, Any]]]:
    status = t._(STATUS_LABELS[update.status])
    value = str(update.id)
    if update.state is UpdateState.proposed:
        head = t._(":loudspeaker: *Proposed status page update* ({status}): {title}").format(
            status=status, title=escape(update.title)
        )
        foot = t._("Nobody outside sees it until someone publishes it.")
        actions: list[Any] = [
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=t.pgettext("button", "Publish"),
                        action_id=PUBLISH,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(
                        text=t.pgettext("button", "Edit and publish"), action_id=EDIT, value=value
                    ),
                    ButtonElement(text=t.pgettext("button", "Skip"), action_id=SKIP, value=value),
                ]
            )
        ]
    elif update.state is UpdateState.published:
        head = t._(":white_check_mark: *Published on the status page* ({status}): {title}").format(
            status=status, title=escape(update.title)
        )
        foot = t._("Published by <@{user}> at {time}.").format(user=update.decided_by, time=when)
        actions = []
    else:
        head = t._(":no_entry_sign: *Status page update skipped*: {title}").format(
            title=escape(update.title)
        )
        foot = t._("Skipped by <@{user}> at {time}.").format(user=update.decided_by, time=when)
        actions = []
    blocks = [
        SectionBlock(text=head),
        SectionBlock(text=quoted(update.body)[:3000]),
        ContextBlock(elements=[MarkdownTextObject(text=foot)]),
        *actions,
    ]
    return head, [block.to_dict() for block in blocks]


def edit_modal(t: Texts, update: StatusUpdate) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": EDIT_CALLBACK,
        "private_metadata": str(update.id),
        "title": PlainTextObject(text=t._("Status page")[:24]).to_dict(),
        "submit": PlainTextObject(text=t.pgettext("button", "Publish")[:24]).to_dict(),
        "close": PlainTextObject(text=t.pgettext("button", "Cancel")[:24]).to_dict(),
        "blocks": [
            InputBlock(
                block_id=EDIT_BLOCK,
                label=t._("What customers will read"),
                element=PlainTextInputElement(
                    action_id=EDIT_ACTION,
                    multiline=True,
                    initial_value=update.body[:BODY_MAX],
                    max_length=BODY_MAX,
                ),
            ).to_dict()
        ],
    }
