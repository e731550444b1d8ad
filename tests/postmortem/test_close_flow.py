"""Closing through the modal: the incident closes, both drafts are saved and reach the channel.

The outage report's day is typed into Slack (features, maintenance through a webhook target),
resolved, and closed through the modal; the drafts travel through the three-step upload.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.models import EntryKind, Status
from bot.sandbox.cast import GIULIA, MARCO
from bot.sandbox.stack import SandboxStack
from bot.store import tables

from .flow import (
    TITLE,
    WEBHOOK_SECRET,
    close_with,
    deploy_platform,
    reconfigure,
    replay_day,
    said,
    saved_drafts,
    submit_close,
    uploads,
)

ROOT_CAUSE = "Un aggiornamento è stato rilasciato senza le modifiche dello strumento <!here>."
ACTIONS = "- Verificare la versione dello strumento @giulia\n- Aggiungere controlli automatici"


@pytest.fixture
async def webhook_url(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("OUTAGEBOT_WEBHOOK_SECRET", WEBHOOK_SECRET)
    async for url in deploy_platform():
        yield url


@pytest.fixture
async def day(stack: SandboxStack, webhook_url: str) -> str:
    """The outage day replayed and resolved; the incident channel's id."""
    await reconfigure(stack, webhook_url)
    incident = await replay_day(stack)
    return incident.channel_id or ""


async def test_the_day_closed_in_italian(stack: SandboxStack, day: str) -> None:
    resolved = next(m for m in stack.sandbox.messages(day) if "resolved INC-1" in (m.text or ""))
    assert "postmortem_close_open" in str(resolved.blocks)

    await stack.run(day, "close")
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    assert len(view.view["title"]["text"]) <= 24
    assert (await stack.services.incidents.get(1)).status is Status.resolved  # not yet
    await submit_close(
        stack,
        {"root_cause": ROOT_CAUSE, "action_items": ACTIONS, "language": "it", "signer": GIULIA},
    )

    incident = await stack.services.incidents.get(1)
    assert incident.status is Status.closed
    assert any(":lock:" in text and "closed INC-1" in text for text in said(stack, day))
    (upload,) = uploads(stack, day)
    assert set(upload.files) == {"INC-1-customer-it.md", "INC-1-internal.md"}
    assert "Drafts for INC-1" in upload.comment
    (chart,) = upload.pictures.values()
    assert set(upload.pictures) == {"INC-1-impact.png"}  # the same message as the drafts
    assert Image.open(io.BytesIO(chart)).size[0] >= 1200
    assert len(stack.sandbox.calls_to("files.getUploadURLExternal")) == 3
    assert len(stack.sandbox.calls_to("upload_url")) == 3
    assert len(stack.sandbox.calls_to("files.completeUploadExternal")) == 1
    assert await saved_drafts(stack) == [("customer", "it", 1), ("internal", "it", 1)]

    customer = upload.files["INC-1-customer-it.md"]
    assert "l'applicazione è stata offline per 2 ore e 30 minuti" in customer
    assert "la funzione Quotes è stata fuori servizio per 6 ore e 50 minuti" in customer
    assert "mercoledì 30 aprile 2025" in customer
    assert "senza le modifiche dello strumento" in customer
    assert "Verificare la versione dello strumento" in customer
    assert "Giulia" in customer  # the signer chosen in the modal, by name
    for leak in ("<@", "<!", "<#", "U01MARCO", "U02GIULIA", "@giulia"):
        assert leak not in customer
    assert customer.index("10:40") < customer.index("10:45") < customer.index("17:30")

    internal = upload.files["INC-1-internal.md"]
    assert "```mermaid" in internal
    assert "gantt" in internal
    assert "6 ore e 50 minuti" in internal
    assert "2 ore e 30 minuti" in internal
    # The close form's lines are follow-ups: owner by name, state, no placeholder for a
    # known owner.
    assert "- [ ] Verificare la versione dello strumento — Giulia · aperta\n" in internal
    assert "- [ ] Aggiungere controlli automatici — _[da completare: responsabile]_ · aperta" in (
        internal
    )
    assert "Marco" in internal  # authors by display name
    assert "<!" not in internal
    assert "U01MARCO" not in internal
    assert "/archives/" + day in internal  # the channel link


