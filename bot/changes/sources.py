"""Change sources, as configured under `[changes.sources.<name>]`.

Strict like the maintenance targets (an unknown key fails at start-up), and they hold names of
environment variables, never secrets.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bot.maintenance.targets import EnvName, HerokuApp, TargetName, TimeoutSeconds, Url

_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
ServiceName = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    # Names the service in messages; the source's own name when absent.
    service: ServiceName | None = None


class HerokuSource(_Strict):
    """An app's releases; also what `/incident rollback` rolls back."""

    provider: Literal["heroku"] = "heroku"
    app: HerokuApp
    token_env: EnvName
    api_url: Url = "https://api.heroku.com"
    timeout_seconds: TimeoutSeconds = 30.0


class GithubSource(_Strict):
    """The deployments of one environment of a repository."""

    provider: Literal["github"] = "github"
    repo: Annotated[str, StringConstraints(pattern=_REPO)]
    environment: str = "production"
    token_env: EnvName
    api_url: Url = "https://api.github.com"
    timeout_seconds: TimeoutSeconds = 30.0


class WebhookSource(_Strict):
    """Changes a pipeline POSTs to `/changes`; nothing to poll."""

    provider: Literal["webhook"] = "webhook"


class DryRunSource(_Strict):
    """Nothing to poll; a rollback is recorded, never sent (the demo's platform)."""

    provider: Literal["dryrun"] = "dryrun"


Source = Annotated[
    HerokuSource | GithubSource | WebhookSource | DryRunSource, Field(discriminator="provider")
]


class ChangesSettings(BaseModel):
    """The `[changes]` table of the TOML file."""

    model_config = ConfigDict(extra="forbid")

    sources: dict[TargetName, Source] = {}
    # How far before an impact start changes are listed as candidates.
    window_hours: float = Field(48, gt=0, le=24 * 14)
    # Pollable sources are read this often while an incident is open.
    poll_minutes: float = Field(5, gt=0)
    # Releases read per poll.
    max_releases: int = Field(20, ge=1, le=200)
    # Pause before the first retry of a deploy API call; tests shorten it.
    backoff_seconds: float = Field(0.5, gt=0, le=10)


def service_of(name: str, source: Source) -> str:
    return source.service or name
