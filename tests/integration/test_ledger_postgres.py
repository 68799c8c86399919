"""The ledger and orders in the real local PostgreSQL: balance enforced at commit, append-only,
idempotent and race-safe posting, one transaction with the order's state change."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger, unit_of_work
from adapters.postgres.orders import PostgresOrderReader, PostgresOrders
from adapters.postgres.pool import make_pool
from tests.unit.orders.builders import an_order
from workflows.ledger import entries
from workflows.ledger.errors import EntryConflict, UnbalancedEntry
from workflows.ledger.invariants import order_is_settled_correctly
from workflows.ledger.model import FIXED_ACCOUNTS
from workflows.shared.errors import TransientError
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from psycopg import Connection
    from psycopg.rows import DictRow

BUYER, SELLER = "buyer-1", "seller-1"


def usd(n: int) -> Money:
    return Money(n, "USD")


@pytest.fixture
def users(pg_conn: Connection[DictRow]) -> None:
    for user_id in (BUYER, SELLER, "other-1"):
        pg_conn.execute(
            "INSERT INTO users (user_id, email) VALUES (%s, %s)", (user_id, f"{user_id}@example.com")
        )


@pytest.fixture
def order(pg_conn: Connection[DictRow], users: None):
    # the chart's fixed accounts (posting through PostgresLedger opens them; raw SQL needs them)
    for code, kind in FIXED_ACCOUNTS.items():
        pg_conn.execute(
            "INSERT INTO ledger_accounts (account_code, kind) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (code, kind),
        )
    record = an_order(BUYER, SELLER)
    assert PostgresOrders(pg_conn).add(record) is True
    return record


@pytest.fixture
def pool(pg_url: str, pg_clean: None) -> Iterator[object]:
    p = make_pool(pg_url, min_size=1, max_size=4)
    try:
        yield p
    finally:
        p.close()


def _unbalanced_insert(conn: Connection[DictRow], order_id: str) -> None:
    conn.execute(
        "INSERT INTO journal_entries (entry_id, kind, order_id) VALUES ('bad-1', 'payment', %s)", (order_id,)
    )
    conn.execute(
        "INSERT INTO ledger_postings (entry_id, line, account_code, amount, currency) VALUES "
        "('bad-1', 0, 'stripe_balance', 1000, 'USD'), ('bad-1', 1, 'buyer_funds_in_transit', -999, 'USD')"
    )


def test_given_an_unbalanced_entry_when_the_transaction_commits_then_the_database_refuses_it(
    pg_conn: Connection[DictRow], order
) -> None:
    # Given postings that do not sum to zero, written with plain SQL (bypassing the model)
    def unbalanced_transaction() -> None:
        with pg_conn.transaction():
            _unbalanced_insert(pg_conn, order.order_id)
            # (the statements themselves succeed: the check is deferred to the commit)
            assert pg_conn.execute("SELECT count(*) AS n FROM ledger_postings").fetchone()["n"] == 2

    # When it commits, Then the database refuses it and nothing was written
    with pytest.raises(pg_errors.CheckViolation, match="does not balance"):
        unbalanced_transaction()
    assert pg_conn.execute("SELECT count(*) AS n FROM journal_entries").fetchone()["n"] == 0

    # And an entry without postings is refused too, as is one balanced overall but not per currency
    with pytest.raises(pg_errors.CheckViolation, match="no postings"):
        pg_conn.execute("INSERT INTO journal_entries (entry_id, kind) VALUES ('empty', 'payout')")

    def two_currencies() -> None:
        with pg_conn.transaction():
            pg_conn.execute("INSERT INTO journal_entries (entry_id, kind) VALUES ('fx', 'payout')")
            pg_conn.execute(
                "INSERT INTO ledger_postings (entry_id, line, account_code, amount, currency) VALUES "
                "('fx', 0, 'stripe_balance', 100, 'USD'), ('fx', 1, 'platform_bank', -100, 'EUR')"
            )

    with pytest.raises(pg_errors.CheckViolation, match="does not balance"):
        two_currencies()


def test_given_an_unbalanced_entry_in_a_unit_of_work_then_unbalanced_entry_and_nothing_written(
    pool, pg_conn: Connection[DictRow], order
) -> None:
    def refund_with_an_unbalanced_entry() -> None:
        with unit_of_work(pool) as conn:
            PostgresOrders(conn).set_status(order.order_id, "refunded")
            _unbalanced_insert(conn, order.order_id)

    with pytest.raises(UnbalancedEntry):
        refund_with_an_unbalanced_entry()
    # the state change went with it
    assert PostgresOrders(pg_conn).get(order.order_id).status == "paid"


def test_given_posted_entries_then_postings_and_entries_are_append_only(
    pg_conn: Connection[DictRow], order
) -> None:
    ledger = PostgresLedger(pg_conn)
    ledger.post(entries.payment_captured(order.amounts(), "ch_1"))
    for statement in (
        "UPDATE ledger_postings SET amount = amount * 2",
        "DELETE FROM ledger_postings",
        "UPDATE journal_entries SET description = 'edited'",
        "DELETE FROM journal_entries",
    ):
        with pytest.raises(pg_errors.RestrictViolation, match="append-only"):
            pg_conn.execute(statement)
    assert ledger.balance("stripe_balance", "USD") == order.gross


def test_given_the_state_change_and_its_entries_in_one_unit_of_work_then_both_or_neither(
    pool, pg_conn: Connection[DictRow], order
) -> None:
    amounts = order.amounts()

    # When the order is marked paid with its payment and fee entries, and the block fails at the end
    def crashing_step() -> None:
        with unit_of_work(pool) as conn:
            PostgresOrders(conn).set_status(order.order_id, "paid", payment_intent_id="pi_x")
            PostgresLedger(conn).post(entries.payment_captured(amounts, "ch_1"))
            raise RuntimeError("the step crashed")

    with pytest.raises(RuntimeError):
        crashing_step()
    # Then neither is there
    assert PostgresLedger(pg_conn).entries_for_order(order.order_id) == []
    # When it succeeds, both are
    with unit_of_work(pool) as conn:
        PostgresOrders(conn).set_status(order.order_id, "delivered")
        ledger = PostgresLedger(conn)
        assert ledger.post(entries.payment_captured(amounts, "ch_1")) is True
        assert ledger.post(entries.fee_recognized(amounts)) is True
        assert ledger.post(entries.transfer(amounts, "tr_1", amounts.net)) is True
    posted = PostgresLedger(pg_conn).entries_for_order(order.order_id)
    assert [e.kind for e in posted] == ["payment", "fee", "transfer"]
    assert order_is_settled_correctly(posted)
    assert PostgresOrders(pg_conn).get(order.order_id).status == "delivered"
    ledger = PostgresLedger(pg_conn)
    assert ledger.balance("platform_fee_revenue", "USD") == -amounts.fee
    assert ledger.balance(f"seller_payable:{SELLER}", "USD") == usd(0)
    assert ledger.balance("stripe_balance", "USD") == amounts.fee
    # the seller's account was opened on its first posting
    kind = pg_conn.execute(
        "SELECT kind FROM ledger_accounts WHERE account_code = %s", (f"seller_payable:{SELLER}",)
    ).fetchone()
    assert kind == {"kind": "liability"}


def test_given_a_posted_entry_when_posted_again_then_no_op_and_other_postings_conflict(
    pg_conn: Connection[DictRow], order
) -> None:
    ledger = PostgresLedger(pg_conn)
    entry = entries.payment_captured(order.amounts(), "ch_1")
    assert ledger.post(entry) is True
    assert ledger.post(entries.payment_captured(order.amounts(), "ch_1")) is False
    other = entries.payment_captured(
        type(order.amounts())(order.order_id, SELLER, fee=order.fee_total, net=order.seller_net + usd(1)),
        "ch_1",
    )
    with pytest.raises(EntryConflict):
        ledger.post(other)
    assert ledger.balance("stripe_balance", "USD") == order.gross
    assert pg_conn.execute("SELECT count(*) AS n FROM ledger_postings").fetchone()["n"] == 2


def test_given_concurrent_posts_of_the_same_entry_then_exactly_one_is_written(
    pg_url: str, pg_conn: Connection[DictRow], order
) -> None:
    entry = entries.payment_captured(order.amounts(), "ch_1")
    workers = 6
    barrier = threading.Barrier(workers)
    results: list[bool] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            with psycopg.connect(pg_url, row_factory=dict_row) as conn:
                barrier.wait(timeout=10)
                with conn.transaction():
                    results.append(PostgresLedger(conn).post(entry))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False] * (workers - 1) + [True]
    assert pg_conn.execute("SELECT count(*) AS n FROM journal_entries").fetchone()["n"] == 1
    assert PostgresLedger(pg_conn).balance("stripe_balance", "USD") == order.gross


def test_given_an_account_held_then_another_transaction_waits_for_it_and_others_do_not(pg_url: str) -> None:
    # Given a transaction that holds seller-1's receivable
    with psycopg.connect(pg_url, row_factory=dict_row) as first, first.transaction():
        PostgresLedger(first).hold("seller_receivable:seller-1")
        with psycopg.connect(pg_url, row_factory=dict_row) as second:
            second.execute("SET lock_timeout = '200ms'")
            # Then another seller's account is free, and the same account waits (here: times out,
            # which the adapter reports as transient: the step is retried)
            with second.transaction():
                PostgresLedger(second).hold("seller_receivable:seller-2")
            with pytest.raises(TransientError, match="lock timeout"), second.transaction():
                PostgresLedger(second).hold("seller_receivable:seller-1")
    # When the first transaction ends, the account is free again
    with psycopg.connect(pg_url, row_factory=dict_row) as third, third.transaction():
        third.execute("SET LOCAL lock_timeout = '200ms'")
        PostgresLedger(third).hold("seller_receivable:seller-1")


def test_given_orders_then_they_read_back_with_items_newest_first_per_role(
    pool, pg_conn: Connection[DictRow], users: None
) -> None:
    orders = PostgresOrders(pg_conn)
    made = [an_order(BUYER, SELLER, n=n) for n in range(5)] + [an_order("other-1", SELLER, n=9)]
    for o in made:
        assert orders.add(o) is True
    assert orders.add(made[0]) is False  # a retried checkout step
    reader = PostgresOrderReader(pool)
    assert reader.get(made[0].order_id) == made[0]
    assert reader.get("nope") is None
    first = reader.list_for(BUYER, "buyer", limit=3)
    assert [o.order_id for o in first] == [made[n].order_id for n in (4, 3, 2)]
    rest = reader.list_for(BUYER, "buyer", limit=3, before=(first[-1].created_at, first[-1].order_id))
    assert [o.order_id for o in rest] == [made[n].order_id for n in (1, 0)]
    assert len(reader.list_for(SELLER, "seller", limit=10)) == 6
    assert reader.list_for(SELLER, "buyer", limit=10) == []


def test_given_amounts_that_do_not_add_up_then_the_orders_table_refuses_them(
    pg_conn: Connection[DictRow], users: None
) -> None:
    with pytest.raises(pg_errors.CheckViolation):
        pg_conn.execute(
            "INSERT INTO orders (order_id, checkout_id, buyer_id, seller_id, currency, items_total, "
            "shipping_total, fee_total, seller_net, fee_schedule_version) "
            "VALUES ('o', 'c', %s, %s, 'USD', 1000, 0, 100, 901, 1)",
            (BUYER, SELLER),
        )
    with pytest.raises(pg_errors.CheckViolation):
        pg_conn.execute(
            "INSERT INTO orders (order_id, checkout_id, buyer_id, seller_id, status, currency, items_total, "
            "shipping_total, fee_total, seller_net, fee_schedule_version) "
            "VALUES ('o', 'c', %s, %s, 'lost', 'USD', 1000, 0, 0, 1000, 1)",
            (BUYER, SELLER),
        )
