"""What a subcommand handler gets and gives back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.errors import InputError
from bot.models import Incident
from bot.services import Services
from bot.slack import people
from handlers.payloads import BlockActions, row_id


@dataclass(frozen=True)
class Reply:
    """The answer to a command: ephemeral unless `in_channel`."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    in_channel: bool = False

    def ack_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"text": self.text}
        if self.blocks:
            kwargs["blocks"] = self.blocks
        if self.in_channel:
            kwargs["response_type"] = "in_channel"
        return kwargs

    async def replacing(self, respond: Callable[..., Awaitable[Any]]) -> None:
        """Answer a click on an ephemeral question in the channel, for everyone: the question
        goes first, then the answer is posted (Slack posts nothing sent along with a delete)."""
        await respond(delete_original=True)
        await respond(text=self.text, blocks=self.blocks, response_type="in_channel")


@dataclass
class CommandContext:
    services: Services
    user_id: str
    channel_id: str
    args: str
    trigger_id: str | None
    # Where late answers go (valid 30 min), so background work can report to the user.
    response_url: str | None = None
    incident: Incident | None = None

    def require_incident(self) -> Incident:
        if self.incident is None:
            raise InputError(self.services.texts._("This only works inside an incident channel."))
        return self.incident


Handler = Callable[[CommandContext], Awaitable[Reply]]


@dataclass(frozen=True)
class Subcommand:
    """One `/incident <name>` subcommand, documented where it is registered."""

    name: str
    usage: str
    example: str
    summary: str
    handler: Handler
    needs_incident: bool = True
    aliases: tuple[str, ...] = ()


async def clicked_incident(services: Services, click: BlockActions) -> Incident:
    """The incident a button carries in its value (the number), checked like typed input."""
    number = row_id(click.value)
    if number is None:
        raise InputError(services.texts._("That button does not belong to an incident."))
    return await clicked(services, click, number)


async def clicked(services: Services, click: BlockActions, incident_id: int) -> Incident:
    """The incident a button names, if it was clicked where that incident lives.

    A button in one incident's channel that names another incident is refused (a forged or
    copied click); elsewhere (App Home, announcements, direct messages) naming it is the point.
    """
    incident = await services.incidents.get(incident_id)
    channel = click.channel_id
    if channel and channel != incident.channel_id:
        here = await services.incidents.by_channel(channel)
        if here is not None:
            raise InputError(
                services.texts._(
                    "That button is about {number}, not {here}; nothing changed."
                ).format(number=incident.number, here=here.number)
            )
    return incident


async def resolve_user(services: Services, text: str) -> str:
    """`<@U123|name>` (Slack's escaped mention) or a plain `@name` -> a user id."""
    return await people.resolve_user(services.slack, services.texts, text)
