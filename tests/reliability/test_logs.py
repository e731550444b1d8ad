"""Logs: one JSON object a line with incident and request, secrets masked everywhere."""

from __future__ import annotations

import json
import logging

import pytest

from bot.plumbing import logs


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_incident_and_request(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("INFO", "json", ["xoxb-very-secret-token"])
    logs.request_id.set("Ev123")
    logs.incident.set("INC-7")
    logging.getLogger("outagebot.test").info("posted with %s", "xoxb-very-secret-token")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["incident"] == "INC-7"
    assert entry["request_id"] == "Ev123"
    assert entry["message"] == "posted with [redacted]"


def test_secrets_are_masked_in_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure("DEBUG", "text", ["hunter2-secret"])
    try:
        raise RuntimeError("token hunter2-secret refused")
    except RuntimeError:
        logging.getLogger("outagebot.test").exception("call failed")
    err = capsys.readouterr().err
    assert "call failed" in err
    assert "RuntimeError" in err
    assert "hunter2-secret" not in err
