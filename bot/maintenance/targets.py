"""Maintenance targets, as configured under `[maintenance.targets.<name>]`.

The models are strict (an unknown key is an error) so a typo in the TOML fails at start-up,
not in the middle of an outage. They hold names of environment variables, never secrets, and
hide input values in their errors in case someone pastes a token where a name belongs.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

DEFAULT_TARGET = "app"
"""The name of the dry-run target used when none is configured."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Heroku's app identity: a name (its published pattern) or a UUID.
_HEROKU_APP = r"^([a-z][a-z0-9-]{1,28}[a-z0-9]|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$"


def _env_name(value: str) -> str:
    if not _ENV_NAME.fullmatch(value):
        raise ValueError(
            "must be the NAME of an environment variable (like HEROKU_API_TOKEN), not its value"
        )
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("must use https:// (plain http is accepted only for localhost)")
    return value.rstrip("/")


EnvName = Annotated[str, AfterValidator(_env_name)]
Url = Annotated[str, AfterValidator(_url)]
TargetName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
TimeoutSeconds = Annotated[float, Field(gt=0, le=300)]
HerokuApp = Annotated[str, StringConstraints(pattern=_HEROKU_APP)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class HerokuTarget(_Strict):
    provider: Literal["heroku"] = "heroku"
    app: HerokuApp
    token_env: EnvName
    api_url: Url = "https://api.heroku.com"
    timeout_seconds: TimeoutSeconds = 30.0


class WebhookTarget(_Strict):
    provider: Literal["webhook"] = "webhook"
    url: Url
    state_url: Url | None = None
    secret_env: EnvName
    timeout_seconds: TimeoutSeconds = 30.0


class DryRunTarget(_Strict):
    provider: Literal["dryrun"] = "dryrun"


Target = Annotated[HerokuTarget | WebhookTarget | DryRunTarget, Field(discriminator="provider")]


class MaintenanceConfig(_Strict):
    """The `[maintenance]` table of the TOML file."""

    targets: dict[TargetName, Target] = Field(default_factory=dict)
