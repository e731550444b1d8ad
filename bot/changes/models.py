"""Change events and the marks responders put on them."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints


def _aware(value: datetime) -> datetime:
    """Deploy tools send offsets or `Z`; a naive time would be read in the wrong zone."""
    if value.tzinfo is None:
        raise ValueError("needs a timezone (e.g. 2025-04-30T08:38:00Z)")
    return value.astimezone(UTC)


Instant = Annotated[datetime, AfterValidator(_aware)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ChangeIn(BaseModel):
    """One deploy as a source reports it; `external_id` makes it recorded once per source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    service: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    author: Short = ""
    deployed_at: Instant
    url: Annotated[str, StringConstraints(max_length=500)] | None = None
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class ChangeEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    source: str
    service: str
    version: str
    description: str = ""
    author: str = ""
    deployed_at: datetime
    url: str | None = None
    external_id: str
    recorded_at: datetime

    @property
    def author_name(self) -> str:
        """`giulia@acme.com` reads as `giulia`: addresses are long and half private."""
        return self.author.partition("@")[0] if "@" in self.author else self.author


class Mark(StrEnum):
    caused = "caused"
    not_related = "not_related"


class ChangeMark(BaseModel):
    model_config = ConfigDict(frozen=True)

    incident_id: int
    change_id: int
    mark: Mark
    marked_by: str
    marked_at: datetime


class WebhookChange(BaseModel):
    """The body of `POST /changes`, as a CI pipeline sends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    author: Short = ""
    deployed_at: Instant
    url: Annotated[str, StringConstraints(max_length=500)] | None = None
    id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="the pipeline's own id of this deploy: a resend is recorded once"
    )
