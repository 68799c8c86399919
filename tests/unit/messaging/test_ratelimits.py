"""Messages per sender per minute and per day, on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.messaging.fakes import Rates
from workflows.messaging.errors import RateLimited
from workflows.messaging.ratelimits import Limits, take

NOON = datetime(2026, 11, 23, 12, 0, 15, tzinfo=UTC)


def test_given_the_minutes_limit_then_the_next_is_refused_until_the_minute_ends() -> None:
    rates, limits = Rates(), Limits(per_minute=3, per_day=100)
    for _ in range(3):
        take(rates, limits, "u-1", NOON)
    with pytest.raises(RateLimited) as refused:
        take(rates, limits, "u-1", NOON)
    assert refused.value.retry_after_s == 45
    assert refused.value.details == {"retry_after_s": 45, "limit": 3, "window": "minute"}
    take(rates, limits, "u-1", NOON + timedelta(seconds=45))  # a new minute
    take(rates, limits, "u-2", NOON)  # another sender is not limited by u-1


def test_given_the_days_limit_then_the_next_waits_for_midnight_and_minute_refusals_do_not_count() -> None:
    rates, limits = Rates(), Limits(per_minute=2, per_day=3)
    take(rates, limits, "u-1", NOON)
    take(rates, limits, "u-1", NOON)
    with pytest.raises(RateLimited):
        take(rates, limits, "u-1", NOON)  # the minute's third: not counted against the day
    take(rates, limits, "u-1", NOON + timedelta(minutes=1))
    with pytest.raises(RateLimited) as refused:
        take(rates, limits, "u-1", NOON + timedelta(minutes=2))
    assert refused.value.details["window"] == "day"
    assert refused.value.retry_after_s == int(
        (datetime(2026, 11, 24, tzinfo=UTC) - NOON - timedelta(minutes=2)).total_seconds()
    )
