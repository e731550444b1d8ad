"""`/status` in a real browser during an outage: Debian's headless Chromium loads the page from
the bot's own HTTP server, the text a customer sees is checked, and a screenshot is kept."""

from __future__ import annotations

import asyncio
import html
import re
import shutil
from pathlib import Path

import pytest

from bot.statuspage.blocks import PUBLISH

from .conftest import StackFactory, base_url, click, command, declare

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


async def chromium(*args: str) -> bytes:
    assert CHROMIUM is not None
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=420,1100",  # a phone's width
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    return out


def visible_text(dom: str) -> str:
    body = re.sub(r"<(head|style|script)\b.*?</\1>", " ", dom, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make installs it)")
@pytest.mark.slow
async def test_status_page_in_headless_chromium(make_stack: StackFactory, tmp_path: Path) -> None:
    stack = await make_stack()
    incident = await declare(stack)
    channel = incident.channel_id or ""
    await command(stack, channel, "feature down Offerte")
    await command(stack, channel, "status identified")
    await click(stack, incident, PUBLISH)
    url = base_url(stack) + "/status"

    dom = (await chromium("--dump-dom", url)).decode()
    text = visible_text(dom)
    assert "Acme status" in text
    assert "Partial outage" in text  # overall state
    assert re.search(r"Preventivi Major outage", text)
    assert re.search(r"Purchases Operational", text)
    assert "We have found the cause of the problem, which started at 10:40" in text
    assert "Marco" not in text

    shot = tmp_path / "status.png"
    await chromium(f"--screenshot={shot}", url)
    assert shot.stat().st_size > 5000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
