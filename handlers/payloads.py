"""Shapes of the Slack events the bot reads, checked before any listener runs.

Slack's own events always fit; anything else (a forged or broken body that still carries a
valid signature) is acknowledged and dropped, so listeners can trust the fields they read.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

# Seconds and microseconds: every listener turns a ts into an instant (`ts_instant`).
SlackTs = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}(\.[0-9]{1,6})?$")]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Item(_Loose):
    type: str | None = None
    channel: str | None = None
    ts: SlackTs | None = None
    message: dict[str, Any] | None = None


class InnerMessage(_Loose):
    user: str | None = None
    text: str | None = None
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None
    bot_id: str | None = None
    subtype: str | None = None
    edited: dict[str, Any] | None = None
    files: list[dict[str, Any]] | None = None


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


SHAPES: dict[str, TypeAdapter[Any]] = {
    "message": TypeAdapter(MessageEvent),
    "reaction_added": TypeAdapter(ReactionEvent),
    "reaction_removed": TypeAdapter(ReactionEvent),
    "pin_added": TypeAdapter(PinEvent),
    "pin_removed": TypeAdapter(PinEvent),
    "app_home_opened": TypeAdapter(UserEvent),
    "member_joined_channel": TypeAdapter(UserEvent),
}


def malformed(body: dict[str, Any]) -> str | None:
    """Why an `event_callback` body cannot be Slack's, or None when it fits."""
    event = body.get("event")
    if not isinstance(event, dict):
        return "event is not an object"
    if not isinstance(body.get("event_id", ""), str):
        return "event_id is not a string"
    shape = SHAPES.get(str(event.get("type")))
    if shape is None:
        return None
    try:
        shape.validate_python(event)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"{event.get('type')}.{'.'.join(map(str, first['loc']))}: {first['msg']}"
    return None
