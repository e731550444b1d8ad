"""`outagebot run` in Socket Mode as a real process against the sandbox running in the test."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.sandbox import SlackDriver, SlackSandbox

# Seconds per test (starts `outagebot run` in a subprocess): not in the inner loop.
pytestmark = pytest.mark.slow


@pytest.fixture
async def sandbox() -> AsyncIterator[SlackSandbox]:
    async with SlackSandbox() as running:
        yield running


async def start(sandbox: SlackSandbox, folder: Path, app_token: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": sandbox.bot_token,
        "SLACK_APP_TOKEN": app_token,
        "SLACK_API_URL": sandbox.api_url,
        "OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'outagebot.db'}",
    }
    env.pop("SLACK_SIGNING_SECRET", None)
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.cli", "run", "--host", "127.0.0.1", "--port", "0"),
        env=env,
        cwd=folder,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize(
    ("app_token", "code"),
    [("xoxb-sandbox", "not_allowed_token_type"), ("xapp-forged-0123", "invalid_auth")],
)
async def test_a_refused_app_token_ends_start_up_with_one_line(
    sandbox: SlackSandbox, tmp_path: Path, app_token: str, code: str
) -> None:
    process = await start(sandbox, tmp_path, app_token)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert not stdout
    assert stderr.decode().splitlines() == [
        f"outagebot: Slack refused the app-level token (SLACK_APP_TOKEN) ({code}): create the"
        " Slack app from manifest.yml (README, 'Slack set-up') and export it"
    ]
    assert not sandbox.socket.opened


async def test_connects_serves_reports_health_and_stops_on_sigterm(
    sandbox: SlackSandbox, tmp_path: Path
) -> None:
    process = await start(sandbox, tmp_path, sandbox.app_token)
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        health = re.search(r"health on (\S+)", line)
        assert line.startswith("outagebot: Socket Mode connected"), line
        assert health, line
        async with httpx.AsyncClient() as http:
            answer = await http.get(health[1])
        assert answer.status_code == 200
        assert answer.json()["socket_mode"] == "connected"

        async with SlackDriver(sandbox, "", transport="socket") as driver:
            reply = await driver.command("U01MARCO", "C0INCIDENTS", "help")
        assert reply.status == 200
        assert "subcommands" in reply.text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()
    assert sandbox.socket.connected == 0
