"""outagebot's webhook signature, one scheme both ways: `sha256=` + hex HMAC-SHA256 of
`"<timestamp>.<body>"`, in `X-Outagebot-Signature` beside `X-Outagebot-Timestamp`.

The bot signs what it sends to a maintenance webhook and checks what CI sends to
`POST /changes` and tools send to `POST /alerts` the same way (docs/webhook-receiver.md,
docs/changes.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

# A signed request older or newer than this is refused: a captured one cannot be replayed later.
WINDOW_SECONDS = 300


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


def refusal(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
    """Why a received request's signature is not good (None when it is); `now` is wall time."""
    timestamp = headers.get("X-Outagebot-Timestamp", "")
    signature = headers.get("X-Outagebot-Signature", "")
    if not timestamp.isdigit() or not signature:
        return "missing X-Outagebot-Timestamp or X-Outagebot-Signature"
    if abs(now - int(timestamp)) > WINDOW_SECONDS:
        return "the timestamp is more than 5 minutes away from now"
    if not hmac.compare_digest(signature, sign(secret, timestamp, body)):
        return "bad signature"
    return None
