"""The incident timeline: what happened, when, by whom; the record the drafts are built from."""

from bot.timeline.service import Timeline

__all__ = ["Timeline"]
