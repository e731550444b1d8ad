"""The `[paging]` TOML table: which provider, its keys' variables, schedules, when to page."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.models import Severity

PAGERDUTY_EVENTS = "https://events.pagerduty.com"
PAGERDUTY_API = "https://api.pagerduty.com"
OPSGENIE_API = "https://api.opsgenie.com"


class PagingSettings(BaseModel):
    """Variable names, never values: the keys are read from the environment at call time."""

    model_config = ConfigDict(extra="forbid")

    provider: Literal["pagerduty", "opsgenie"]
    # PagerDuty: the Events API v2 integration key.
    routing_key_env: str = "PAGERDUTY_ROUTING_KEY"
    # PagerDuty: a REST API token, for who is on call and who acknowledged.
    api_token_env: str = "PAGERDUTY_API_TOKEN"
    # Opsgenie: the API integration's key (`Authorization: GenieKey …`).
    api_key_env: str = "OPSGENIE_API_KEY"
    # PagerDuty schedule ids, or Opsgenie schedule names; the first is paged by default.
    schedules: list[str] = []
    # Page when an incident is declared at (or raised to) one of these severities.
    auto_page: list[Severity] = []
    events_url: str = PAGERDUTY_EVENTS
    api_url: str | None = None
    # PagerDuty webhooks v3 (`POST /pagerduty`); without the secret the page is polled.
    webhook_secret_env: str = "OUTAGEBOT_PAGERDUTY_WEBHOOK_SECRET"
    poll_minutes: int = Field(1, ge=1)
    # Pause before the first retry (doubles, with jitter); tests shorten it.
    backoff_seconds: float = Field(1.0, gt=0, le=30)

    @field_validator("events_url", "api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _default_api(self) -> Self:
        if self.api_url is None:
            self.api_url = PAGERDUTY_API if self.provider == "pagerduty" else OPSGENIE_API
        return self

    @property
    def api(self) -> str:
        return self.api_url or ""
