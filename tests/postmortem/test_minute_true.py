"""The outage report's day with clicks that land a fraction of a second after the minute.

The times beside a duration are shown to the minute, so the duration must be their difference:
10:45 -> 13:15 is 2 h 30 min even when the clicks land at 10:45:00.9 and 13:15:00.1.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.sandbox.stack import SandboxStack

from .flow import WEBHOOK_SECRET, close_with, deploy_platform, reconfigure, replay_day, uploads

HOURS = re.compile(r"(\d+) (?:ore|ora|hours|hour)\b")
MINUTES = re.compile(r"(\d+) (?:minuti|minuto|minutes|minute)\b")


@pytest.fixture
async def webhook_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("OUTAGEBOT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    async for url in deploy_platform():
        yield url


def minutes_said(duration: str) -> int:
    hours, minutes = HOURS.search(duration), MINUTES.search(duration)
    assert hours or minutes, duration
    return int(hours[1] if hours else 0) * 60 + int(minutes[1] if minutes else 0)


def impact_rows(draft: str) -> list[list[str]]:
    """`| what | state | from | to | duration |` rows of the internal impact table."""
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in draft.splitlines()]
    return [r for r in rows if len(r) == 5 and re.fullmatch(r"\d\d:\d\d", r[2])]


def check_rows(draft: str) -> None:
    rows = impact_rows(draft)
    assert len(rows) >= 3, draft  # Quotes, Purchases, the maintenance window
    for _what, _state, start, end, duration in rows:
        shown = [datetime.strptime(t, "%H:%M").replace(tzinfo=UTC) for t in (start, end)]
        assert (shown[1] - shown[0]) // timedelta(minutes=1) == minutes_said(duration), rows


@pytest.mark.parametrize(
    ("on", "off"), [(0.9, 0.1), (0.4, 0.2), (0.1, 0.9)], ids=["0.9-0.1", "0.4-0.2", "0.1-0.9"]
)
async def test_two_hours_and_thirty_minutes_offline_in_both_languages(
    stack: SandboxStack, webhook_url: str, on: float, off: float
) -> None:
    await reconfigure(stack, webhook_url)
    late = (timedelta(seconds=on), timedelta(seconds=off))
    channel = (await replay_day(stack, late)).channel_id or ""
    windows = await stack.services.maintenance.windows(1)
    assert windows[0].started_at.microsecond == on * 1_000_000  # instants stay to the second

    await close_with(stack, channel, {"root_cause": "Deploy tool mismatch.", "language": "it"})
    await stack.run(channel, "postmortem en")

    files = [(name, text) for u in uploads(stack, channel) for name, text in u.files.items()]
    drafts = dict(files)
    it_customer, en_customer = drafts["INC-1-customer-it.md"], drafts["INC-1-customer-en.md"]
    assert "l'applicazione è stata offline per 2 ore e 30 minuti" in it_customer
    assert "the application was offline for 2 hours and 30 minutes" in en_customer
    internal = [text for name, text in files if "internal" in name]
    assert len(internal) == 2  # the Italian one at close, the English one after
    assert any("2 ore e 30 minuti" in d for d in internal)
    assert any("2 hours and 30 minutes" in d for d in internal)
    for draft in internal:
        assert "| 10:45 | 13:15 |" in draft
        check_rows(draft)
