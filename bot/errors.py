"""Errors the Slack edge turns into clear, ephemeral answers."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input: nothing was changed. `message` says what was wrong, `hint` what would work."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class Expired(InputError):
    """A button or form asked about something that no longer holds (the incident was closed,
    a later status update went public): refused, nothing changed, and the edge marks the
    message that carried it as expired."""
