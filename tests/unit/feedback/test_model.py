"""The feedback window's rules: when it waits, reminds and reveals; calendar windows; weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workflows.feedback.model import FeedbackPolicy, FeedbackWindow, months_before, next_step, week_of

DELIVERED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POLICY = FeedbackPolicy()
WINDOW = FeedbackWindow.opened("o-1", "buyer-1", "seller-1", DELIVERED, POLICY)


def test_given_a_delivery_then_the_window_reminds_at_day_7_reveals_at_14_and_closes_at_60() -> None:
    assert WINDOW.remind_at == DELIVERED + timedelta(days=7)
    assert WINDOW.reveal_at == DELIVERED + timedelta(days=14)
    assert WINDOW.closes_at == DELIVERED + timedelta(days=60)
    assert WINDOW.subject_of("buyer-1") == ("seller", "seller-1")
    assert WINDOW.subject_of("seller-1") == ("buyer", "buyer-1")
    assert WINDOW.subject_of("someone") is None


def test_given_nobody_left_feedback_yet_then_it_waits_until_the_reminder() -> None:
    checked = next_step(WINDOW, frozenset(), DELIVERED + timedelta(hours=1), reminder_failed=False)
    assert (checked.next, checked.wait_s) == ("wait", 7 * 86_400 - 3600)


def test_given_the_reminder_is_due_then_it_reminds_once_then_waits_for_the_reveal() -> None:
    due = DELIVERED + timedelta(days=7)
    assert next_step(WINDOW, frozenset({"seller"}), due, reminder_failed=False).next == "remind"
    reminded = FeedbackWindow(**{**WINDOW.__dict__, "reminded_at": due})
    after = next_step(reminded, frozenset({"seller"}), due, reminder_failed=False)
    assert (after.next, after.wait_s) == ("wait", 7 * 86_400)


def test_given_the_reminder_failed_then_it_is_not_tried_again_and_the_window_waits_for_the_reveal() -> None:
    due = DELIVERED + timedelta(days=8)
    after = next_step(WINDOW, frozenset(), due, reminder_failed=True)
    assert (after.next, after.wait_s) == ("wait", 6 * 86_400)


@pytest.mark.parametrize(
    ("left", "at"),
    [
        (frozenset({"seller", "buyer"}), DELIVERED + timedelta(minutes=5)),
        (frozenset({"seller"}), DELIVERED + timedelta(days=14)),
        (frozenset(), DELIVERED + timedelta(days=20)),
    ],
    ids=["both left", "reveal period over", "long after"],
)
def test_given_both_left_or_the_period_over_then_it_reveals(left: frozenset[str], at: datetime) -> None:
    assert next_step(WINDOW, left, at, reminder_failed=False).next == "reveal"  # type: ignore[arg-type]


def test_given_an_instant_before_a_deadline_then_the_wait_is_at_least_a_second() -> None:
    almost = WINDOW.remind_at - timedelta(milliseconds=10)
    assert next_step(WINDOW, frozenset(), almost, reminder_failed=False).wait_s == 1


def test_given_a_policy_out_of_order_then_it_is_refused() -> None:
    with pytest.raises(ValueError, match="remind_after"):
        FeedbackPolicy(window=timedelta(days=10), reveal_after=timedelta(days=14))


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 6, 30), 6, date(2025, 12, 30)),
        (date(2026, 2, 28), 12, date(2025, 2, 28)),
    ],
)
def test_given_a_day_then_months_before_is_the_same_day_of_month_clamped(
    day: date, months: int, expected: date
) -> None:
    assert months_before(day, months) == expected


def test_given_any_day_then_its_week_starts_on_the_monday() -> None:
    assert week_of(date(2026, 3, 1)) == date(2026, 2, 23)  # a Sunday
    assert week_of(date(2026, 3, 2)) == date(2026, 3, 2)  # a Monday
