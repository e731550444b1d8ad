"""Shapes of the Slack payloads the bot reads, checked once before any listener runs.

Slack's own events and clicks always fit; anything else (a forged or broken body that still
carries a valid signature) is refused at the edge. The middleware keeps the parsed model in
Bolt's context and listeners take it back with `payload(context, Shape)`, so they read typed
fields instead of walking dicts again. `Any` is left only where Slack's payloads are open
(a file, an edit, a form element's state, whose keys depend on their type).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from slack_bolt.context.async_context import AsyncBoltContext

from bot.errors import InputError
from bot.i18n import Texts
from bot.slack.ts import ts_instant

# Seconds and microseconds: every listener turns a ts into an instant (`ts_instant`).
SlackTs = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,6})?$")]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class InnerMessage(_Loose):
    """A message object: an event's, or one carried by an edit, a deletion or a pin."""

    user: str | None = None
    text: str | None = None
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None
    bot_id: str | None = None
    subtype: str | None = None
    edited: dict[str, Any] | None = None
    files: list[dict[str, Any]] | None = None
    reactions: list[dict[str, Any]] | None = None


class Item(_Loose):
    type: str | None = None
    channel: str | None = None
    ts: SlackTs | None = None
    message: InnerMessage | None = None


class MessageEvent(InnerMessage):
    channel: str
    message: InnerMessage | None = None
    previous_message: InnerMessage | None = None
    deleted_ts: SlackTs | None = None
    event_ts: SlackTs | None = None


class ReactionEvent(_Loose):
    user: str
    reaction: str
    item: Item
    item_user: str | None = None


class PinEvent(_Loose):
    channel_id: str
    user: str | None = None
    item: Item


class UserEvent(_Loose):
    user: str
    channel: str | None = None
    tab: str | None = None


RowId = Annotated[int, Field(gt=0, lt=2**63)]
"""A row id a button carries: any other number (a forged value) is refused as malformed."""


def row_id(value: str | None) -> int | None:
    """A button's plain-number value as a row id; None for anything else (`²`, 5,000 digits)."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value) or None


class UserRef(_Loose):
    id: str


class ChannelRef(_Loose):
    id: str | None = None


class Action(_Loose):
    action_id: str | None = None
    # What the bot put on the button (an id, a JSON value): checked again where it is used.
    value: str | None = None
    # A select's choice (the correction form's filter).
    selected_option: dict[str, Any] | None = None


class Container(_Loose):
    type: str | None = None
    channel_id: str | None = None
    message_ts: SlackTs | None = None


class Interaction(_Loose):
    """What every click and submission carries: who, and where a late answer goes."""

    user: UserRef
    trigger_id: str | None = None
    response_url: str | None = None


class BlockActions(Interaction):
    """A button click (`block_actions`)."""

    actions: list[Action] = []
    container: Container | None = None
    channel: ChannelRef | None = None
    # The modal a click inside one came from (its id and private_metadata).
    view: SubmittedView | None = None

    @property
    def channel_id(self) -> str | None:
        """The channel of the clicked message; None in App Home and modals."""
        if self.channel is not None and self.channel.id:
            return self.channel.id
        return self.container.channel_id if self.container is not None else None

    @property
    def value(self) -> str | None:
        """The clicked button's value: a click carries one action."""
        return self.actions[0].value if self.actions else None

    @property
    def asked_at(self) -> datetime | None:
        """When the clicked message was posted (its ts): when its question was asked."""
        ts = self.container.message_ts if self.container is not None else None
        return ts_instant(ts) if ts else None


# block_id -> action_id -> the element's state, whose keys depend on the element's type.
StateValues = dict[str, dict[str, dict[str, Any]]]


class ViewState(_Loose):
    values: StateValues = {}


class SubmittedView(_Loose):
    id: str | None = None
    private_metadata: str = ""
    state: ViewState = ViewState()


class ViewSubmission(Interaction):
    """A modal's submit button (`view_submission`)."""

    view: SubmittedView


class MessageShortcut(Interaction):
    """A message's "More actions" shortcut (`message_action`)."""

    message: InnerMessage | None = None
    channel: ChannelRef | None = None


# Events by `event.type`; clicks and submissions by the body's `type`.
EVENTS: dict[str, type[BaseModel]] = {
    "message": MessageEvent,
    "reaction_added": ReactionEvent,
    "reaction_removed": ReactionEvent,
    "pin_added": PinEvent,
    "pin_removed": PinEvent,
    "app_home_opened": UserEvent,
    "member_joined_channel": UserEvent,
}
INTERACTIONS: dict[str, type[BaseModel]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "message_action": MessageShortcut,
}
# Where the middleware keeps the parsed model in Bolt's context.
PAYLOAD = "payload_model"

Shape = TypeVar("Shape", bound=BaseModel)


class Malformed(ValueError):
    """A body that cannot be Slack's; the message says which field and why (for the log)."""


def parse(body: dict[str, Any]) -> BaseModel | None:
    """The model of an event or interaction the bot reads; None for other requests.

    Raises `Malformed` when the body does not fit its shape.
    """
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict):
            raise Malformed("event is not an object")
        if not isinstance(body.get("event_id", ""), str):
            raise Malformed("event_id is not a string")
        shape, data, name = EVENTS.get(str(event.get("type"))), event, event.get("type")
    else:
        shape, data, name = INTERACTIONS.get(str(kind)), body, kind
    if shape is None:
        return None
    try:
        return shape.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Malformed(f"{name}.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def payload(context: AsyncBoltContext, shape: type[Shape]) -> Shape:
    """The model the middleware parsed this request into, as the class the listener reads.

    A listener only runs for the types `parse` knows, so a miss is a bug (a listener asking
    for the wrong shape), not bad input.
    """
    model = context.get(PAYLOAD)
    if not isinstance(model, shape):
        raise TypeError(f"this request carries no {shape.__name__}")
    return model


def metadata(view: SubmittedView, shape: type[Shape], t: Texts) -> Shape:
    """What a form carries in its private metadata (the ids the bot put there), as `shape`.

    A forged submission can carry anything there: empty, not JSON, a key missing, a number
    no row has. All of it is refused as malformed, with nothing changed.
    """
    try:
        return shape.model_validate_json(view.private_metadata)
    except ValidationError:
        raise InputError(t._("Slack sent something I could not read; nothing changed.")) from None
