"""The outage report's whole day, replayed on the test's database and on SQLite: same output.

In CI's PostgreSQL pass this shows every feature the scenario touches (capture, notes, feature
intervals, maintenance, drafts) behaves the same on both databases: the drafts to the byte,
the timeline but for row ids (PostgreSQL's sequences skip the values of ignored conflicting
inserts, so a status update's id differs too) and the measured durations of deploy API calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.demo.demo import run_demo
from bot.demo.scenario import DEFAULT_SCENARIO, load_scenario
from bot.models import TimelineEntry
from bot.timeline.export import read_json

# The PostgreSQL suite (CI runs it again on PostgreSQL): not in the inner loop.
pytestmark = pytest.mark.slow

MEASURED = re.compile(r"in \d+(\.\d+)? s\b")


async def test_outage_report_writes_the_same_drafts_on_every_database(
    tmp_path: Path, database_for: Callable[[Path], str]
) -> None:
    scenario = load_scenario(DEFAULT_SCENARIO)
    outputs: list[dict[str, bytes]] = []
    for name, url in [("sqlite", None), ("tested", database_for(tmp_path))]:
        out = tmp_path / name
        out.mkdir()
        outcome = await run_demo(scenario, out, echo=lambda _line: None, database_url=url)
        assert [r.summary for r in outcome.failed] == []
        outputs.append({path.name: path.read_bytes() for path in outcome.written})
    sqlite, tested = (
        {name: comparable(name, text) for name, text in out.items()} for out in outputs
    )
    assert {"INC-1-customer-it.md", "INC-1-internal.md", "INC-1-timeline.json"} <= set(tested)
    assert "INC-1-impact.png" in tested  # the same picture, byte for byte
    assert tested == sqlite


def comparable(name: str, content: bytes) -> object:
    if name.endswith(".png"):
        return content
    text = content.decode()
    if name.endswith("-timeline.md"):
        return None  # the JSON export holds the same entries
    if not name.endswith(".json"):
        return text
    return [
        (e.kind, e.occurred_at, e.actor, MEASURED.sub("", e.text), e.is_key, e.deleted, data(e))
        for e in read_json(text)
    ]


# Measured times, and ids of other rows (status updates), which sequences number differently.
VARYING = frozenset({"duration_seconds", "update"})


def data(entry: TimelineEntry) -> dict[str, object]:
    return {key: value for key, value in entry.data.items() if key not in VARYING}
