"""Business days: Monday to Friday, in UTC. Public holidays are out of scope (a deadline that
falls on one is not moved): they differ by country and the platform keeps no calendar of them.

A deadline of ``n`` business days from a moment is the same time of day ``n`` weekdays later; a
moment on a weekend counts from the next Monday's start of day, as a seller who is asked on a
Saturday has all of Monday to answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

SATURDAY = 5


def is_business_day(moment: datetime) -> bool:
    return moment.astimezone(UTC).weekday() < SATURDAY


def add_business_days(start: datetime, days: int) -> datetime:
    """``start`` moved ``days`` business days on (0: ``start`` itself, or next Monday 00:00 on a weekend)."""
    if days < 0:
        raise ValueError("business days are counted forward")
    moment = start.astimezone(UTC)
    if not is_business_day(moment):
        while not is_business_day(moment):
            moment = datetime.combine(moment.date() + timedelta(days=1), time(0), tzinfo=UTC)
    left = days
    while left:
        moment += timedelta(days=1)
        if is_business_day(moment):
            left -= 1
    return moment


def business_days_between(start: datetime, end: datetime) -> int:
    """Whole weekdays after ``start``'s day up to and including ``end``'s (0 when ``end`` <= ``start``)."""
    if end <= start:
        return 0
    day, last, count = start.astimezone(UTC).date(), end.astimezone(UTC).date(), 0
    while day < last:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY:
            count += 1
    return count
