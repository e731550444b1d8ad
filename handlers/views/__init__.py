"""Block Kit for the incident lifecycle: the declare modal and confirmation prompts.

A shared edge helper: listener modules import views, never one another. The close modal is in
`close.py`; the App Home and the list lines live in `bot/incidents/blocks.py`, since a flow
refreshes the App Home after every change.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, StrictStr, ValidationError
from slack_bolt.async_app import AsyncAck
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.errors import InputError
from bot.i18n import Texts
from bot.incidents.blocks import list_lines
from bot.incidents.labels import severity_label
from bot.models import Severity
from handlers.payloads import StateValues

DECLARE_CALLBACK = "declare_incident"
__all__ = [
    "DECLARE_CALLBACK",
    "DeclareForm",
    "FormError",
    "confirm_blocks",
    "list_lines",
    "submit_form",
]
T = TypeVar("T")


def declare_modal(
    t: Texts,
    default_severity: Severity,
    features: list[str],
    *,
    title: str = "",
    channel_id: str = "",
    chosen: list[str] | None = None,
    callback_id: str = DECLARE_CALLBACK,
    metadata: dict[str, Any] | None = None,
    note: str = "",
) -> dict[str, Any]:
    """`chosen`: features already selected (a signal's), `note` a line above the form;
    `metadata` joins `channel_id` in the private metadata of a form with its own `callback_id`."""
    severities = [Option(text=severity_label(t, s), value=s.value) for s in Severity]
    blocks: list[Any] = [
        InputBlock(
            block_id="title",
            label=t._("Title"),
            element=PlainTextInputElement(action_id="value", max_length=150, initial_value=title),
        ),
        InputBlock(
            block_id="severity",
            label=t._("Severity"),
            element=StaticSelectElement(
                action_id="value",
                options=severities,
                initial_option=next(o for o in severities if o.value == default_severity.value),
            ),
        ),
    ]
    if note:
        blocks.insert(0, SectionBlock(text=note))
    if features:
        options = [Option(text=name[:75], value=name[:150]) for name in features[:100]]
        initial = [o for o in options if o.value in (chosen or [])]
        blocks.append(
            InputBlock(
                block_id="features",
                label=t._("Features down"),
                optional=True,
                element=StaticMultiSelectElement(
                    action_id="value", options=options, initial_options=initial or None
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id="description",
            label=t._("Description"),
            optional=True,
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=3000),
        )
    )
    view = View(
        type="modal",
        callback_id=callback_id,
        title=t._("Declare an incident"),
        submit=t.pgettext("button", "Declare"),
        close=t.pgettext("button", "Cancel"),
        blocks=blocks,
        private_metadata=json.dumps({"channel_id": channel_id, **(metadata or {})}),
    )
    view.validate_json()
    return view.to_dict()


def form(
    t: Texts,
    *,
    callback_id: str,
    title: str,
    submit: str,
    blocks: Sequence[Block],
    private_metadata: str,
) -> dict[str, Any]:
    """A modal form with Cancel, validated; Slack refuses a title or button over 24 characters,
    so they are cut here."""
    view = View(
        type="modal",
        callback_id=callback_id,
        title=title[:24],
        submit=submit[:24],
        close=t.pgettext("button", "Cancel")[:24],
        private_metadata=private_metadata,
        blocks=list(blocks),
    )
    view.validate_json()
    return view.to_dict()


def confirm_blocks(
    t: Texts, question: str, confirm_action: str, value: str, confirm_label: str
) -> list[Any]:
    """A question with its confirm button (labelled by the caller) and a Cancel button."""
    blocks = [
        SectionBlock(text=question),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text=confirm_label, action_id=confirm_action, value=value, style="danger"
                ),
                ButtonElement(
                    text=t.pgettext("button", "Cancel"), action_id="dismiss", value=value
                ),
            ]
        ),
    ]
    return [block.to_dict() for block in blocks]


def modal_value(values: StateValues, block_id: str) -> Any:
    """The submitted value of `block_id`'s element (text, selected option(s)), or None.

    `Any`: what an element holds depends on its type, and the form model checks it next.
    """
    element = values.get(block_id, {}).get("value")
    if element is None:
        return None
    kind = element.get("type")
    if kind in ("static_select", "users_select"):
        option = element.get("selected_option") or {}
        return option.get("value") if isinstance(option, dict) else element.get("selected_user")
    if kind == "multi_static_select":
        options = element.get("selected_options")
        return [o.get("value") for o in options if isinstance(o, dict)] if options else []
    return element.get("value")


async def submit_form(
    ack: AsyncAck, work: Callable[[], Awaitable[T]], field: str = "title"
) -> T | None:
    """Do what a submitted form asks, then ack; a `FormError` (or an `InputError`, shown under
    `field`) goes back on the form instead and the answer is None."""
    try:
        done = await work()
    except FormError as exc:
        await ack(response_action="errors", errors=exc.errors)
        return None
    except InputError as exc:
        await ack(response_action="errors", errors={field: exc.message[:150]})
        return None
    await ack()
    return done


class FormError(ValueError):
    """A submitted form that does not fit; `errors` maps block ids to what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(str(errors))
        self.errors = errors


class DeclareForm(BaseModel):
    """The declare modal's values, checked before anything is written."""

    title: StrictStr = ""
    severity: Severity
    description: StrictStr = ""
    features: list[StrictStr] = []

    @classmethod
    def from_state(cls, values: StateValues, default: Severity, t: Texts) -> DeclareForm:
        raw = {block: modal_value(values, block) for block in cls.model_fields}
        raw = {k: v for k, v in raw.items() if v is not None}
        raw.setdefault("severity", default)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            # Only a tampered or malformed payload gets here: say which field, not pydantic's words.
            unreadable = t._("This value could not be read; enter it again.")
            raise FormError({str(error["loc"][0]): unreadable for error in exc.errors()}) from None
