"""adapters/postgres/sellers.py against the real PostgreSQL: seller_onboardings (migration 0050)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from adapters.postgres.sellers import PostgresOnboardings
from workflows.onboarding.errors import OnboardingExists
from workflows.onboarding.model import Onboarding

if TYPE_CHECKING:
    from collections.abc import Iterator

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(pg_url: str, pg_clean: None) -> Iterator[PostgresOnboardings]:
    pool: ConnectionPool[Any] = ConnectionPool(
        pg_url, min_size=1, max_size=2, kwargs={"row_factory": dict_row}, open=True
    )
    try:
        yield PostgresOnboardings(pool)
    finally:
        pool.close()


def _user(pg_conn: psycopg.Connection[Any], *, phone_verified: bool = True, address: bool = True) -> str:
    user_id = str(uuid.uuid4())
    pg_conn.execute(
        "INSERT INTO users (user_id, email, phone, phone_verified) VALUES (%s, %s, '+14155550123', %s)",
        (user_id, f"{user_id[:8]}@example.com", phone_verified),
    )
    if address:
        pg_conn.execute(
            "INSERT INTO addresses (address_id, user_id, name, line1, city, country) "
            "VALUES (%s, %s, 'Ann', '1 Main St', 'Springfield', 'US')",
            (str(uuid.uuid4()), user_id),
        )
    return user_id


def _onboarding(user_id: str, **changes: Any) -> Onboarding:
    base = Onboarding(
        onboarding_id=str(uuid.uuid4()),
        user_id=user_id,
        country="US",
        business_type="individual",
        default_currency="USD",
        request_fingerprint="f" * 64,
        idempotency_key="key-1",
        remind_after_s=600,
        expire_after_s=1800,
        created_at=NOW,
        updated_at=NOW,
    )
    return dataclasses.replace(base, **changes)


def _seller_status(pg_conn: psycopg.Connection[Any], user_id: str) -> str:
    row = pg_conn.execute("SELECT seller_status FROM users WHERE user_id = %s", (user_id,)).fetchone()
    assert row is not None
    return str(row["seller_status"])


def test_given_profiles_then_the_applicant_facts_are_read(store: PostgresOnboardings, pg_conn: Any) -> None:
    ready = _user(pg_conn)
    bare = _user(pg_conn, phone_verified=False, address=False)
    applicant = store.applicant(ready)
    assert applicant is not None
    assert (applicant.phone_verified, applicant.has_address, applicant.email_confirmation_pending) == (
        True,
        True,
        False,
    )
    other = store.applicant(bare)
    assert other is not None and (other.phone_verified, other.has_address) == (False, False)
    assert store.applicant("nobody") is None


def test_given_an_onboarding_then_it_round_trips_and_marks_the_profile(
    store: PostgresOnboardings, pg_conn: Any
) -> None:
    user_id = _user(pg_conn)
    onboarding = _onboarding(user_id)
    store.create(onboarding)
    assert store.get(onboarding.onboarding_id) == onboarding
    assert store.current(user_id) == onboarding
    assert _seller_status(pg_conn, user_id) == "onboarding"
    # When every changing field is saved, with the profile's status
    started = NOW + timedelta(seconds=5)
    changed = dataclasses.replace(
        onboarding,
        status="restricted",
        stripe_account_id="acct_0000000000000001",
        onboarding_url="https://connect.example/x",
        onboarding_url_expires_at=started + timedelta(minutes=5),
        charges_enabled=True,
        details_submitted=True,
        requirements_due=("individual.verification.document",),
        started_at=started,
        remind_at=started + timedelta(seconds=600),
        expire_at=started + timedelta(seconds=1800),
        last_event_id="evt_1",
        last_event_at=started,
        updated_at=started,
    )
    store.save(changed, seller_status="restricted")
    assert store.get(onboarding.onboarding_id) == changed
    assert _seller_status(pg_conn, user_id) == "restricted"


def test_given_a_live_onboarding_then_a_second_one_of_the_user_is_refused_until_it_ends(
    store: PostgresOnboardings, pg_conn: Any
) -> None:
    user_id = _user(pg_conn)
    first = _onboarding(user_id)
    store.create(first)
    with pytest.raises(OnboardingExists):
        store.create(_onboarding(user_id, created_at=NOW + timedelta(seconds=1)))
    store.save(dataclasses.replace(first, status="expired"), seller_status="none")
    second = _onboarding(user_id, created_at=NOW + timedelta(seconds=2))
    store.create(second)
    assert store.current(user_id) == second


def test_given_the_table_constraints_then_bad_rows_are_refused(
    store: PostgresOnboardings, pg_conn: Any
) -> None:
    user_id = _user(pg_conn)
    onboarding = _onboarding(user_id)
    store.create(onboarding)
    # active needs charges and payouts enabled; deadlines come together
    with pytest.raises(psycopg.errors.CheckViolation):
        store.save(dataclasses.replace(onboarding, status="active"))
    with pytest.raises(psycopg.errors.CheckViolation):
        store.save(dataclasses.replace(onboarding, started_at=NOW))
    with pytest.raises(psycopg.errors.CheckViolation):
        store.create(_onboarding(_user(pg_conn), country="us"))
