"""The `[followups]` TOML table: reminder time, the Monday digest, the trackers follow-ups are
exported to (`[followups.github]`, `[followups.jira]`, `[followups.linear]`) and the default."""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_PROJECT = re.compile(r"[A-Z][A-Z0-9_]{0,49}")

TrackerName = Literal["github", "jira", "linear"]


def _no_trailing_slash(value: str) -> str:
    return value.rstrip("/")


class TrackerSettings(BaseModel):
    """What every tracker's table has besides its own keys."""

    model_config = ConfigDict(extra="forbid")

    # Export every new follow-up at once instead of waiting for its Export button.
    auto_export: bool = False
    # Minutes between polls of exported tickets' state; 0 leaves it to the webhook.
    poll_minutes: int = Field(15, ge=0)
    # Variable holding the secret of the tracker's webhook; unset, the route refuses all.
    webhook_secret_env: str | None = None
    # Seconds one call may take; a create that outlasts it is looked up before any retry.
    timeout_seconds: float = Field(15.0, gt=0, le=120)


class GithubSettings(TrackerSettings):
    """`[followups.github]`: where follow-ups become issues; the token's variable, never it."""

    repo: str
    token_env: str = "GITHUB_TOKEN"
    api_url: str = "https://api.github.com"
    labels: list[str] = []

    @field_validator("repo")
    @classmethod
    def _owner_slash_name(cls, value: str) -> str:
        if not _REPO.fullmatch(value):
            raise ValueError(f"{value!r} is not owner/name, e.g. acme/web")
        return value

    _api_url = field_validator("api_url")(_no_trailing_slash)


class JiraSettings(TrackerSettings):
    """`[followups.jira]`: Jira Cloud's REST API v3 with Basic auth `email:api_token`."""

    url: str  # https://acme.atlassian.net
    project: str  # the project key, e.g. OPS
    issue_type: str = "Task"
    email_env: str = "JIRA_EMAIL"
    token_env: str = "JIRA_API_TOKEN"
    webhook_secret_env: str | None = "OUTAGEBOT_JIRA_WEBHOOK_SECRET"

    _url = field_validator("url")(_no_trailing_slash)

    @field_validator("project")
    @classmethod
    def _project_key(cls, value: str) -> str:
        if not _PROJECT.fullmatch(value):
            raise ValueError(f"{value!r} is not a Jira project key, e.g. OPS")
        return value


class LinearSettings(TrackerSettings):
    """`[followups.linear]`: Linear's GraphQL API with a personal API key."""

    team_id: str
    api_key_env: str = "LINEAR_API_KEY"
    api_url: str = "https://api.linear.app/graphql"
    webhook_secret_env: str | None = "OUTAGEBOT_LINEAR_WEBHOOK_SECRET"


class FollowupSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Reminders go out at this hour on the due day, in the incident's timezone.
    reminder_hour: int = Field(9, ge=0, le=23)
    # Monday's digest of open and overdue follow-ups; off with `digest = false`.
    digest: bool = True
    # Where the digest goes; the announce channel when unset.
    digest_channel: str | None = None
    # The tracker the Export button and `followup export N` use; unset: the first configured
    # of github, jira, linear.
    tracker: TrackerName | None = None
    github: GithubSettings | None = None
    jira: JiraSettings | None = None
    linear: LinearSettings | None = None

    @model_validator(mode="after")
    def _default_is_configured(self) -> Self:
        if self.tracker is not None and getattr(self, self.tracker) is None:
            raise ValueError(f"tracker = {self.tracker!r} needs a [followups.{self.tracker}] table")
        return self

    def trackers(self) -> dict[str, TrackerSettings]:
        """The configured trackers, the default first."""
        found: dict[str, TrackerSettings] = {
            name: table
            for name in ("github", "jira", "linear")
            if (table := getattr(self, name)) is not None
        }
        if self.tracker is not None:
            found = {self.tracker: found[self.tracker], **found}
        return found
