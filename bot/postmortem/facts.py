"""Everything a draft is made from: recorded facts plus what people typed at close.

The drafts are pure functions of these values, so the same facts always give the same text
and tests can build an outage day by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, field_validator

from bot.corrections.audit import Correction
from bot.followups.models import FollowUp
from bot.models import FeatureInterval, Incident, MaintenanceWindow, TimelineEntry

if TYPE_CHECKING:
    from bot.changes.drafts import DraftChanges

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")
_AT_NAME = re.compile(r"(?:^|(?<=\s))@([\w.-]*\w)")


class ActionItem(BaseModel):
    """One follow-up; `owner` is a Slack mention `<@U123>` or a typed `@name`."""

    model_config = ConfigDict(frozen=True)

    text: str
    owner: str | None = None


def _parse_line(line: str) -> ActionItem | None:
    line = _BULLET.sub("", line).strip()
    owner: str | None = None
    if mention := _SLACK_MENTION.search(line):
        owner = f"<@{mention.group(1)}>"
        line = line[: mention.start()] + line[mention.end() :]
    elif at_name := _AT_NAME.search(line):
        owner = "@" + at_name.group(1)
        line = line[: at_name.start()] + line[at_name.end() :]
    text = re.sub(r"\s+(?=[.,;:!?])", "", " ".join(line.split())).strip(" :-–—")
    return ActionItem(text=text, owner=owner) if text else None


def parse_action_items(text: str) -> list[ActionItem]:
    """Parse the close modal's "one per line, optional @owner" field.

    Bullets and numbering are dropped; the first mention on a line becomes the owner.
    """
    return [item for line in text.splitlines() if (item := _parse_line(line))]


class CloseInputs(BaseModel):
    """What the close modal asks for; everything may be left empty (drafts show placeholders)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    root_cause: str = ""
    resolution: str = ""
    action_items: list[ActionItem] = []
    went_well: str = ""
    went_badly: str = ""
    language: str | None = None
    signer: str | None = None

    @field_validator("action_items", mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        """Accept the modal's raw multi-line text as well as parsed items."""
        return parse_action_items(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class PostmortemFacts:
    """The recorded incident; `entries` include deleted ones (the drafts filter them)."""

    incident: Incident
    entries: list[TimelineEntry]
    intervals: list[FeatureInterval]
    windows: list[MaintenanceWindow]
    inputs: CloseInputs
    user_names: dict[str, str]
    channel_url: str | None
    now: datetime
    commitment: str | None = None
    changes: DraftChanges | None = None  # deploys tied to the outages (bot/changes/drafts.py)
    # The incident's follow-ups (typed ones and the close form's lines): the action items.
    followups: list[FollowUp] = field(default_factory=list)
    corrections: tuple[Correction, ...] = ()  # the audit trail (bot/corrections/audit.py)

    @property
    def end(self) -> datetime:
        """Where impact is measured up to: resolution, else close, else now."""
        return self.incident.resolved_at or self.incident.closed_at or self.now
