"""`POST /changes` (both modes) and `outagebot change record`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.plumbing.signing import sign

from .conftest import CHANGES_SECRET

pytestmark = pytest.mark.transports("http", "socket")

BODY = {
    "service": "web",
    "version": "v121",
    "description": "Quotes: new deploy tool",
    "author": "giulia",
    "deployed_at": "2025-04-30T08:38:00Z",
    "url": "https://ci.example/runs/121",
    "id": "pipeline-8812",
}


def signed(body: bytes, *, secret: str = CHANGES_SECRET, skew: int = 0) -> dict[str, str]:
    timestamp = str(int(time.time()) + skew)
    return {
        "Content-Type": "application/json",
        "X-Outagebot-Timestamp": timestamp,
        "X-Outagebot-Signature": sign(secret, timestamp, body),
    }


async def post(stack, body: bytes, headers: dict[str, str]) -> httpx.Response:
    url = stack.health_url.removesuffix("/healthz") + "/changes"
    async with httpx.AsyncClient() as client:
        return await client.post(url, content=body, headers=headers)


async def recorded(stack) -> list:
    return await stack.services.changes.store.of_source("webhook")


async def test_a_signed_change_is_recorded_once_however_often_it_is_sent(make_stack) -> None:
    stack = await make_stack({})
    body = json.dumps(BODY).encode()

    first = await post(stack, body, signed(body))
    resent = json.dumps(BODY, indent=1).encode()  # CI retrying: its own bytes, signed anew
    again = await post(stack, resent, signed(resent))

    assert first.status_code == 201
    assert first.json()["recorded"] is True
    assert again.status_code == 200
    assert again.json()["recorded"] is False
    [change] = await recorded(stack)
    assert (change.version, change.service, change.author) == ("v121", "web", "giulia")
    assert change.external_id == "pipeline-8812"
    assert change.deployed_at.isoformat() == "2025-04-30T08:38:00+00:00"


async def test_a_replayed_request_is_refused(make_stack) -> None:
    stack = await make_stack({})
    body = json.dumps(BODY).encode()
    headers = signed(body)

    assert (await post(stack, body, headers)).status_code == 201
    replay = await post(stack, body, headers)

    assert replay.status_code == 409
    assert "already used" in replay.json()["message"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (lambda b: signed(b, secret="wrong"), "bad signature"),
        (lambda b: signed(b, skew=-310), "more than 5 minutes"),
        (lambda b: signed(b, skew=+310), "more than 5 minutes"),
        (lambda b: {"Content-Type": "application/json"}, "missing X-Outagebot-Timestamp"),
    ],
)
async def test_bad_or_stale_signatures_are_refused_and_record_nothing(
    make_stack, headers, message
) -> None:
    stack = await make_stack({})
    body = json.dumps(BODY).encode()

    answer = await post(stack, body, headers(body))

    assert answer.status_code == 401
    assert message in answer.json()["message"]
    assert await recorded(stack) == []


async def test_a_body_that_is_not_a_change_is_refused_with_the_field(make_stack) -> None:
    stack = await make_stack({})
    body = json.dumps({**BODY, "deployed_at": "2025-04-30T10:38:00"}).encode()

    answer = await post(stack, body, signed(body))

    assert answer.status_code == 400
    assert answer.json()["message"].startswith("deployed_at: ")
    assert "timezone" in answer.json()["message"]
    assert await recorded(stack) == []


async def test_without_a_secret_the_endpoint_is_off(make_stack, monkeypatch) -> None:
    monkeypatch.delenv("OUTAGEBOT_CHANGES_SECRET")
    stack = await make_stack({})
    body = json.dumps(BODY).encode()

    answer = await post(stack, body, signed(body))

    assert answer.status_code == 503
    assert "OUTAGEBOT_CHANGES_SECRET" in answer.json()["message"]


def test_change_record_from_the_command_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "OUTAGEBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "OUTAGEBOT_TIMEZONE": "Europe/Copenhagen",
        "OUTAGEBOT_CONFIG": "",
    }
    cmd = [sys.executable, "-m", "bot.cli", "change", "record", "--service", "web"]
    args = ["--version", "v121", "--description", "hotfix", "--at", "2025-04-30 10:38"]

    first = subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([*cmd, *args], env=env, capture_output=True, text=True, check=True)
    bad = subprocess.run(
        [*cmd, "--version", "v1", "--at", "25:99"], env=env, capture_output=True, text=True
    )

    assert first.stdout.strip() == ("recorded change 1: v121 web, deployed 2025-04-30T08:38:00Z")
    assert second.stdout.startswith("already recorded: v121 web")
    assert bad.returncode == 2
    assert "--at:" in bad.stderr


async def test_a_change_from_ci_is_shown_in_open_incidents(make_stack) -> None:
    from .test_suspects_slack import declare

    stack = await make_stack({"ci": {"provider": "webhook"}})
    channel = await declare(stack)
    body = json.dumps({**BODY, "deployed_at": "2025-04-30T08:50:00Z", "id": "p-2"}).encode()

    assert (await post(stack, body, signed(body))).status_code == 201
    await stack.idle()

    assert stack.sandbox.messages(channel)[-1].text == (
        ":package: A new change was recorded:\n• *v121* web, deployed 10:50 by giulia"
    )
