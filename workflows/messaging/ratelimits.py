"""Messages per sender per minute and per day: fixed windows on the clock, counted in a store.

A window is a bucket of the clock's time (the minute, the UTC day); the counter of a bucket is
kept until the bucket ends. A send over a limit is refused with ``RATE_LIMITED`` and the seconds
until the bucket ends (``Retry-After``); an attempt refused by the minute's limit does not count
against the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from workflows.messaging.errors import RateLimited

if TYPE_CHECKING:
    from workflows.messaging.ports import RateCounter


@dataclass(frozen=True)
class Limits:
    per_minute: int = 20
    per_day: int = 500


def _windows(now: datetime) -> tuple[tuple[str, str, datetime], ...]:
    """(name, bucket, end) of each window ``now`` falls in."""
    now = now.astimezone(UTC)
    minute = now.replace(second=0, microsecond=0)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        ("minute", minute.strftime("%Y%m%d%H%M"), minute + timedelta(minutes=1)),
        ("day", day.strftime("%Y%m%d"), day + timedelta(days=1)),
    )


def take(counter: RateCounter, limits: Limits, sender_id: str, now: datetime) -> None:
    """Count one message of ``sender_id``, or raise :class:`RateLimited` if it is one too many."""
    for window, bucket, end in _windows(now):
        limit = limits.per_minute if window == "minute" else limits.per_day
        count = counter.hit(f"{sender_id}:{window}:{bucket}", expires_at=end)
        if count > limit:
            retry_after = max(1, int((end - now).total_seconds() + 0.999))
            raise RateLimited(
                f"Too many messages: at most {limit} per {window}; try again in {retry_after} s.",
                retry_after_s=retry_after,
                limit=limit,
                window=window,
            )
