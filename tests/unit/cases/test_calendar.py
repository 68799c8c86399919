"""Business days: Monday to Friday (holidays out of scope)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflows.cases.calendar import add_business_days, business_days_between, is_business_day

MONDAY = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 6, 15, 30, tzinfo=UTC)
SATURDAY = datetime(2026, 3, 7, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (MONDAY, 0, MONDAY),
        (MONDAY, 3, datetime(2026, 3, 5, 15, 30, tzinfo=UTC)),
        (FRIDAY, 1, datetime(2026, 3, 9, 15, 30, tzinfo=UTC)),  # over the weekend
        (FRIDAY, 3, datetime(2026, 3, 11, 15, 30, tzinfo=UTC)),
        (SATURDAY, 0, datetime(2026, 3, 9, 0, 0, tzinfo=UTC)),  # counted from Monday's start
        (SATURDAY, 3, datetime(2026, 3, 12, 0, 0, tzinfo=UTC)),
        (MONDAY, 10, datetime(2026, 3, 16, 15, 30, tzinfo=UTC)),  # two whole weeks
    ],
)
def test_given_a_start_when_business_days_are_added_then_weekends_are_skipped(start, days, expected) -> None:
    assert add_business_days(start, days) == expected
    assert is_business_day(add_business_days(start, days))


def test_given_a_deadline_then_the_business_days_between_count_it_back() -> None:
    for days in range(25):
        assert business_days_between(MONDAY, add_business_days(MONDAY, days)) == days
    assert business_days_between(FRIDAY, MONDAY) == 0


def test_given_negative_days_then_refused() -> None:
    with pytest.raises(ValueError, match="forward"):
        add_business_days(MONDAY, -1)
