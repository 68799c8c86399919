"""The accounts unit of work against the real local PostgreSQL: transactions, constraints, SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.postgres.accounts import PostgresAccounts
from adapters.postgres.pool import make_pool
from workflows.accounts.errors import EmailTaken
from workflows.accounts.model import AddressRecord, ConfirmationRecord, UserRecord

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow(pg_url: str, pg_clean: None):
    pool = make_pool(pg_url, min_size=1, max_size=2)
    try:
        yield lambda: PostgresAccounts(pool)
    finally:
        pool.close()


def _address(n: int, user_id: str = "sub-1", *, default: bool = False) -> AddressRecord:
    return AddressRecord(
        address_id=f"00000000-0000-4000-8000-{n:012d}",
        user_id=user_id,
        name="Ann",
        line1=f"{n} Main St",
        line2=None,
        city="Boston",
        region="MA",
        postal_code="02139",
        country="US",
        phone=None,
        is_default=default,
        created_at=NOW + timedelta(seconds=n),
        updated_at=NOW + timedelta(seconds=n),
    )


def test_given_work_that_is_not_committed_then_it_is_rolled_back(uow) -> None:
    with uow() as work:
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
    with uow() as work:
        assert work.users.get("sub-1") is None
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
        work.commit()
    with uow() as work:
        assert work.users.get("sub-1") == UserRecord("sub-1", "ann@example.com", "Ann")
        assert work.users.get_by_email("ANN@example.com") is not None  # citext


def test_given_an_email_in_use_in_any_case_then_email_taken(uow) -> None:
    with uow() as work:
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
        work.commit()
    with pytest.raises(EmailTaken), uow() as work:
        work.users.add(UserRecord("sub-2", "Ann@Example.com", "Ann"))
    with uow() as work:  # ensure() leaves an existing row alone
        work.users.ensure(UserRecord("sub-1", "ann@example.com", None))
        work.commit()
        assert work.users.get("sub-1").name == "Ann"


def test_given_a_confirmation_record_then_it_round_trips_and_a_new_code_replaces_it(uow) -> None:
    record = ConfirmationRecord("sub-1", b"h" * 32, b"s" * 16, 1, NOW + timedelta(minutes=15), 0, NOW, 1)
    with uow() as work:
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
        work.confirmations.save(record)
        work.commit()
    replaced = ConfirmationRecord(
        "sub-1", b"i" * 32, b"t" * 16, 2, NOW + timedelta(minutes=30), 0, NOW, 2, NOW
    )
    with uow() as work:
        assert work.confirmations.get("sub-1", for_update=True) == record
        work.confirmations.save(replaced)
        work.commit()
    with uow() as work:
        assert work.confirmations.get("sub-1") == replaced


def test_given_addresses_then_the_default_moves_in_one_transaction_and_keyset_pages_work(uow) -> None:
    with uow() as work:
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
        work.users.add(UserRecord("sub-2", "bob@example.com", "Bob"))
        work.addresses.add(_address(1, default=True))
        work.addresses.add(_address(2))
        work.addresses.add(_address(3, "sub-2", default=True))
        work.commit()
    with uow() as work:
        work.addresses.lock_user("sub-1")
        work.addresses.clear_default("sub-1")
        work.addresses.update(_address(2, default=True))
        work.commit()
    with uow() as work:
        rows = work.addresses.list("sub-1", limit=10)
        assert [(a.line1, a.is_default) for a in rows] == [("1 Main St", False), ("2 Main St", True)]
        after = (rows[0].created_at, rows[0].address_id)
        assert [a.line1 for a in work.addresses.list("sub-1", limit=10, after=after)] == ["2 Main St"]
        assert work.addresses.count("sub-1") == 2
        # someone else's address, or an id that is not a UUID, is simply not there
        assert work.addresses.get("sub-1", _address(3).address_id) is None
        assert work.addresses.get("sub-1", "not-a-uuid") is None
        assert work.addresses.delete("sub-1", _address(3).address_id) is False
        assert work.addresses.delete("sub-1", "not-a-uuid") is False


def test_given_two_defaults_then_the_database_refuses_them(uow) -> None:
    import psycopg

    with uow() as work:
        work.users.add(UserRecord("sub-1", "ann@example.com", "Ann"))
        work.addresses.add(_address(1, default=True))
        with pytest.raises(psycopg.errors.UniqueViolation):
            work.addresses.add(_address(2, default=True))
