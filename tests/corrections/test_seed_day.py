"""The seed day corrected through the form, over HTTP through the sandbox: Acquisti's start
14:00 -> 13:58, Offerte's end 17:30 -> 17:25 and the 12:10 note -> 12:05. Board, `feature
list`, both drafts (v2) and `outagebot report` then say 24 h 32 min and 6 h 45 min."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.models import EntryKind, Incident
from bot.sandbox.stack import SandboxStack
from bot.store import tables
from tests.postmortem.flow import saved_drafts, uploads

from .conftest import facts, local, submit_correction


async def test_the_three_corrections_reach_every_number(
    stack: SandboxStack,
    day: Incident,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    channel = day.channel_id or ""
    named = await facts(stack, day)
    reply = await submit_correction(
        stack,
        day,
        {
            named["Purchases:start"].key: local(29, 13, 58),
            named["Quotes:end"].key: local(30, 17, 25),
            named["note:time"].key: local(30, 12, 5),
        },
        "Heroku logs: 13:58 and 17:25; the note was typed late",
    )
    assert not reply.text.strip(), reply.text  # the form closed: no errors

    # The board (pinned status message) and `feature list`.
    board = next(m for m in stack.sandbox.messages(channel) if m.ts == day.status_ts)
    assert "24 h 32 min" in str(board.blocks)
    assert "6 h 45 min" in str(board.blocks)
    listed = (await stack.run(channel, "feature list")).body["text"]
    assert "down 24 h 32 min" in listed
    assert "down 6 h 45 min" in listed
    assert "24 h 30 min" not in listed

    # Both drafts made again as v2, with what changed.
    assert await saved_drafts(stack) == [
        ("customer", "it", 1),
        ("internal", "it", 1),
        ("customer", "it", 2),
        ("internal", "it", 2),
    ]
    latest = uploads(stack, channel)[-1]
    assert "v2" in latest.comment
    assert "What changed: Purchases: down since 29 Apr 13:58 (was 29 Apr 14:00), 24 h 32 min" in (
        latest.comment
    )
    assert "Quotes: back at 17:25 (was 17:30), 6 h 45 min" in latest.comment
    customer = latest.files["INC-1-customer-it.md"]
    assert "24 ore e 32 minuti" in customer
    assert "6 ore e 45 minuti" in customer
    assert "6 ore e 50 minuti" not in customer
    assert "**12:05** — Il rollback non risolve il problema" in customer  # a public note
    assert "12:10" not in customer
    assert "Correzioni" not in customer  # customers read the corrected facts only
    internal = latest.files["INC-1-internal.md"]
    assert "## Correzioni" in internal
    rows = [line for line in internal.splitlines() if "Heroku" in line]  # the section only
    assert len(rows) == 3
    assert all("Marco" in row for row in rows)
    assert any("Purchases, inizio | 29 aprile 14:00 | 29 aprile 13:58" in row for row in rows)
    assert any("Quotes, fine | 17:30 | 17:25" in row for row in rows)
    assert any("| 12:10 | 12:05 |" in row for row in rows)
    notes = [line for line in internal.splitlines() if "Il rollback non risolve" in line]
    assert any(line.startswith("- **12:05** Marco") for line in notes)
    assert not any(line.startswith("- **12:10**") for line in notes)

    # `outagebot report` reads the same record.
    monkeypatch.setenv("OUTAGEBOT_DATABASE_URL", stack.database_url)
    monkeypatch.setenv("OUTAGEBOT_TIMEZONE", "Europe/Copenhagen")
    monkeypatch.delenv("OUTAGEBOT_CONFIG", raising=False)
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["report", "--since", "2025-04-01"]) == 0
    report = capsys.readouterr().out
    assert "Purchases: down 24 h 32 min" in report
    assert "Quotes: down 6 h 45 min" in report


async def test_the_audit_row_and_the_timeline_entry(stack: SandboxStack, day: Incident) -> None:
    named = await facts(stack, day)
    key = named["Purchases:start"].key
    await submit_correction(stack, day, {key: local(29, 13, 58)}, "logs")
    async with stack.services.db.connect() as conn:
        rows = (await conn.execute(select(tables.corrections))).mappings().all()
    assert [(r["fact"], r["actor"], r["reason"]) for r in rows] == [(key, "U01MARCO", "logs")]
    assert rows[0]["old_value"].startswith("2025-04-29T12:00")  # 14:00 CEST in UTC
    assert rows[0]["new_value"].startswith("2025-04-29T11:58")
    entries = await stack.services.timeline.entries(day.id)
    (entry,) = [e for e in entries if e.kind is EntryKind.correction]
    assert entry.actor == "U01MARCO"
    assert entry.data["reason"] == "logs"
    # Both times are on the day before the declaration: each says so.
    assert (
        entry.text == "Corrected: Purchases, down since 29 Apr 14:00 → 29 Apr 13:58. Reason: logs"
    )
    # The feature entry that said "down" moved with the interval.
    (down,) = [e for e in entries if e.kind is EntryKind.feature and e.data["state"] == "down"
               and e.data["feature"] == "Purchases"]  # fmt: skip
    assert down.occurred_at == local(29, 13, 58)
