"""A whole scenario at DEBUG level: no token, signing secret or provider secret anywhere in
the output, the drafts or the exports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Seconds per test (runs the demo in a subprocess): not in the inner loop.
pytestmark = pytest.mark.slow

PLATFORM_SECRET = "platform-secret-4f9c1e77b2"
SANDBOX_SECRETS = ["xoxb-sandbox", "sandbox-signing-secret"]


def test_debug_run_of_the_demo_leaks_no_secret(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {
        **os.environ,
        "OUTAGEBOT_LOG_LEVEL": "DEBUG",
        "OUTAGEBOT_LOG_FORMAT": "json",
        "OUTAGEBOT_DEMO_PLATFORM_SECRET": PLATFORM_SECRET,
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    everything = result.stdout + result.stderr
    assert "DEBUG" in everything, "the run really logged at DEBUG"
    written = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".md" for p in written)
    everything += "".join(p.read_text(errors="replace") for p in written if p.suffix != ".db")
    for secret in [PLATFORM_SECRET, *SANDBOX_SECRETS]:
        assert secret not in everything, secret
