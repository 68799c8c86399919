"""Reconciliation against PostgreSQL and the Stripe stand-in over a window: agreement is clean, an
injected difference (a transfer made outside the ledger, an amount that differs, a refund or a
reversal nobody recorded) is reported, Stripe's lists are followed page by page, a difference
outside the window is not reported; ``make reconcile`` (local/reconcile.py) exits non-zero
through the local cloud's scheduled function and prints its window."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import stripe
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from adapters.postgres.orders import PostgresOrders
from adapters.postgres.payouts import books_factory
from adapters.postgres.pool import make_pool
from adapters.postgres.reconciliation import PostgresReconciliationSide
from adapters.stripe.reconciliation import StripeReconciliationSide
from local import reconcile as reconcile_cli
from tests.integration.payouts_support import (
    PaidOrder,
    add_user,
    onboarded_account,
    paid_order,
    stripe_client,
)
from tests.unit.orders.builders import an_order
from workflows.ledger import entries
from workflows.payouts.model import PayoutRecord
from workflows.payouts.ports import Cancellation
from workflows.payouts.reconciliation import Window, reconcile
from workflows.shared.money import Money

if TYPE_CHECKING:
    from local.providers.stripe import StripeStandIn
    from local.runtime import LocalCloud
    from tests.fakes.clock import FakeClock
    from workflows.orders.model import OrderRecord

BUYER, SELLER = "rb-buyer", "rb-seller"


def _client(standin: StripeStandIn) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url}, max_network_retries=0
    )


def _now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock(), UTC)


def _paid(client: stripe.StripeClient, pg_url: str, n: int, card: str = "pm_card_visa") -> OrderRecord:
    """An order paid in Stripe and in the ledger (payment and fee entries)."""
    order = an_order(BUYER, SELLER, checkout_id="rc", n=n)
    intent = client.v1.payment_intents.create(
        {"amount": order.gross.amount_minor, "currency": "usd", "payment_method": card, "confirm": True}
    )
    order = replace(order, payment_intent_id=str(intent.id))
    with psycopg.connect(pg_url, row_factory=dict_row) as conn, conn.transaction():
        add_user(conn, BUYER)
        add_user(conn, SELLER)
        PostgresOrders(conn).add(order)
        PostgresLedger(conn).post(entries.payment_captured(order.amounts(), str(intent.latest_charge)))
        PostgresLedger(conn).post(entries.fee_recognized(order.amounts()))
    return order


def _paid_and_transferred(client: stripe.StripeClient, pg_url: str, n: int) -> tuple[str, str]:
    """An order paid in Stripe and in the ledger, its net transferred and recorded: (order, transfer)."""
    order = _paid(client, pg_url, n)
    charge = str(client.v1.payment_intents.retrieve(str(order.payment_intent_id)).latest_charge)
    account = onboarded_account(client, SELLER)
    transfer = client.v1.transfers.create(
        {
            "amount": order.seller_net.amount_minor,
            "currency": "usd",
            "destination": account,
            "source_transaction": charge,
            "transfer_group": order.checkout_id,
            "metadata": {"order_id": order.order_id},
        }
    )
    pool = make_pool(pg_url)
    try:
        with books_factory(pool)() as books:
            books.payouts.add(
                PayoutRecord(order.order_id, SELLER, order.checkout_id, charge, order.seller_net,
                             datetime.now(UTC), status="payable")
            )  # fmt: skip
            entry = entries.transfer(order.amounts(), transfer.id, order.seller_net)
            books.ledger.post(entry)
            books.payouts.add_transfer(transfer.id, order.order_id, entry.entry_id, order.seller_net)
            books.payouts.mark_transferred(order.order_id, transfer.id, at=datetime.now(UTC))
    finally:
        pool.close()
    return order.order_id, str(transfer.id)


def _cancelled(client: stripe.StripeClient, pg_url: str, order: OrderRecord) -> str:
    """The order cancelled as fulfilment does: Stripe's refund, then the ledger's entries (``refund``,
    and ``refund_paid`` when Stripe answered succeeded) and the cancellation row."""
    refund = client.v1.refunds.create(
        {"payment_intent": str(order.payment_intent_id), "metadata": {"order_id": order.order_id}}
    )
    pool = make_pool(pg_url)
    try:
        with books_factory(pool)() as books:
            books.ledger.post(entries.refund(order.amounts(), refund.id, order.gross, Money.zero("USD")))
            if refund.status == "succeeded":
                books.ledger.post(entries.refund_paid(order.order_id, refund.id, order.gross))
            books.orders.add_cancellation(
                Cancellation(order.order_id, BUYER, "buyer", None, refund.id, order.gross, datetime.now(UTC))
            )
    finally:
        pool.close()
    return str(refund.id)


def _report(pg_url: str, client: stripe.StripeClient, window: Window, *, page_size: int = 100):
    pool = make_pool(pg_url)
    try:
        return reconcile(
            PostgresReconciliationSide(pool),
            StripeReconciliationSide(client, page_size=page_size),
            window=window,
            now=window.end,
        )
    finally:
        pool.close()


def _around(at: datetime) -> Window:
    return Window(at - timedelta(hours=1), at + timedelta(hours=1))


def test_given_the_ledger_and_stripe_agree_then_clean_and_an_injected_difference_is_reported(
    standin: StripeStandIn, clock: FakeClock, pg_url: str, pg_clean
) -> None:
    clock.set(time.time())  # Stripe's clock and the ledger's on one timeline
    client = _client(standin)
    order_id, transfer_id = _paid_and_transferred(client, pg_url, 0)
    report = _report(pg_url, client, _around(_now(clock)))
    assert report.clean, report.as_dict()
    assert (report.transfers_checked, report.charges_checked) == (1, 1)
    # When money moves in Stripe without the ledger: a charge nobody recorded, a transfer from it,
    # and a partial reversal of the recorded transfer
    stray = client.v1.payment_intents.create(
        {"amount": 777, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    account = client.v1.transfers.retrieve(transfer_id).destination
    extra = client.v1.transfers.create(
        {
            "amount": 100,
            "currency": "usd",
            "destination": account,
            "source_transaction": str(stray.latest_charge),
            "metadata": {"order_id": order_id},
        }
    )
    reversal = client.v1.transfers.reversals.create(transfer_id, {"amount": 50})
    report = _report(pg_url, client, _around(_now(clock)))
    assert {(d.kind, d.stripe_id) for d in report.differences} == {
        ("transfer_missing_in_ledger", extra.id),
        ("reversal_amount_differs", transfer_id),
        ("reversal_missing_in_ledger", reversal.id),
        ("charge_missing_in_ledger", stray.id),
    }, report.as_dict()


def test_given_refunds_then_each_is_checked_against_the_ledger_and_a_pending_one_is_expected(
    standin: StripeStandIn, clock: FakeClock, pg_url: str, pg_clean
) -> None:
    clock.set(time.time())
    client = _client(standin)
    # Given an order cancelled with a refund Stripe paid at once, and one Stripe still has pending
    paid_refund = _cancelled(client, pg_url, _paid(client, pg_url, 1))
    pending_order = _paid(client, pg_url, 2, card="pm_card_pendingRefund")
    pending_refund = _cancelled(client, pg_url, pending_order)
    report = _report(pg_url, client, _around(_now(clock)))
    # Then both agree with the ledger; the pending one is expected, not a difference
    assert report.clean, report.as_dict()
    assert report.refunds_checked == 2
    assert report.refunds_pending == (pending_refund,)
    # When Stripe pays the pending refund before the ledger hears of it, and a refund is made in
    # Stripe that the ledger never recorded
    client.raw_request("post", f"/v1/test_helpers/refunds/{pending_refund}/settle", status="succeeded")
    stray_order = _paid(client, pg_url, 3)
    stray = client.v1.refunds.create({"payment_intent": str(stray_order.payment_intent_id), "amount": 300})
    report = _report(pg_url, client, _around(_now(clock)))
    # Then both are reported, and the paid refund still agrees
    assert {(d.kind, d.stripe_id) for d in report.differences} == {
        ("refund_status_differs", pending_refund),
        ("refund_missing_in_ledger", stray.id),
    }, report.as_dict()
    assert paid_refund not in {d.stripe_id for d in report.differences}


def test_given_more_objects_than_one_page_then_every_page_is_read(
    standin: StripeStandIn, clock: FakeClock, pg_url: str, pg_clean
) -> None:
    # Given five charges, five transfers, three refunds and three reversals in Stripe that the
    # ledger never recorded, one second apart
    client = _client(standin)
    account = onboarded_account(client, SELLER)
    intents, transfers, refunds, reversals = [], [], [], []
    for i in range(5):
        clock.advance(1)
        pi = client.v1.payment_intents.create(
            {"amount": 1000 + i, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
        )
        intents.append(pi.id)
        transfer = client.v1.transfers.create(
            {"amount": 500, "currency": "usd", "destination": account, "source_transaction": pi.latest_charge}
        )
        transfers.append(transfer.id)
        if i < 3:
            refunds.append(client.v1.refunds.create({"payment_intent": pi.id, "amount": 100}).id)
            reversals.append(client.v1.transfers.reversals.create(transfer.id, {"amount": 50}).id)
    # When reconciled two objects a page
    report = _report(pg_url, client, _around(_now(clock)), page_size=2)
    # Then every object of every page is reported
    found: dict[str, set[str]] = {}
    for d in report.differences:
        found.setdefault(d.kind, set()).add(d.stripe_id)
    assert found == {
        "charge_missing_in_ledger": set(intents),
        "transfer_missing_in_ledger": set(transfers),
        "refund_missing_in_ledger": set(refunds),
        "reversal_missing_in_ledger": set(reversals),
    }, report.as_dict()


def test_given_a_difference_outside_the_window_then_it_is_not_reported(
    standin: StripeStandIn, clock: FakeClock, pg_url: str, pg_clean
) -> None:
    clock.set(time.time())
    client = _client(standin)
    # Given a transfer made in Stripe only, then, three days later, an order that agrees
    _, transfer_id = _paid_and_transferred(client, pg_url, 0)
    account = client.v1.transfers.retrieve(transfer_id).destination
    old_day = _now(clock)
    stray_pi = client.v1.payment_intents.create(
        {"amount": 700, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    stray = client.v1.transfers.create(
        {
            "amount": 100,
            "currency": "usd",
            "destination": account,
            "source_transaction": stray_pi.latest_charge,
        }
    )
    clock.advance(3 * 24 * 3600)
    _paid_and_transferred(client, pg_url, 1)
    later = _now(clock)
    # When the last two days are reconciled
    report = _report(pg_url, client, Window.around(later + timedelta(minutes=1)))
    # Then the old difference is not reported, the recent order is checked and agrees
    assert report.clean, report.as_dict()
    assert report.transfers_checked == 1
    # And a window over the old day reports it
    report = _report(pg_url, client, _around(old_day))
    assert ("transfer_missing_in_ledger", stray.id) in {(d.kind, d.stripe_id) for d in report.differences}


def test_given_a_difference_then_make_reconcile_exits_non_zero_with_the_report(
    cloud: LocalCloud, make_user, pg_url: str, pg_conn, unique: str, capsys
) -> None:
    # Given a paid order whose transfer was made in Stripe only
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    paid: PaidOrder = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}")
    client = stripe_client(cloud)
    account = onboarded_account(client, seller.user_id)
    transfer = client.v1.transfers.create(
        {
            "amount": paid.order.seller_net.amount_minor,
            "currency": "usd",
            "destination": account,
            "source_transaction": paid.charge_id,
            "metadata": {"order_id": paid.order_id},
        }
    )
    created = datetime.fromtimestamp(client.v1.transfers.retrieve(transfer.id).created, UTC)
    start, end = (created - timedelta(days=1)).date(), (created + timedelta(days=1)).date()
    # When `make reconcile --from --to` runs against the local cloud over the days around it
    code = reconcile_cli.main(
        ["--api", cloud.api_url, "--stage", cloud.config.stage, "--from", str(start), "--to", str(end)]
    )
    # Then it reports the transfer, prints its window and fails
    assert code == 1
    report = json.loads(capsys.readouterr().out)
    assert report["clean"] is False
    assert report["window"] == {
        "from": datetime(start.year, start.month, start.day, tzinfo=UTC).isoformat(),
        "to": datetime(end.year, end.month, end.day, tzinfo=UTC).isoformat(),
    }
    assert {"kind": "transfer_missing_in_ledger", "stripe_id": transfer.id} in [
        {"kind": d["kind"], "stripe_id": d["stripe_id"]} for d in report["differences"]
    ]
    # And a window of other days does not see it
    code = reconcile_cli.main(
        ["--api", cloud.api_url, "--stage", cloud.config.stage, "--from", str(end), "--to",
         str(end + timedelta(days=1))]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert transfer.id not in {d["stripe_id"] for d in report["differences"]}
