"""Slack's `ts`: the id of a message and the exact instant it was posted.

One module for the bot and the sandbox, so the Slack the tests run against and the bot reading
it can never disagree about what a `ts` means.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation


def format_ts(seconds: int, micros: int) -> str:
    """Slack's `ts` text: seconds and six digits of microseconds."""
    return f"{seconds}.{micros:06d}"


def ts_key(ts: str) -> Decimal:
    """A ts as a number, so ts values compare by time whatever their digits; raises
    ValueError for text that is not one."""
    try:
        value = Decimal(str(ts))
    except InvalidOperation as exc:
        raise ValueError(f"not a ts: {ts!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a ts: {ts!r}")
    return value


def ts_instant(ts: str) -> datetime:
    """The UTC instant of a ts, to the microsecond (a float would round it)."""
    seconds, _, fraction = ts.partition(".")
    micros = int(fraction.ljust(6, "0")[:6])
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=micros)


def ts_from_datetime(instant: datetime) -> Decimal:
    stamp = instant.astimezone(UTC)
    return Decimal(format_ts(int(stamp.timestamp()), stamp.microsecond))


def decimal_to_ts(value: Decimal) -> str:
    seconds = int(value)
    return format_ts(seconds, int((value - seconds) * 1_000_000))