async def test_postmortem_redraws_after_late_edits(stack: SandboxStack, day: str) -> None:
    await close_with(stack, day, {"root_cause": ROOT_CAUSE, "language": "it"})
    await stack.run(day, "nota pubblica 13:41 Anche Acquisti presenta lo stesso sintomo")

    answer = (await stack.run(day, "postmortem it customer")).body["text"]
    assert "Drafting the customer apology (it)" in answer
    latest = uploads(stack, day)[-1]
    assert set(latest.files) == {"INC-1-customer-it.md"}
    assert set(latest.pictures) == {"INC-1-impact.png"}  # redrawn with the drafts
    assert "v2" in latest.comment
    redrawn = latest.files["INC-1-customer-it.md"]
    assert "**13:41** — Anche Acquisti presenta lo stesso sintomo" in redrawn
    assert "Anche Acquisti" not in uploads(stack, day)[0].files["INC-1-customer-it.md"]

    await stack.run(day, "postmortem en")
    latest = uploads(stack, day)[-1]
    assert set(latest.files) == {"INC-1-customer-en.md", "INC-1-internal.md"}
    english = latest.files["INC-1-customer-en.md"]
    assert "the application was offline for 2 hours and 30 minutes" in english
    assert await saved_drafts(stack) == [
        ("customer", "it", 1),
        ("internal", "it", 1),
        ("customer", "it", 2),
        ("customer", "en", 1),
        ("internal", "en", 1),
    ]

    before = await saved_drafts(stack)
    answer = (await stack.run(day, "postmortem fr")).body["text"]
    assert "`fr` is neither a language (en, it) nor a draft" in answer
    assert await saved_drafts(stack) == before


async def test_nothing_filled_in_gives_placeholders(stack: SandboxStack) -> None:
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    await stack.run(channel, "resolve")
    await close_with(stack, channel, {})

    (upload,) = uploads(stack, channel)
    customer = upload.files["INC-1-customer-en.md"]  # the configured language
    assert "_[to be completed: root cause]_" in customer
    assert "_[to be completed: impact]_" in customer
    assert "Marco" in customer  # no signer chosen: the lead signs
    internal = upload.files["INC-1-internal.md"]
    assert "_[to be completed: how it was fixed]_" in internal
    assert "_[to be completed: action items]_" in internal
    assert await saved_drafts(stack) == [("customer", "en", 1), ("internal", "en", 1)]


async def test_closing_an_unresolved_incident_asks_then_opens_the_modal(
    stack: SandboxStack,
) -> None:
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    assert "not resolved yet" in (await stack.run(channel, "close")).body["text"]
    prompt = stack.sandbox.ephemerals(MARCO, channel)[-1]
    await stack.driver.click(
        MARCO, "incident_close_confirm", "1", channel_id=channel, message_ts=prompt.ts
    )
    await stack.idle()
    assert (await stack.services.incidents.get(1)).status is Status.investigating
    await submit_close(stack, {"went_badly": "Nessuno ha guardato i log."})
    closed = await stack.services.incidents.get(1)
    assert closed.status is Status.closed
    assert closed.resolved_at == closed.closed_at
    async with stack.services.db.connect() as conn:
        data = await conn.scalar(select(tables.postmortem_inputs.c.data))
    assert data["went_badly"] == "Nessuno ha guardato i log."
    assert "Nessuno ha guardato i log." in uploads(stack, channel)[0].files["INC-1-internal.md"]


