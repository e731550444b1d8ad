"""The `[followups]` TOML table: reminder time, the Monday digest, the GitHub export."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_REPO = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class GithubSettings(BaseModel):
    """`[followups.github]`: where follow-ups become issues; the token's variable, never it."""

    model_config = ConfigDict(extra="forbid")

    repo: str
    token_env: str = "GITHUB_TOKEN"
    api_url: str = "https://api.github.com"
    labels: list[str] = []
    # Export every new follow-up at once instead of waiting for its Export button.
    auto_export: bool = False
    # Minutes between polls of exported issues' state; 0 leaves it to the webhook.
    poll_minutes: int = Field(15, ge=0)
    # Variable holding the secret of the `POST /github` webhook; unset, the route refuses all.
    webhook_secret_env: str | None = None

    @field_validator("repo")
    @classmethod
    def _owner_slash_name(cls, value: str) -> str:
        if not _REPO.fullmatch(value):
            raise ValueError(f"{value!r} is not owner/name, e.g. acme/web")
        return value

    @field_validator("api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class FollowupSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Reminders go out at this hour on the due day, in the incident's timezone.
    reminder_hour: int = Field(9, ge=0, le=23)
    # Monday's digest of open and overdue follow-ups; off with `digest = false`.
    digest: bool = True
    # Where the digest goes; the announce channel when unset.
    digest_channel: str | None = None
    github: GithubSettings | None = None
