"""Drafts written at incident close: a customer apology and an internal postmortem.

Pure rendering from recorded facts (no Slack, no database); see CONTEXT.md for templates.
"""

from bot.postmortem.facts import ActionItem, CloseInputs, PostmortemFacts, parse_action_items
from bot.postmortem.render import DraftError, draft_filename, render

__all__ = [
    "ActionItem",
    "CloseInputs",
    "DraftError",
    "PostmortemFacts",
    "draft_filename",
    "parse_action_items",
    "render",
]
