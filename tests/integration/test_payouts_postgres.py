"""Payouts and fulfilment on PostgreSQL (Stripe faked): the same random sequences as the unit
property test, with the database's own rules (balanced entries at commit, append-only ledger,
unique transfers), and Stripe's transfer events duplicated and out of order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from adapters.postgres.ledger import PostgresLedger
from adapters.postgres.orders import PostgresOrders
from adapters.postgres.payouts import books_factory
from adapters.postgres.pool import make_pool
from tests.fixtures.databases import truncate_all
from tests.integration.payouts_support import add_user
from tests.unit.orders.builders import an_order
from tests.unit.payouts.sequences import OPERATIONS, run
from tests.unit.payouts.world import BUYER, SELLER, World
from workflows.ledger import entries
from workflows.payouts.model import OrderPaid
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Iterator


class PostgresWorld(World):
    """The World of the unit tests, its books in PostgreSQL."""

    def paid_order(self, n: int = 0, *, unit_price: int = 2500, quantity: int = 2, shipping: int = 500):
        order = an_order(BUYER, SELLER, n=n, unit_price=unit_price, quantity=quantity, shipping=shipping)
        with self.books() as b:
            PostgresOrders(b.ledger._conn).add(order)  # the books' own transaction
            b.ledger.post(entries.payment_captured(order.amounts(), f"ch_{n}"))
            b.ledger.post(entries.fee_recognized(order.amounts()))
        self.payouts.on_order_paid(
            OrderPaid(
                order_id=order.order_id, checkout_id=order.checkout_id, buyer_id=BUYER, seller_id=SELLER,
                payment_intent_id=f"pi_{n}", charge_id=f"ch_{n}", currency="USD",
                gross=order.gross.amount_minor, fee=order.fee_total.amount_minor,
                net=order.seller_net.amount_minor, paid_at=self.clock.now(),
            )
        )  # fmt: skip
        return order


@pytest.fixture(scope="module")
def pool(pg_url: str) -> Iterator:
    p = make_pool(pg_url)
    yield p
    p.close()


@pytest.fixture
def fresh(pg_url: str, pg_clean) -> Iterator:
    """Empty tables with the two users, before each example."""
    with psycopg.connect(pg_url, autocommit=True) as conn:

        def reset() -> None:
            truncate_all(conn)
            add_user(conn, BUYER)
            add_user(conn, SELLER)

        yield reset


def _entries_of(pool):
    def entries_of(order_id: str):
        with pool.connection() as conn:
            return PostgresLedger(conn).entries_for_order(order_id)

    return entries_of


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_given_any_sequence_on_postgres_then_the_ledger_balances_and_the_seller_is_never_overpaid(
    operations, pool, fresh
) -> None:
    fresh()
    world = PostgresWorld(books=books_factory(pool))
    run(world, operations, _entries_of(pool))


def test_given_transfer_events_duplicated_and_reversed_first_on_postgres_then_one_effect(pool, fresh) -> None:
    fresh()
    world = PostgresWorld(books=books_factory(pool))
    order = world.paid_order()
    world.deliver(order.order_id)
    transfer = {
        "id": "tr_pg1",
        "amount": order.seller_net.amount_minor,
        "currency": "usd",
        "metadata": {"order_id": order.order_id},
        "reversals": {"data": [{"id": "trr_pg1", "amount": 700, "currency": "usd"}]},
    }
    # (Stripe has it: the events' handler reads the transfer there, not in the event)
    world.stripe.made("tr_pg1", order.seller_net, order.order_id, reversals=(("trr_pg1", Money(700, "USD")),))
    for kind in ("transfer.reversed", "transfer.created", "transfer.reversed", "transfer.created"):
        world.payouts.on_transfer_event(kind, transfer)
    # the Transfer step, retried later, finds the transfer recorded and sends nothing new
    assert world.payouts.apply_holds(order.order_id, hold_served=True).decision == "transfer"
    assert world.payouts.transfer(order.order_id).transfer_id == "tr_pg1"
    found = _entries_of(pool)(order.order_id)
    assert [e.kind for e in found] == ["payment", "fee", "transfer", "reversal"]
