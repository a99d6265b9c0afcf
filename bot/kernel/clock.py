"""Time as a dependency, so that tests can drive dates and services never call now()."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


def as_utc(moment: datetime) -> datetime:
    """A stored moment, aware. Moments are stored in UTC; SQLite hands them back without a
    zone, so a naive one is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def local_naive(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored moment as the clock in ``zone`` showed it, without a time zone."""
    return as_utc(moment).astimezone(zone).replace(tzinfo=None)


def utc_from_local(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time in ``zone`` as an aware UTC moment, to store or compare."""
    return local.replace(tzinfo=zone).astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""

    def today(self) -> date:
        """Today's date in the organisation's time zone."""


class SystemClock:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return datetime.now(self.zone).date()
