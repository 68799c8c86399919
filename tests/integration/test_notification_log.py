"""The PostgreSQL delivery log and preference store: the claim rules the at-most-once design rests on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from adapters.postgres.notifications import (
    PostgresDeliveryLog,
    PostgresPreferenceStore,
    PostgresRecipientDirectory,
)
from adapters.postgres.pool import make_pool
from workflows.notifications import Notification
from workflows.shared.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Iterator

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NOTE = Notification(notification_id="n-1", type="orders.order_paid", category="orders", user_id="u-1")


@pytest.fixture
def pool(pg_url: str, pg_clean: None) -> Iterator[Any]:
    with make_pool(pg_url, max_size=8) as opened:
        yield opened


@pytest.fixture
def log(pool: Any) -> PostgresDeliveryLog:
    return PostgresDeliveryLog(pool)


def claim(log: PostgresDeliveryLog, now: datetime, stale_after: timedelta = timedelta(minutes=2)) -> bool:
    return log.claim(
        NOTE, "email", recipient="a@example.com", provider="sendgrid", status="sending", reason=None,
        now=now, stale_before=now - stale_after,
    )  # fmt: skip


def test_given_a_new_delivery_then_the_first_claim_wins_and_a_second_does_not(
    log: PostgresDeliveryLog,
) -> None:
    assert claim(log, T0) is True
    assert claim(log, T0 + timedelta(seconds=1)) is False
    row = log.find("n-1", "email")
    assert row is not None and (row.status, row.attempts, row.user_id) == ("sending", 1, "u-1")


def test_given_a_sent_delivery_then_it_is_never_claimed_again(log: PostgresDeliveryLog) -> None:
    claim(log, T0)
    log.mark_sent("n-1", "email", "msg-1", T0)
    assert claim(log, T0 + timedelta(days=30)) is False
    row = log.find("n-1", "email")
    assert row is not None and (row.status, row.provider_message_id) == ("sent", "msg-1")


def test_given_a_failed_delivery_then_the_retry_claims_it_and_counts_the_attempt(
    log: PostgresDeliveryLog,
) -> None:
    claim(log, T0)
    log.mark_failed("n-1", "email", "ProviderUnavailable: 503", T0)
    assert claim(log, T0 + timedelta(seconds=1)) is True
    row = log.find("n-1", "email")
    assert row is not None and (row.status, row.attempts, row.last_error) == ("sending", 2, None)


def test_given_a_sending_claim_then_it_is_taken_over_only_once_stale(log: PostgresDeliveryLog) -> None:
    claim(log, T0)
    assert claim(log, T0 + timedelta(seconds=119)) is False
    assert claim(log, T0 + timedelta(seconds=121)) is True


def test_given_a_sent_row_then_a_late_failure_does_not_overwrite_it(log: PostgresDeliveryLog) -> None:
    claim(log, T0)
    log.mark_sent("n-1", "email", "msg-1", T0)
    log.mark_failed("n-1", "email", "late", T0)
    assert log.find("n-1", "email").status == "sent"  # type: ignore[union-attr]


def test_given_concurrent_claims_then_exactly_one_wins(log: PostgresDeliveryLog) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: claim(log, T0), range(8)))
    assert results.count(True) == 1


def test_given_preferences_then_only_choices_are_stored_and_account_off_is_refused_by_the_schema(
    pool: Any, pg_conn: Any
) -> None:
    pg_conn.execute("INSERT INTO users (user_id, email) VALUES ('u-1', 'u1@example.com')")
    store = PostgresPreferenceStore(pool)
    store.save("u-1", {("orders", "email"): False, ("marketing", "sms"): True}, T0)
    store.save("u-1", {("orders", "email"): True}, T0)
    assert store.load("u-1") == {("orders", "email"): True, ("marketing", "sms"): True}
    with pytest.raises(Exception, match="account_always_on"):
        pg_conn.execute(
            "INSERT INTO notification_preferences (user_id, category, channel, enabled) "
            "VALUES ('u-1', 'account', 'sms', false)"
        )


def test_given_no_profile_then_saving_preferences_is_not_found(pool: Any) -> None:
    with pytest.raises(NotFound):
        PostgresPreferenceStore(pool).save("u-nobody", {("orders", "email"): False}, T0)


def test_given_a_profile_then_the_directory_reads_it(pool: Any, pg_conn: Any) -> None:
    pg_conn.execute(
        "INSERT INTO users (user_id, email, name, phone, phone_verified) "
        "VALUES ('u-2', 'U2@Example.com', 'Ada', '+447700900123', true)"
    )
    profile = PostgresRecipientDirectory(pool).profile("u-2")
    assert profile is not None and (profile.email, profile.name, profile.phone, profile.phone_verified) == (
        "U2@Example.com", "Ada", "+447700900123", True,
    )  # fmt: skip
    assert PostgresRecipientDirectory(pool).profile("u-none") is None
