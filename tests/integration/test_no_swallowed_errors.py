"""A database or vendor error is raised (a TransientError or a failure), never read as "none".

Each case breaks a real local part: a PostgreSQL database without the table, a DynamoDB table
that does not exist on the local cloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest
from pynamodb.exceptions import UpdateError

from adapters.dynamo.connection import DynamoConnection
from adapters.dynamo.watchlist import DynamoSavedSearches
from adapters.postgres.payouts import PostgresConnectedAccounts
from adapters.postgres.pool import make_pool
from tests.integration.payouts_support import add_seller_account, add_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def test_given_the_onboarding_table_missing_then_the_connected_account_lookup_fails_not_none(
    pg_empty_url: str,
) -> None:
    # Given a database without the onboarding workflow's table (a wrong database, a lost migration)
    pool = make_pool(pg_empty_url)
    try:
        accounts = PostgresConnectedAccounts(pool)
        # Then the lookup raises: "no account" would re-hold every payout in silence
        with pytest.raises(psycopg.errors.UndefinedTable):
            accounts.account_for("seller-1")
    finally:
        pool.close()


def test_given_the_onboarding_table_renamed_then_the_lookup_fails_and_a_healthy_one_still_answers(
    pg_url: str, pg_conn: psycopg.Connection, unique: str
) -> None:
    seller_id = f"seller-{unique}"
    add_user(pg_conn, seller_id)
    add_seller_account(pg_conn, seller_id, f"acct_{unique}")
    pool = make_pool(pg_url)
    try:
        accounts = PostgresConnectedAccounts(pool)
        assert accounts.account_for(seller_id) == f"acct_{unique}"
        assert accounts.account_for(f"nobody-{unique}") is None  # no account is still None
        # When the table is renamed (inside a transaction the test rolls back) and the lookup runs
        # on that same connection
        with pool.connection() as conn:
            conn.execute("ALTER TABLE seller_onboardings RENAME TO seller_onboardings_gone")
            try:
                with pytest.raises(psycopg.errors.UndefinedTable):
                    PostgresConnectedAccounts(_OneConnection(conn)).account_for(seller_id)  # type: ignore[arg-type]
            finally:
                conn.rollback()
        assert accounts.account_for(seller_id) == f"acct_{unique}"
    finally:
        pool.close()


class _OneConnection:
    """A pool of one borrowed connection, so the lookup sees the open transaction's schema."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def connection(self, timeout: float | None = None):
        from contextlib import nullcontext

        return nullcontext(self._conn)


def test_given_a_missing_saved_searches_table_then_mark_notified_fails_not_already_notified(
    cloud: LocalCloud, unique: str
) -> None:
    aws, _ = cloud.started()
    connection = DynamoConnection(region=aws.region, endpoint_url=aws.endpoint_url)
    searches = DynamoSavedSearches(connection, f"no-such-table-{unique}")
    # "alerted already today" would drop the day's alert in silence
    with pytest.raises(UpdateError) as raised:
        searches.mark_notified(f"user-{unique}", "s-1", "2026-05-01")
    assert raised.value.cause_response_code == "ResourceNotFoundException"
