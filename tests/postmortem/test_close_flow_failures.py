"""Custom templates, broken templates, Slack refusing the upload, stale modals, the button.

A failure is said in the channel and recorded as a timeline `error`; nothing crashes, and
what could be drafted is still saved and delivered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.models import EntryKind, Incident, Status
from bot.sandbox.cast import MARCO
from bot.sandbox.faults import error
from bot.sandbox.stack import SandboxStack

from .flow import TITLE, close_with, said, saved_drafts, submit_close, uploads


async def resolved(stack: SandboxStack, **settings: Any) -> Incident:
    """INC-1 declared and resolved, by a bot restarted with `settings`."""
    if settings:
        stack.overrides = stack.overrides | settings
        await stack.restart_bot()
    incident = await stack.declare(TITLE)
    await stack.run(incident.channel_id or "", "resolve")
    return incident


async def errors(stack: SandboxStack) -> list[str]:
    assert stack.services is not None
    entries = await stack.services.timeline.entries(1)
    return [e.text for e in entries if e.kind is EntryKind.error]


async def test_custom_templates_are_used(stack: SandboxStack, tmp_path: Path) -> None:
    (tmp_path / "it").mkdir()
    (tmp_path / "it" / "customer.md.j2").write_text(
        "Ci scusiamo per {{ number }} del {{ date }}.\nFirmato: {{ signer }}\n", encoding="utf-8"
    )
    incident = await resolved(stack, templates_dir=tmp_path)
    await close_with(stack, incident.channel_id or "", {"language": "it"})

    (upload,) = uploads(stack, incident.channel_id or "")
    customer = upload.files["INC-1-customer-it.md"]
    assert customer == "Ci scusiamo per INC-1 del mercoledì 30 aprile 2025.\nFirmato: Marco\n"
    assert upload.files["INC-1-internal.md"].startswith("# Postmortem INC-1")  # shipped


async def test_a_broken_template_is_reported_not_raised(
    stack: SandboxStack, tmp_path: Path
) -> None:
    (tmp_path / "customer.md.j2").write_text("# {{ number }}\n{{ no_such_field }}\n")
    incident = await resolved(stack, templates_dir=tmp_path)
    channel = incident.channel_id or ""
    await close_with(stack, channel, {"root_cause": "x"})

    assert (await stack.services.incidents.get(1)).status is Status.closed
    warning = next(text for text in said(stack, channel) if "Couldn't draft" in text)
    assert "customer apology (en) for INC-1" in warning
    assert "customer.md.j2, line 2" in warning
    assert "no_such_field" in warning
    assert "`/incident postmortem`" in warning
    (recorded,) = await errors(stack)
    assert "no_such_field" in recorded
    (upload,) = uploads(stack, channel)
    assert set(upload.files) == {"INC-1-internal.md"}  # the other draft still goes out
    assert await saved_drafts(stack) == [("internal", "en", 1)]


async def test_slack_refusing_the_upload_keeps_the_drafts(stack: SandboxStack) -> None:
    incident = await resolved(stack)
    channel = incident.channel_id or ""
    stack.sandbox.faults.add("files.completeUploadExternal", error("internal_error"), times=1)
    await close_with(stack, channel, {})

    assert uploads(stack, channel) == []
    warning = next(text for text in said(stack, channel) if "Couldn't upload" in text)
    assert "(internal_error)" in warning
    assert "outagebot postmortem INC-1" in warning
    assert len(await errors(stack)) == 1
    assert await saved_drafts(stack) == [("customer", "en", 1), ("internal", "en", 1)]

    await stack.run(channel, "postmortem")  # Slack is back: the retry uploads version 2
    (upload,) = uploads(stack, channel)
    assert "v2" in upload.comment
    assert len(upload.files) == 2


async def test_the_resolve_button_opens_the_modal(stack: SandboxStack) -> None:
    incident = await resolved(stack)
    channel = incident.channel_id or ""
    message = next(m for m in stack.sandbox.messages(channel) if "resolved INC-1" in (m.text or ""))
    await stack.driver.click(
        MARCO, "postmortem_close_open", channel_id=channel, message_ts=message.ts
    )
    await stack.idle()
    view = stack.driver.latest_view(MARCO)
    assert view is not None
    assert view.callback_id == "postmortem_close"
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    assert blocks["signer"]["element"]["initial_user"] == MARCO  # the lead signs by default
    assert blocks["language"]["element"]["initial_option"]["value"] == "en"
    assert all(b["optional"] for b in view.view["blocks"] if b["type"] == "input")


async def test_a_stale_modal_cannot_close_twice(stack: SandboxStack) -> None:
    incident = await resolved(stack)
    channel = incident.channel_id or ""
    await stack.run(channel, "close")
    first = stack.driver.latest_view(MARCO)
    await stack.run(channel, "close")
    await submit_close(stack, {})
    assert first is not None
    reply = await stack.driver.submit_view(MARCO, first.id, {})
    assert reply.json["response_action"] == "errors"
    assert "already closed" in reply.json["errors"]["root_cause"]
    assert len(uploads(stack, channel)) == 1
    assert "already closed" in (await stack.run(channel, "close")).body["text"]
