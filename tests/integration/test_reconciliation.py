"""Reconciliation against PostgreSQL and the Stripe stand-in: agreement is clean, and an injected
difference (a transfer made outside the ledger, an amount that differs) is reported; ``make
reconcile`` (local/reconcile.py) exits non-zero through the local cloud's scheduled function."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import stripe
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from adapters.postgres.orders import PostgresOrders
from adapters.postgres.payouts import PostgresLedgerSide, books_factory
from adapters.postgres.pool import make_pool
from adapters.stripe.transfers import StripeReconciliationSide
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
from workflows.payouts.reconciliation import reconcile

if TYPE_CHECKING:
    from local.providers.stripe import StripeStandIn
    from local.runtime import LocalCloud


def _client(standin: StripeStandIn) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url}, max_network_retries=0
    )


def _paid_and_transferred(client: stripe.StripeClient, pg_url: str, n: int) -> tuple[str, str]:
    """An order paid in Stripe and in the ledger, its net transferred and recorded: (order, transfer)."""
    order = an_order("rb-buyer", "rb-seller", checkout_id="rc", n=n)
    intent = client.v1.payment_intents.create(
        {
            "amount": order.gross.amount_minor,
            "currency": "usd",
            "payment_method": "pm_card_visa",
            "confirm": True,
        }
    )
    account = onboarded_account(client, "rb-seller")
    transfer = client.v1.transfers.create(
        {
            "amount": order.seller_net.amount_minor,
            "currency": "usd",
            "destination": account,
            "source_transaction": str(intent.latest_charge),
            "transfer_group": order.checkout_id,
            "metadata": {"order_id": order.order_id},
        }
    )
    from dataclasses import replace

    order = replace(order, payment_intent_id=str(intent.id))
    pool = make_pool(pg_url)
    try:
        with psycopg.connect(pg_url, row_factory=dict_row) as conn, conn.transaction():
            add_user(conn, "rb-buyer")
            add_user(conn, "rb-seller")
            PostgresOrders(conn).add(order)
            PostgresLedger(conn).post(entries.payment_captured(order.amounts(), str(intent.latest_charge)))
            PostgresLedger(conn).post(entries.fee_recognized(order.amounts()))
        with books_factory(pool)() as books:
            books.payouts.add(
                PayoutRecord(order.order_id, "rb-seller", order.checkout_id, str(intent.latest_charge),
                             order.seller_net, datetime.now(UTC), status="payable")
            )  # fmt: skip
            entry = entries.transfer(order.amounts(), transfer.id, order.seller_net)
            books.ledger.post(entry)
            books.payouts.add_transfer(transfer.id, order.order_id, entry.entry_id, order.seller_net)
            books.payouts.mark_transferred(order.order_id, transfer.id, at=datetime.now(UTC))
    finally:
        pool.close()
    return order.order_id, str(transfer.id)


def _report(pg_url: str, client: stripe.StripeClient):
    pool = make_pool(pg_url)
    try:
        return reconcile(PostgresLedgerSide(pool), StripeReconciliationSide(client), now=datetime.now(UTC))
    finally:
        pool.close()


def test_given_the_ledger_and_stripe_agree_then_clean_and_an_injected_difference_is_reported(
    standin: StripeStandIn, pg_url: str, pg_clean
) -> None:
    client = _client(standin)
    order_id, transfer_id = _paid_and_transferred(client, pg_url, 0)
    report = _report(pg_url, client)
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
    client.v1.transfers.reversals.create(transfer_id, {"amount": 50})
    report = _report(pg_url, client)
    found = {(d.kind, d.stripe_id) for d in report.differences}
    assert found == {
        ("transfer_missing_in_ledger", extra.id),
        ("reversal_amount_differs", transfer_id),
        ("charge_missing_in_ledger", stray.id),
    }, report.as_dict()


def test_given_a_difference_then_make_reconcile_exits_non_zero_with_the_report(
    cloud: LocalCloud, make_user, pg_url: str, pg_conn, unique: str, capsys, monkeypatch
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
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # When `make reconcile` runs against the local cloud
    code = reconcile_cli.main(["--api", cloud.api_url, "--stage", cloud.config.stage])
    # Then it reports the transfer and fails
    assert code == 1
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["clean"] is False
    assert {"kind": "transfer_missing_in_ledger", "stripe_id": transfer.id} in [
        {"kind": d["kind"], "stripe_id": d["stripe_id"]} for d in report["differences"]
    ]
