"""The feature service on a real SQLite database: catalog, state machine, one computation."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import FeatureConfig
from bot.errors import InputError
from bot.features.board import FeatureBoard
from bot.features.catalog import Catalog
from bot.features.service import summarize
from bot.models import FeatureInterval, FeatureState, Incident, Severity
from bot.sandbox.cast import GIULIA, MARCO
from bot.services import Services
from bot.time.clock import ManualClock

from .helpers import recorded

CPH = ZoneInfo("Europe/Copenhagen")
DOWN, DEGRADED, UP = FeatureState.down, FeatureState.degraded, FeatureState.up


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 4, day, hour, minute, tzinfo=CPH)


CATALOG = Catalog(
    [FeatureConfig(name="Quotes", aliases=["Offerte"]), FeatureConfig(name="Purchases")]
)


@pytest.mark.parametrize("typed", ["Quotes", "quotes", "OFFERTE", "offérte", "  Offerte "])
def test_catalog_folds_case_accents_and_aliases(typed: str) -> None:
    assert CATALOG.resolve(typed) == "Quotes"


def test_catalog_suggests_the_closest_names() -> None:
    with pytest.raises(InputError) as refused:
        CATALOG.resolve("Quots")
    assert "Did you mean Quotes?" in str(refused.value)
    with pytest.raises(InputError) as refused:
        CATALOG.resolve("<!channel> checkout")
    assert "Did you mean" not in str(refused.value)
    assert "&lt;!channel&gt;" in str(refused.value)
    assert "Quotes, Purchases" in str(refused.value)


def test_adhoc_features_are_allowed_and_found_again() -> None:
    adhoc = Catalog([], allow_adhoc=True)
    assert adhoc.resolve(" Bulk   export ") == "Bulk export"
    assert adhoc.resolve("BULK EXPORT", known=["Bulk export"]) == "Bulk export"
    with pytest.raises(InputError):
        adhoc.resolve("x" * 101)


def interval(n: int, state: FeatureState, start: datetime, end: datetime | None) -> FeatureInterval:
    return FeatureInterval(
        id=n, incident_id=1, feature="Quotes", state=state, started_at=start, ended_at=end
    )


def test_summarize_merges_overlaps_and_counts_open_intervals_to_until() -> None:
    spans = [
        interval(1, DOWN, local(30, 10, 40), local(30, 12)),
        interval(2, DOWN, local(30, 11), local(30, 13)),  # overlaps the first
        interval(3, DEGRADED, local(30, 13), local(30, 14)),
        interval(4, DOWN, local(30, 14), None),
    ]
    (status,) = summarize(spans, until=local(30, 15))
    assert status.state is DOWN
    assert status.since == local(30, 14)
    assert status.down == timedelta(hours=3, minutes=20)
    assert status.degraded == timedelta(hours=1)


async def test_the_outage_day(services: Services, incident: Incident, clock: ManualClock) -> None:
    features = services.features
    clock.set(local(30, 10, 42))
    quotes = await features.set_state(incident, "offerte", DOWN, MARCO, at=local(30, 10, 40))
    assert (quotes.feature, quotes.backdated) == ("Quotes", True)
    clock.set(local(30, 13, 41))
    await features.set_state(incident, "Acquisti", DOWN, GIULIA, at=local(29, 14))
    clock.set(local(30, 14, 30))
    purchases = await features.set_state(incident, "purchases", UP, GIULIA)
    assert purchases.backdated is False
    assert purchases.status.down == timedelta(hours=24, minutes=30)
    clock.set(local(30, 17, 30))
    await features.set_state(incident, "Quotes", UP, MARCO)

    statuses = {s.feature: s for s in await features.statuses(incident)}
    assert statuses["Quotes"].down == timedelta(hours=6, minutes=50)
    assert statuses["Purchases"].down == timedelta(hours=24, minutes=30)
    assert [s.feature for s in statuses.values()] == ["Purchases", "Quotes"]  # first impact first
    assert all(s.state is UP for s in statuses.values())
    assert statuses["Quotes"].since == local(30, 17, 30)

    board = FeatureBoard(features)
    lines = await board.board_lines(incident, clock.now())
    assert lines == [
        "*Features*",
        ":large_green_circle: *Purchases* restored at 14:30 · down 24 h 30 min",
        ":large_green_circle: *Quotes* restored at 17:30 · down 6 h 50 min",
    ]
    assert await board.summary(incident, clock.now()) == "Purchases restored · Quotes restored"
    assert await board.open_items(incident) == []


async def test_board_while_down(services: Services, incident: Incident, clock: ManualClock) -> None:
    features, board = services.features, FeatureBoard(services.features)
    assert await board.board_lines(incident, clock.now()) == []
    assert await board.summary(incident, clock.now()) is None
    clock.set(local(30, 13, 41))
    await features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 10, 40))
    await features.set_state(incident, "Purchases", DOWN, MARCO, at=local(29, 14))
    clock.set(local(30, 13, 50))
    assert await board.board_lines(incident, clock.now()) == [
        "*Features*",
        ":red_circle: *Purchases* down since 29/04 14:00 · down 23 h 50 min",
        ":red_circle: *Quotes* down since 10:40 · down 3 h 10 min",
    ]
    await features.set_state(incident, "Purchases", DEGRADED, MARCO)
    clock.set(local(30, 14))
    assert (await board.board_lines(incident, clock.now()))[1] == (
        ":large_orange_circle: *Purchases* degraded since 13:50 · down 23 h 50 min"
        " · degraded 10 min"
    )
    assert await board.summary(incident, clock.now()) == (
        "Purchases degraded 10 min · Quotes down 3 h 20 min"
    )
    assert await board.open_items(incident) == [
        "Purchases is still degraded",
        "Quotes is still down",
    ]


async def test_switching_state_closes_the_other_interval(
    services: Services, incident: Incident, clock: ManualClock
) -> None:
    clock.set(local(30, 12))
    await services.features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 10, 40))
    change = await services.features.set_state(incident, "Quotes", DEGRADED, GIULIA)
    assert change.previous is DOWN
    first, second = change.status.intervals
    assert (first.state, first.ended_at, first.ended_by) == (DOWN, local(30, 12), GIULIA)
    assert (second.state, second.started_at, second.ended_at) == (DEGRADED, local(30, 12), None)
    entries = [e for e in await services.timeline.entries(incident.id) if e.kind == "feature"]
    assert [e.data for e in entries] == [
        {"feature": "Quotes", "state": "down", "backdated": True},
        {"feature": "Quotes", "state": "degraded", "backdated": False},
    ]
    assert all(e.is_key and e.recorded_at == local(30, 12) for e in entries)
    assert entries[0].occurred_at == local(30, 10, 40)


@pytest.mark.parametrize(
    ("state", "name", "at", "says"),
    [
        (UP, "Purchases", None, "is not marked down"),
        (UP, "Quotes", local(30, 10), "it cannot be back up at 10:00"),
        (DOWN, "Quotes", None, "is already down, since 10:40"),
        (DEGRADED, "Quotes", local(30, 10), "only after that"),
        (DOWN, "Quots", None, "Did you mean Quotes?"),
    ],
)
async def test_impossible_sequences_change_nothing(
    services: Services,
    incident: Incident,
    clock: ManualClock,
    state: FeatureState,
    name: str,
    at: datetime | None,
    says: str,
) -> None:
    clock.set(local(30, 11))
    await services.features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 10, 40))
    before = await recorded(services)
    with pytest.raises(InputError) as refused:
        await services.features.set_state(incident, name, state, GIULIA, at=at)
    assert says in str(refused.value)
    assert await recorded(services) == before


async def test_a_new_outage_cannot_start_inside_a_recorded_one(
    services: Services, incident: Incident, clock: ManualClock
) -> None:
    clock.set(local(30, 17, 30))
    await services.features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 10, 40))
    await services.features.set_state(incident, "Quotes", UP, MARCO)
    with pytest.raises(InputError, match="out until 17:30"):
        await services.features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 9))
    clock.set(local(30, 18))
    again = await services.features.set_state(incident, "Quotes", DOWN, MARCO)
    assert again.status.down == timedelta(hours=6, minutes=50)
    restored = await services.features.set_state(incident, "Quotes", UP, MARCO)
    assert restored.status.down == timedelta(hours=6, minutes=50)  # 18:00 - 18:00 adds nothing


async def test_totals_stop_at_resolution_and_down_across_open_incidents(
    services: Services, incident: Incident, clock: ManualClock
) -> None:
    other = await services.incidents.declare("Checkout", severity=Severity.sev3, declared_by=GIULIA)
    clock.set(local(30, 12))
    await services.features.set_state(incident, "Quotes", DOWN, MARCO, at=local(30, 10, 40))
    await services.features.set_state(other, "Purchases", DEGRADED, GIULIA)
    resolved = await services.incidents.resolve(incident, MARCO)
    clock.set(local(30, 15))
    (quotes,) = await services.features.statuses(resolved)
    assert quotes.state is DOWN
    assert quotes.down == timedelta(hours=1, minutes=20)
    with pytest.raises(InputError, match="is resolved"):
        await services.features.set_state(resolved, "Purchases", DOWN, MARCO)
    affected = await services.features.down_across([resolved, other])
    assert [(a.incident.id, a.status.feature, a.status.state) for a in affected] == [
        (resolved.id, "Quotes", DOWN),
        (other.id, "Purchases", DEGRADED),
    ]
    assert affected[1].status.degraded == timedelta(hours=3)
    # restoring after "resolve anyway" is still recorded; the total stays measured to resolution
    await services.features.set_state(resolved, "Quotes", UP, MARCO)
    assert await services.features.down_across([resolved]) == []


async def test_declare_hook_marks_modal_features_down_at_declaration(
    services: Services, incident: Incident, clock: ManualClock
) -> None:
    clock.advance(timedelta(seconds=20))
    await services.features.on_declare(incident, MARCO, ["Quotes", "Gone from catalog"])
    (quotes,) = await services.features.statuses(incident)
    assert quotes.since == incident.declared_at
    assert quotes.state is DOWN
    (entry,) = [e for e in await services.timeline.entries(incident.id) if e.kind == "feature"]
    assert entry.data["backdated"] is False
