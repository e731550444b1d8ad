"""The one exception the sandbox raises to answer `{"ok": false, "error": ...}`.

Kept apart from the handlers so workspace operations (shared by the Web API and the driver)
can refuse a change with Slack's own error code without knowing about HTTP.
"""

from __future__ import annotations

from typing import Any


class SlackError(Exception):
    """A Slack Web API error code, with optional extra response fields."""

    def __init__(self, error: str, *, messages: list[str] | None = None, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = messages or []
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error, **self.extra}
        if self.messages:
            body["response_metadata"] = {"messages": list(self.messages)}
        return body
