"""Component states derived from the record: the one rule the page, the JSON and the sync share.

A feature down in an open incident is `major_outage`, degraded is `degraded_performance`;
maintenance on anywhere puts every component `under_maintenance`. The whole-app component
shows the worst of all features, public or not (a hidden feature down is a `partial_outage` of
the app), without naming them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.config import FeatureConfig
from bot.i18n import N_, Texts
from bot.models import FeatureInterval, FeatureState, MaintenanceWindow
from bot.slack.gateway import slugify
from bot.statuspage.models import Component, ComponentState, worst

APP = "*app*"  # key of the whole-app component; no feature can be named so in the catalog
APP_NAME = N_("Application")

FEATURE_STATES = {
    FeatureState.down: ComponentState.major_outage,
    FeatureState.degraded: ComponentState.degraded_performance,
    FeatureState.up: ComponentState.operational,
}


@dataclass(frozen=True)
class Catalogued:
    """A public component as configured: key, public name, and hosted page id."""

    key: str
    name: str
    remote_id: str | None

    @property
    def id(self) -> str:
        return slugify(self.name) or "component"


def public_components(
    features: Sequence[FeatureConfig], texts: Texts, app_name: str | None, app_remote: str | None
) -> list[Catalogued]:
    """The whole app first, then the catalog's public features in catalog order."""
    app = Catalogued(APP, app_name or texts._(APP_NAME), app_remote)
    return [
        app,
        *(
            Catalogued(f.name, f.public_name or f.name, f.statuspage_component)
            for f in features
            if f.public
        ),
    ]


def feature_states(intervals: Iterable[FeatureInterval]) -> dict[str, ComponentState]:
    """Each feature's worst open state across the given (open incidents') intervals."""
    states: dict[str, list[ComponentState]] = {}
    for interval in intervals:
        if interval.ended_at is None:
            states.setdefault(interval.feature, []).append(FEATURE_STATES[interval.state])
    return {feature: worst(found) for feature, found in states.items()}


def derive(
    catalogued: Sequence[Catalogued],
    intervals: Iterable[FeatureInterval],
    windows: Iterable[MaintenanceWindow],
) -> dict[str, ComponentState]:
    """Component key -> state, as the record says now."""
    if any(w.ended_at is None for w in windows):
        return {c.key: ComponentState.under_maintenance for c in catalogued}
    by_feature = feature_states(intervals)
    out = {c.key: by_feature.get(c.key, ComponentState.operational) for c in catalogued}
    app = worst(list(by_feature.values()))
    if app is ComponentState.major_outage:
        app = ComponentState.partial_outage  # one feature down is not the whole app down
    out[APP] = app
    return out


def build(catalogued: Sequence[Catalogued], states: dict[str, ComponentState]) -> list[Component]:
    return [
        Component(
            key=c.key,
            id=c.id,
            name=c.name,
            position=position,
            state=states.get(c.key, ComponentState.operational),
            remote_id=c.remote_id,
        )
        for position, c in enumerate(catalogued, start=1)
    ]
