"""Block Kit drawn as text: what the demo and the console print for the bot's posts."""

from __future__ import annotations

from bot.demo.blockkit import blocks_text, buttons


def upper(text: str) -> str:
    return text.upper()


def test_layout_blocks_become_readable_lines() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "INC-1: Quotes"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Status* investigating"},
            "fields": [
                {"type": "mrkdwn", "text": "*Severity*\nSEV2"},
                {"type": "plain_text", "text": "Lead"},
            ],
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "kept current"}]},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Confirm"},
                    "action_id": "a",
                },
                {
                    "type": "static_select",
                    "placeholder": {"type": "plain_text", "text": "Language"},
                },
            ],
        },
        {
            "type": "input",
            "label": {"type": "plain_text", "text": "Root cause"},
            "element": {"type": "plain_text_input"},
        },
        {"type": "unknown_future_block"},
    ]
    assert blocks_text(blocks, upper).splitlines() == [
        "== INC-1: Quotes ==",
        "*STATUS* INVESTIGATING",  # mrkdwn goes through the renderer, plain text does not
        "*SEVERITY* SEV2 | Lead",
        "────",
        "KEPT CURRENT",
        "[Confirm] [Language ▾]",
        "Root cause: [plain_text_input ▾]",
    ]


def test_buttons_are_found_in_actions_and_accessories() -> None:
    button = {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "Go"}}
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "q"}, "accessory": button},
        {"type": "actions", "elements": [{"type": "datepicker"}, {**button, "action_id": "y"}]},
    ]
    assert [b["action_id"] for b in buttons(blocks)] == ["x", "y"]
    assert blocks_text(blocks, str).splitlines() == ["q", "[Go]", "[datepicker ▾] [Go]"]