async def cli(database_url: str, folder: Path, *args: str) -> tuple[int, str, str]:
    """`outagebot postmortem ...` in a subprocess: only the database, no Slack settings."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "postmortem",
        *args,
        env={"OUTAGEBOT_DATABASE_URL": database_url},
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


@pytest.mark.slow
async def test_cli_prints_a_draft_from_the_database(
    stack: SandboxStack, day: str, tmp_path: Path
) -> None:
    await close_with(stack, day, {"root_cause": ROOT_CAUSE, "language": "it", "signer": GIULIA})
    code, out, err = await cli(
        stack.database_url, tmp_path, "INC-1", "--audience", "customer", "--chart", "chart.png"
    )
    assert code == 0, err
    # The same text and picture as uploaded: cached names, the stored channel link, no Slack.
    (upload,) = uploads(stack, day)
    assert out == upload.files["INC-1-customer-it.md"]
    assert (tmp_path / "chart.png").read_bytes() == upload.pictures["INC-1-impact.png"]
    code, out, err = await cli(stack.database_url, tmp_path, "INC-9")
    assert code == 2
    assert "no incident INC-9" in err
    assert "Traceback" not in err


async def test_close_records_the_timeline(stack: SandboxStack, day: str) -> None:
    await close_with(stack, day, {})
    kinds = [e.kind for e in await stack.services.timeline.entries(1)]
    assert kinds[-1] is EntryKind.closed
    assert EntryKind.error not in kinds


@pytest.mark.parametrize("language", ["en", "it"])
async def test_what_was_typed_reads_as_typed_in_both_drafts(
    stack: SandboxStack, language: str
) -> None:
    """Slack escapes `& < >` in what it sends; the drafts show the characters people typed,
    with no entity and no backslash added (a code span stays a code span)."""
    incident = await stack.declare(TITLE)
    channel = incident.channel_id or ""
    typed = "version < 121 -> 120 && `make deploy` | ok"
    slack_sent = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    await stack.run(channel, f"note public {slack_sent}")  # public: the customer post has it
    await stack.run(channel, "resolve")
    await close_with(stack, channel, {"language": language})

    (upload,) = uploads(stack, channel)
    for name in (f"INC-1-customer-{language}.md", "INC-1-internal.md"):
        draft = upload.files[name]
        # The table bar stays escaped: it would split a Markdown table cell.
        assert "version < 121 -> 120 && `make deploy` \\| ok" in draft, name
        for entity in ("&lt;", "&gt;", "&amp;"):
            assert entity not in draft, name


async def test_followups_are_the_internal_action_items(stack: SandboxStack, day: str) -> None:
    """Follow-ups added with the command, one of them done, and the close form's lines: all
    in the internal postmortem with owner, due day and state; customers read the form's."""
    await stack.run(day, "followup add Scrivere i test del deploy @giulia entro il 7 maggio")
    await stack.run(day, "followup add Allarme sulle Offerte")
    await stack.run(day, "followup done 2")
    await close_with(
        stack, day, {"root_cause": ROOT_CAUSE, "action_items": ACTIONS, "language": "it"}
    )
    internal = uploads(stack, day)[-1].files["INC-1-internal.md"]
    items = internal.split("## Azioni correttive")[1].split("##")[0]
    assert "- [ ] Scrivere i test del deploy — Giulia · entro mercoledì 7 maggio 2025 · aperta" in (
        items
    )
    assert "- [x] Allarme sulle Offerte — _[da completare: responsabile]_ · fatta" in items
    assert "- [ ] Verificare la versione dello strumento — Giulia · aperta" in items
    assert items.count("- [") == 4
    # The timeline's follow-up changes read in the draft's language, from their facts.
    assert "Azione di follow-up: #1 aggiunta: Scrivere i test del deploy" in internal
    assert "Azione di follow-up: #2 fatta: Allarme sulle Offerte" in internal
    assert "follow-up #1 added" not in internal
    customer = uploads(stack, day)[-1].files["INC-1-customer-it.md"]
    assert "Verificare la versione dello strumento" in customer
    assert "Scrivere i test" not in customer
