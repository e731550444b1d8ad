"""`outagebot console` driven by a script on standard input, in two sessions on one database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def console(tmp_path: Path, *lines: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTAGEBOT_", "SLACK_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "console",
            "--db",
            str(tmp_path / "room.db"),
            "--lang",
            "en",
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "ERROR" not in result.stderr, result.stderr
    return result.stdout


@pytest.mark.slow
def test_declare_chat_note_then_resume_and_close_with_drafts(tmp_path: Path) -> None:
    first = console(
        tmp_path,
        "/incident declare Checkout fails after deploy",
        "Checkout returns 500 for every card payment",
        "/incident feature down Quotes at 5 min ago",
        ":as Giulia",
        "Rolling back the deploy now",
        "/incident note rollback started",
        ":pin 2",
        "/incident maintenance on",
        "y",
    )
    assert "INC-1 declared: *Checkout fails after deploy*" in first
    assert "[1] Marco: Checkout returns 500 for every card payment" in first
    assert "(you are now Giulia)" in first
    assert "[2] Giulia: Rolling back the deploy now" in first
    assert "outagebot: Noted at" in first
    assert "rollback started" in first
    assert "Giulia pinned “Rolling back the deploy now”" in first
    assert "press [Turn maintenance on]? [y/N] y" in first
    assert "The app is offline until" in first

    second = console(
        tmp_path,
        ":as Luca",
        "Rollback done, checkout works again",
        "/incident maintenance off",
        "/incident feature up Quotes",
        "/incident resolve",
        "y",  # press [Close and draft]: the close form follows, one answer per field
        "A config flag was missing in production\\nIt shipped with the deploy",
        "Rolled the deploy back",
        "- Add a checkout smoke test @giulia",
        "",
        "",
        "en",
        "Giulia",
        "",  # "Close without any follow-up": not needed, the line above is one
        ":quit",
    )
    assert "(resumed 1 incident(s)" in second
    assert "[1] Luca: Rollback done, checkout works again" in second
    assert "What happened / root cause" in second
    assert "outagebot: :lock: @Luca closed INC-1." in second
    drafts = tmp_path / "room-files"
    customer = (drafts / "INC-1-customer-en.md").read_text()
    assert "A config flag was missing in production" in customer
    assert "Add a checkout smoke test" in customer
    assert "Written by Giulia" in customer
    internal = (drafts / "INC-1-internal.md").read_text()
    for recorded in ("Checkout returns 500", "Rolling back the deploy now", "rollback started"):
        assert recorded in internal  # from the first session, read back from the database
    assert "Rollback done, checkout works again" in internal


@pytest.mark.slow
def test_a_correction_through_the_form_keeps_what_is_left_alone(tmp_path: Path) -> None:
    """Date and time pickers: Enter keeps the value shown, a typed one replaces it, a wrong
    one is said and the shown value kept; refusals name the field, not its block id."""
    said = console(
        tmp_path,
        "/incident declare Quotes gone",
        "/incident feature down Quotes at 10:40",
        "/incident feature up Quotes at 10:50",
        "/incident correct features",
        "",
        "10:45",
        "",
        "10.55",
        "",
        "/incident correct features",
        "",
        "10:45",
        "",
        "",
        "the logs say so",
        "/incident timeline",
    )
    assert "down since — time (HH:MM, Enter keeps 10:40): 10:45" in said
    assert "('10.55' is not HH:MM; kept 10:50)" in said
    assert "(the form refused it: Reason: Say why" in said
    timeline = said.split("key timeline")[-1]
    assert "*10:45* · Marco · Offerte: down" in timeline  # the second form, with its reason
    assert "*10:50* · Marco · Offerte: restored" in timeline  # left alone, kept
