"""Alerts as they arrive: Alertmanager's webhook (version 4, which Grafana's webhook contact
point also sends) and outagebot's own generic alert, both read into one `AlertIn`.

A feature's `alert_labels` say which alerts are its: every pair must match. An alert that
matches no feature keeps `feature=None` and is posted as unmapped, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from bot.changes.models import Instant
from bot.config import FeatureConfig
from bot.features.catalog import fold

# Alertmanager sends this for an alert that has not ended.
NOT_ENDED_YEAR = 1


@dataclass(frozen=True)
class AlertIn:
    fingerprint: str
    firing: bool
    feature: str | None
    labels: dict[str, str]
    started_at: datetime
    ended_at: datetime | None
    summary: str
    url: str | None


class _Alert(BaseModel):
    # Alertmanager and Grafana add fields over time (values, silenceURL, ...): read ours only.
    model_config = ConfigDict(extra="ignore", frozen=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    startsAt: Instant
    endsAt: Instant | None = None
    generatorURL: str = ""
    fingerprint: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class AlertmanagerBody(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    version: Literal["4"]
    status: Literal["firing", "resolved"]
    alerts: list[_Alert]


class GenericAlert(BaseModel):
    """`POST /alerts`: one alert from any tool that can sign a JSON body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    status: Literal["firing", "resolved"]
    started_at: Instant
    ended_at: Instant | None = None
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    url: Annotated[str, StringConstraints(max_length=500)] | None = None
    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


def matching(features: Sequence[FeatureConfig], labels: dict[str, str]) -> str | None:
    """The first feature whose every `alert_labels` pair is among the labels."""
    for feature in features:
        wanted = feature.alert_labels
        if wanted and all(labels.get(k) == v for k, v in wanted.items()):
            return feature.name
    return None


def from_alertmanager(body: AlertmanagerBody, features: Sequence[FeatureConfig]) -> list[AlertIn]:
    found = []
    for alert in body.alerts:
        ends = alert.endsAt
        ended = None if ends is None or ends.year == NOT_ENDED_YEAR else ends
        notes = alert.annotations
        summary = (
            notes.get("summary") or notes.get("description") or alert.labels.get("alertname", "")
        )
        found.append(
            AlertIn(
                fingerprint=f"am:{alert.fingerprint}",
                firing=alert.status == "firing",
                feature=matching(features, alert.labels),
                labels=alert.labels,
                started_at=alert.startsAt,
                ended_at=ended,
                summary=summary[:1000],
                url=alert.generatorURL[:500] or None,
            )
        )
    return found


def from_generic(alert: GenericAlert, features: Sequence[FeatureConfig]) -> AlertIn:
    names = {fold(w): f.name for f in features for w in (f.name, *f.aliases)}
    feature = names.get(fold(alert.feature))
    return AlertIn(
        fingerprint=f"generic:{alert.id}",
        firing=alert.status == "firing",
        feature=feature,
        labels={} if feature else {"feature": alert.feature},
        started_at=alert.started_at,
        ended_at=alert.ended_at,
        summary=alert.summary,
        url=alert.url,
    )
