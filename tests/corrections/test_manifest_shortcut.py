"""The *Correct time* message shortcut is in the manifest under the callback id the bot
listens to (tests/test_manifest.py checks the manifest against Slack's schema)."""

from pathlib import Path

import yaml

from handlers.corrections import SHORTCUT

ROOT = Path(__file__).resolve().parents[2]


def test_correct_time_is_a_message_shortcut_of_the_app() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    shortcuts = {s["callback_id"]: s for s in manifest["features"]["shortcuts"]}
    assert shortcuts[SHORTCUT]["type"] == "message"
    assert shortcuts[SHORTCUT]["name"] == "Correct time"
    assert len(shortcuts[SHORTCUT]["description"]) <= 80
