"""The suspect rule alone: which change is named for which impact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.changes.models import ChangeEvent
from bot.changes.suspects import Impact, candidates, impacts_of, suspects
from bot.models import FeatureInterval, FeatureState

from .conftest import at

WINDOW = timedelta(hours=48)


def change(id_: int, deployed_at: datetime, service: str = "web") -> ChangeEvent:
    return ChangeEvent(
        id=id_,
        source="heroku",
        service=service,
        version=f"v{id_}",
        deployed_at=deployed_at,
        external_id=str(id_),
        recorded_at=deployed_at,
    )


def named(found: list, impact: Impact) -> list[int]:
    return [s.change_id for s in found if s.impact == impact]


def test_the_last_change_before_the_start_is_the_suspect() -> None:
    older, last = change(119, at(9, 0)), change(121, at(10, 38))
    quotes = Impact("Quotes", at(10, 40))

    assert named(suspects([older, last], [quotes], WINDOW), quotes) == [121]


def test_a_change_after_the_start_is_never_suspect_however_close() -> None:
    before, after = change(120, at(10, 0)), change(121, at(10, 40) + timedelta(seconds=1))
    quotes = Impact("Quotes", at(10, 40))

    assert named(suspects([before, after], [quotes], WINDOW), quotes) == [120]
    assert suspects([after], [quotes], WINDOW) == []


def test_a_change_at_the_very_instant_counts_as_before() -> None:
    same = change(121, at(10, 40))
    quotes = Impact("Quotes", at(10, 40))
    assert named(suspects([same], [quotes], WINDOW), quotes) == [121]


def test_changes_outside_the_window_are_not_candidates() -> None:
    old = change(100, at(10, 39) - timedelta(hours=48, minutes=2))
    assert suspects([old], [Impact("Quotes", at(10, 40))], WINDOW) == []
    assert candidates([old], at(10, 40), timedelta(hours=72)) == [old]


def test_several_services_the_latest_of_any_is_named() -> None:
    web, worker = change(121, at(10, 38), "web"), change(7, at(10, 20), "worker")
    quotes = Impact("Quotes", at(10, 40))
    found = suspects([worker, web], [quotes], WINDOW)
    assert named(found, quotes) == [121]
    # Deployed at the same instant: both are suspects, neither is hidden.
    twin = change(8, at(10, 38), "worker")
    assert sorted(named(suspects([worker, web, twin], [quotes], WINDOW), quotes)) == [8, 121]


def test_each_feature_gets_the_change_before_its_own_start() -> None:
    """The outage report: Purchases broke the day before, Quotes on the day."""
    v119, v121 = change(119, at(13, 58, day=29)), change(121, at(10, 38))
    quotes, purchases = Impact("Quotes", at(10, 40)), Impact("Purchases", at(14, 0, day=29))

    found = suspects([v121, v119], [quotes, purchases], WINDOW)

    assert named(found, quotes) == [121]
    assert named(found, purchases) == [119]


def test_not_related_passes_the_suspicion_to_the_one_before() -> None:
    v120, v121 = change(120, at(9, 0)), change(121, at(10, 38))
    quotes = Impact("Quotes", at(10, 40))
    assert named(suspects([v120, v121], [quotes], WINDOW, not_related={121}), quotes) == [120]


def interval(id_: int, feature: str, state: FeatureState, start: datetime, end: datetime | None):
    return FeatureInterval(
        id=id_, incident_id=1, feature=feature, state=state, started_at=start, ended_at=end
    )


def test_a_feature_down_twice_has_two_impacts_each_with_its_suspect() -> None:
    intervals = [
        interval(1, "Quotes", FeatureState.down, at(10, 40), at(11, 0)),
        # degraded right after down continues the same outage
        interval(2, "Quotes", FeatureState.degraded, at(11, 0), at(11, 30)),
        interval(3, "Quotes", FeatureState.down, at(13, 0), None),
    ]
    impacts = impacts_of(intervals)
    assert impacts == [Impact("Quotes", at(10, 40)), Impact("Quotes", at(13, 0))]

    v121, v122 = change(121, at(10, 38)), change(122, at(12, 50))
    found = suspects([v121, v122], impacts, WINDOW)
    assert named(found, impacts[0]) == [121]
    assert named(found, impacts[1]) == [122]


def test_a_backdated_start_looks_before_the_backdated_time_not_before_now() -> None:
    """Marked down at 13:42 "since yesterday 14:00": the 10:38 deploy is after that start."""
    v119, v121 = change(119, at(13, 58, day=29)), change(121, at(10, 38))
    backdated = Impact("Purchases", at(14, 0, day=29))
    assert named(suspects([v119, v121], [backdated], WINDOW), backdated) == [119]


def test_across_the_spring_dst_change_instants_decide_not_wall_clocks() -> None:
    """Copenhagen, 30 March 2025: 02:00 jumps to 03:00. A deploy at 01:58 local is 3 minutes,
    not an hour, before an outage at 03:01 local, and one at 03:02 local is after it."""
    cph = ZoneInfo("Europe/Copenhagen")
    deploy = change(1, datetime(2025, 3, 30, 1, 58, tzinfo=cph).astimezone(UTC))
    later = change(2, datetime(2025, 3, 30, 3, 2, tzinfo=cph).astimezone(UTC))
    start = datetime(2025, 3, 30, 3, 1, tzinfo=cph).astimezone(UTC)
    down = Impact("Quotes", start)

    assert named(suspects([deploy, later], [down], WINDOW), down) == [1]
    assert start - deploy.deployed_at == timedelta(minutes=3)
