"""adapters/postgres/sellers.py for sellers after onboarding, on the real PostgreSQL: the onboarding
found by its Stripe account, activated_at (migration 0080) kept, and whose sellers are restricted."""

from __future__ import annotations

import dataclasses
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from adapters.postgres.sellers import PostgresOnboardings, PostgresSellerStandings
from tests.integration.test_sellers_postgres import NOW, _onboarding, _seller_status, _user, store

__all__ = ["store"]  # the fixture, shared with test_sellers_postgres


def test_given_an_onboarded_seller_when_restricted_then_found_by_account_and_reported_restricted(
    store: PostgresOnboardings, pg_conn: Any, pg_url: str
) -> None:
    seller, other, buyer = _user(pg_conn), _user(pg_conn), _user(pg_conn)
    onboarding = _onboarding(seller, idempotency_key=None)
    store.create(onboarding)
    store.create(_onboarding(other, idempotency_key=None))
    active = dataclasses.replace(
        onboarding,
        stripe_account_id="acct_restrict1",
        status="active",
        charges_enabled=True,
        payouts_enabled=True,
        activated_at=NOW,
        ended_at=NOW,
    )
    store.save(active, seller_status="active")
    pool: ConnectionPool[Any] = ConnectionPool(
        pg_url, min_size=1, max_size=1, kwargs={"row_factory": dict_row}, open=True
    )
    try:
        standings = PostgresSellerStandings(lambda: pool)
        assert standings.restricted([seller, other, buyer]) == frozenset()
        # When Stripe restricts the seller (what SellerAccounts stores)
        found = store.of_account("acct_restrict1")
        assert found is not None and found.onboarding_id == onboarding.onboarding_id
        assert found.activated_at == NOW and found.onboarded
        restricted = dataclasses.replace(
            found,
            status="restricted",
            payouts_enabled=False,
            requirements_due=("individual.verification.document",),
        )
        store.save(restricted, seller_status="restricted")
        # Then the seller (only) is restricted, and stays onboarded
        assert _seller_status(pg_conn, seller) == "restricted"
        assert standings.restricted([seller, other, buyer]) == frozenset({seller})
        again = store.of_account("acct_restrict1")
        assert again is not None and again.onboarded and again.status == "restricted"
        assert again.view().expires_at is None
        assert store.of_account("acct_unknown") is None
        assert standings.restricted([]) == frozenset()
    finally:
        pool.close()
