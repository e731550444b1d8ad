"""manifest.yml must be accepted by Slack as it is: checked against Slack's published schema."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NAME = "slack-manifest.schema.1.0.0.json"
# ../shared/reference when present, else the copy in tests/reference.
SCHEMA = next(
    (
        p
        for p in (ROOT.parent / "shared" / "reference" / NAME, ROOT / "tests" / "reference" / NAME)
        if p.is_file()
    ),
    ROOT.parent / "shared" / "reference" / NAME,
)


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason=f"Slack's manifest schema not found at {SCHEMA}")
def test_manifest_is_valid_for_slack(manifest: dict) -> None:
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


def test_manifest_declares_what_the_bot_listens_to(manifest: dict) -> None:
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/incident"]
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"message.channels", "reaction_added", "pin_added", "app_home_opened"} <= events
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # Each event needs its read scope, or Slack refuses the manifest at install time.
    assert {"channels:history", "reactions:read", "pins:read"} <= scopes


def test_a_broken_manifest_is_caught() -> None:
    if not SCHEMA.exists():
        pytest.skip("schema absent")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"display_information": {"name": "x" * 40}}, json.loads(SCHEMA.read_text())
        )
