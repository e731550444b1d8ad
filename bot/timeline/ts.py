"""Slack's `ts`: the id of a message and the exact instant it was posted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal


def ts_key(ts: str) -> Decimal:
    """A ts as a number, so ts values compare by time whatever their digits."""
    return Decimal(ts)


def ts_instant(ts: str) -> datetime:
    """The UTC instant of a ts, to the microsecond (a float would round it)."""
    seconds, _, fraction = ts.partition(".")
    micros = int(fraction.ljust(6, "0")[:6])
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=micros)
