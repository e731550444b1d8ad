"""outagebot's webhook signature, one scheme both ways: `sha256=` + hex HMAC-SHA256 of
`"<timestamp>.<body>"`, in `X-Outagebot-Signature` beside `X-Outagebot-Timestamp`.

The bot signs what it sends to a maintenance webhook and checks what CI sends to
`POST /changes` and tools send to `POST /alerts` the same way (docs/webhook-receiver.md,
docs/changes.md). Slack's own scheme (`v0=` HMAC of `"v0:<timestamp>:<body>"`) is checked here
too, on the raw bytes, before anything reads the body.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_headers(secret: str, body: bytes) -> dict[str, str]:
    # Wall-clock time, not the domain clock: the receiver checks freshness against its own.
    timestamp = str(int(time.time()))
    return {
        "X-Outagebot-Timestamp": timestamp,
        "X-Outagebot-Signature": sign(secret, timestamp, body),
    }


WINDOW_SECONDS = 300
"""How far a signed request's timestamp may be from now, either way (Slack's rule too): a
captured request cannot be replayed later."""


def timestamp(value: str) -> int | None:
    """A header's unix time if it is one (plain ASCII digits, at most 12); else None, so
    `²` or 5,000 digits are refused like a missing header instead of raising."""
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def same(signature: str, expected: str) -> bool:
    """Constant-time comparison that a non-ASCII header cannot make raise."""
    return hmac.compare_digest(signature.encode(errors="replace"), expected.encode())


def refusal(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """Why a received request's signature is not good (None when it is); `now` is wall time."""
    return _refusal(
        headers,
        "X-Outagebot-Timestamp",
        "X-Outagebot-Signature",
        now,
        lambda stamp: sign(secret, str(stamp), body),
    )


def slack_refusal(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """None when `body` is signed by Slack with `secret` within the window; else why not."""

    def expected(stamp: int) -> str:
        mac = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
        return f"v0={mac.hexdigest()}"

    return _refusal(headers, "X-Slack-Request-Timestamp", "X-Slack-Signature", now, expected)


def _refusal(
    headers: Mapping[str, str],
    stamp_header: str,
    signature_header: str,
    now: float,
    expected: Callable[[int], str],
) -> str | None:
    """One scheme's checks in order: both headers, the window, then the signature itself."""
    stamp = timestamp(headers.get(stamp_header, ""))
    signature = headers.get(signature_header, "")
    if stamp is None or not signature:
        return f"missing {stamp_header} or {signature_header} (or not unix seconds)"
    if abs(now - stamp) > WINDOW_SECONDS:
        return "the timestamp is more than 5 minutes away from now"
    if not same(signature, expected(stamp)):
        return "bad signature"
    return None
