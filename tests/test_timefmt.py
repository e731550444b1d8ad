"""The one formatter of "a time, with its date when it is not the reference day"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import texts
from bot.time.formatting import when

TZ = "Europe/Copenhagen"
NOW = datetime(2025, 4, 30, 15, tzinfo=UTC)  # 17:00 on Wednesday 30 April in Copenhagen


@pytest.mark.parametrize(
    ("language", "day", "form", "long", "shown"),
    [
        ("en", 30, "at", False, "at 14:00"),
        ("en", 29, "at", False, "at 14:00 on 29 Apr"),
        ("en", 29, "since", True, "since 14:00 on 29 April"),
        ("en", 29, "bare", False, "29 Apr 14:00"),  # never 29/04 nor 04/29
        ("it", 30, "since", False, "dalle 14:00"),
        ("it", 29, "at", False, "il 29/04 alle 14:00"),
        ("it", 29, "since", True, "dal 29 aprile alle 14:00"),
        ("it", 29, "until", False, "fino al 29/04 alle 14:00"),
        ("it", 29, "bare", False, "29/04 14:00"),
        # Italian elides the article before 1, 8 and 11.
        ("it", 8, "since", True, "dall'8 aprile alle 14:00"),
        ("it", 1, "at", False, "l'1/04 alle 14:00"),
        ("it", 11, "until", False, "fino all'11/04 alle 14:00"),
        ("it", 11, "after", False, "dopo l'11/04 alle 14:00"),
    ],
)
def test_a_time_reads_naturally_on_its_day_and_on_another(
    language: str, day: int, form: str, long: bool, shown: str
) -> None:
    instant = datetime(2025, 4, day, 12, tzinfo=UTC)
    assert when(texts(language), instant, TZ, NOW, form, long=long) == shown  # type: ignore[arg-type]


def test_a_marked_time_carries_its_zone() -> None:
    instant = datetime(2025, 4, 29, 12, tzinfo=UTC)
    assert when(texts("en"), instant, TZ, NOW, "at", marked=True) == "at 14:00 CEST on 29 Apr"
