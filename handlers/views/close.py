"""The close modal: what the drafts need from people, asked once, all of it optional.

A view module, so `lifecycle` (the `close` command, its confirmation) and `postmortem` (the
submission, the "Close and draft" button) both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.errors import InputError
from bot.features.board import restore_and_resolve_button
from bot.followups.blocks import NO_FOLLOWUPS
from bot.i18n import N_, Texts, texts
from bot.incidents.flows import Resolution
from bot.models import Incident
from bot.postmortem.phrases import LANGUAGES
from bot.postmortem.service import CloseForm
from bot.slack.gateway import SlackWeb, escape
from handlers.context import Reply
from handlers.payloads import RowId, StateValues
from handlers.views import confirm_blocks, modal_value

CLOSE_CALLBACK = "postmortem_close"
CLOSE_BUTTON = "postmortem_close_open"
LANGUAGE_NAMES = {"en": "English", "it": "Italiano"}
TITLE_MAX = 24  # Slack's limit for a modal title
TEXT_MAX = 3000

# Field: (label, hint), translated where the modal is built.
_TEXTS = {
    "root_cause": (N_("What happened / root cause"), None),
    "resolution": (N_("How it was fixed"), None),
    "action_items": (
        N_("What we change"),
        N_("One action per line; end it with @owner to assign it."),
    ),
    "went_well": (N_("What went well (internal)"), None),
    "went_badly": (N_("What went badly (internal)"), None),
}


def _text_input(t: Texts, block_id: str, label: str, hint: str | None) -> InputBlock:
    return InputBlock(
        block_id=block_id,
        label=t._(label),
        hint=t._(hint) if hint else None,
        optional=True,
        element=PlainTextInputElement(action_id="value", multiline=True, max_length=TEXT_MAX),
    )


def close_modal(
    incident: Incident, language: str, followup_blocks: Sequence[Any] = ()
) -> dict[str, Any]:
    """The modal in the workspace's `language`, which is also the draft language offered first
    (callers pass the configured one)."""
    t = texts(language)
    languages = [Option(text=LANGUAGE_NAMES.get(code, code), value=code) for code in LANGUAGES]
    intro = t._(
        "Closing *{incident}* ({title}). Your answers go into the customer apology and the"
        " internal postmortem; leave any field empty and the drafts mark it as still to write."
    ).format(incident=incident.number, title=escape(incident.title))
    blocks: list[Any] = [SectionBlock(text=intro)]
    blocks += [_text_input(t, key, label, hint) for key, (label, hint) in _TEXTS.items()]
    blocks += [
        InputBlock(
            block_id="language",
            label=t._("Language of the customer post"),
            optional=True,
            element=StaticSelectElement(
                action_id="value",
                options=languages,
                initial_option=next((o for o in languages if o.value == language), None),
            ),
        ),
        InputBlock(
            block_id="signer",
            label=t._("Signed by"),
            optional=True,
            element=UserSelectElement(action_id="value", initial_user=incident.lead),
        ),
        *followup_blocks,
    ]
    view = View(
        type="modal",
        callback_id=CLOSE_CALLBACK,
        title=t._("Close {incident}").format(incident=incident.number)[:TITLE_MAX],
        submit=t.pgettext("button", "Close and draft"),
        close=t.pgettext("button", "Cancel"),
        blocks=blocks,
        private_metadata=CloseMetadata(
            incident_id=incident.id, reopened_at=incident.reopened_at
        ).model_dump_json(),
    )
    view.validate_json()
    return view.to_dict()


class CloseMetadata(BaseModel):
    """What the close form carries: its incident, and when that was last reopened as the form
    opened (a form opened before a reopening closes nothing)."""

    incident_id: RowId
    reopened_at: datetime | None = None


def close_form(values: StateValues) -> CloseForm:
    """The submitted modal; a select left untouched may arrive empty (the defaults apply)."""
    signer = values.get("signer", {}).get("value", {}).get("selected_user")
    return CloseForm(
        **{key: str(modal_value(values, key) or "") for key in _TEXTS},
        language=modal_value(values, "language"),
        signer_id=signer,
    )


def closing_without_followups(values: StateValues) -> bool:
    """Whether the submitted modal ticked "Close without any follow-up"."""
    element = values.get(NO_FOLLOWUPS, {}).get("value", {})
    return bool(element.get("selected_options"))


def with_close_button(t: Texts, text: str, incident: Incident) -> list[dict[str, Any]]:
    """`text` with a "Close and draft" button under it (the resolve message)."""
    button = ButtonElement(
        text=t.pgettext("button", "Close and draft"),
        action_id=CLOSE_BUTTON,
        value=str(incident.id),
        style="primary",
    )
    return [SectionBlock(text=text).to_dict(), ActionsBlock(elements=[button]).to_dict()]


async def open_close_modal(
    slack: SlackWeb,
    incident: Incident,
    trigger_id: str | None,
    language: str,
    extra: Sequence[Any] = (),
) -> None:
    """Render and open the close modal (with `extra` blocks at the end, e.g. the follow-ups'
    confirmation); without a trigger (not a click or command) there is no way to show a form,
    which is the user's to know."""
    if not trigger_id:
        raise InputError(
            texts(language)._("Closing needs Slack's form, and this request did not come with one.")
        )
    await slack.open_view(trigger_id, close_modal(incident, language, extra))


def guard_reply(t: Texts, resolution: Resolution, *, closing: bool, said: str = "") -> Reply:
    """The question resolve and close ask while something is still open, named: end it all now
    (features), end one at its time (the command), or go on anyway (it stays open in the record);
    Cancel keeps the incident as it is."""
    incident = resolution.incident
    items = "; ".join(resolution.open_items)
    if closing:
        question = t._(
            "{number} is not resolved and still open: {items}. Close it anyway? They stay open"
            " in the record and the drafts say so."
        )
        action, label = "incident_close_confirm", t.pgettext("button", "Close anyway")
    else:
        question = t._(
            "Resolve {number} anyway? Still open: {items}."
            " They stay open in the record and the drafts say so."
        )
        action, label = "incident_resolve_confirm", t.pgettext("button", "Resolve anyway")
    text = said + question.format(number=incident.number, items=items)
    if resolution.features_out:
        text += " " + t._("A feature that came back earlier: `/incident feature up NAME at HH:MM`.")
    blocks = confirm_blocks(t, text, action, str(incident.id), label)
    if resolution.features_out:
        button = restore_and_resolve_button(t, incident.id, closing=closing)
        blocks[-1]["elements"].insert(0, button)
    return Reply(text, blocks)


def resolved_reply(t: Texts, resolution: Resolution, said: str = "") -> Reply:
    """The resolve message (after `said`, e.g. what was restored), with the "Close and draft"
    button under it: the same answer whichever way the incident was resolved."""
    assert resolution.change is not None
    text = said + resolution.change + " "
    text += t._("Close it to draft the postmortem: the button or `/incident close`.")
    return Reply(text, with_close_button(t, text, resolution.incident), in_channel=True)
