"""`[features.check]` and `[alerts]`, strict like the maintenance targets: a wrong key stops
start-up with one line naming it, and headers name environment variables, never secrets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from bot.maintenance.targets import EnvName, TimeoutSeconds, Url
from bot.models import Severity

HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$")]


class CheckConfig(BaseModel):
    """One feature's probe: what to ask, what a good answer is, and when to ask."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    url: Url
    method: Literal["GET", "HEAD", "POST"] = "GET"
    # Header -> the name of the environment variable holding its value.
    headers_env: dict[HeaderName, EnvName] = {}
    expect_status: list[Annotated[int, Field(ge=100, le=599)]] = Field([200], min_length=1)
    expect_text: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None
    timeout_seconds: TimeoutSeconds = 10.0
    # 0: only after deploys.
    every_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 5
    after_deploy_minutes: list[Annotated[int, Field(ge=0, le=24 * 60)]] = [1, 3, 10]
    # Consecutive failures before the feature counts as failing.
    failures: Annotated[int, Field(ge=1, le=20)] = 2
    follow_redirects: bool = False

    @field_validator("expect_text")
    @classmethod
    def _a_body_to_read(cls, text: str | None, info: ValidationInfo) -> str | None:
        """A HEAD answer has no body: the check would fail on every run, so it never starts."""
        if text is not None and info.data.get("method") == "HEAD":
            raise ValueError("a HEAD answer has no body to find it in: use GET, or drop it")
        return text


class AlertsSettings(BaseModel):
    """The `[alerts]` table: who may send alerts, where signals are posted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Bearer token of `POST /alerts/alertmanager`; unset, the route answers 503.
    token_env: EnvName = "OUTAGEBOT_ALERTS_TOKEN"
    # Secret of `POST /alerts`, signed like `POST /changes`; unset, the route answers 503.
    secret_env: EnvName = "OUTAGEBOT_ALERTS_SECRET"
    # Where a signal with no incident open goes; the announce channel when absent.
    channel: str | None = None
    # The declare form's severity for a signal.
    severity: Severity = Severity.sev2
    # At most this many probes at once, across all features.
    concurrency: Annotated[int, Field(ge=1, le=100)] = 10
