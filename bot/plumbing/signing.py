"""outagebot's webhook signature, one scheme both ways: `sha256=` + hex HMAC-SHA256 of
`"<timestamp>.<body>"`, in `X-Outagebot-Signature` beside `X-Outagebot-Timestamp`.

The bot signs what it sends to a maintenance webhook and checks what CI sends to
`POST /changes` the same way (docs/webhook-receiver.md, docs/changes.md).
"""

from __future__ import annotations

import hashlib
import hmac
import time


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
