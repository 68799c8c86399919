"""Paid orders on the real stack until checkout creates them: users, an order paid through the
Stripe stand-in (a real charge for ``source_transaction``), its payment and fee entries in the
transaction that marks it paid, a seller with an onboarded Connect account, and OrderPaid."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
import requests
import stripe
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from adapters.postgres.orders import PostgresOrders
from tests.unit.orders.builders import an_order
from workflows.ledger import entries
from workflows.shared.clock import SystemClock

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from workflows.orders.model import OrderRecord


def stripe_client(cloud: LocalCloud) -> stripe.StripeClient:
    assert cloud.stripe is not None
    url = cloud.stripe.url
    return stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": url, "connect": url})


def onboarded_account(client: stripe.StripeClient, seller_id: str) -> str:
    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": "US",
            "email": f"{seller_id}@example.com",
            "business_type": "individual",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "default_currency": "usd",
            "metadata": {"seller_id": seller_id},
        }
    )
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "https://resale.example/refresh",
            "return_url": "https://resale.example/return",
            "type": "account_onboarding",
        }
    )
    done = requests.post(
        link.url, data={"outcome": "complete"}, headers={"Accept": "application/json"}, timeout=10
    )
    assert done.status_code == 200, done.text
    return str(account.id)


def add_user(conn: psycopg.Connection[Any], user_id: str, email: str | None = None) -> None:
    conn.execute(
        "INSERT INTO users (user_id, email) VALUES (%s, %s) ON CONFLICT (user_id) DO NOTHING",
        (user_id, email or f"{user_id}@example.com"),
    )


def add_seller_account(conn: psycopg.Connection[Any], seller_id: str, account_id: str) -> None:
    """What the onboarding workflow leaves behind for an active seller (migration 0050)."""
    conn.execute(
        "INSERT INTO seller_onboardings (onboarding_id, user_id, status, country, business_type, "
        "default_currency, request_fingerprint, remind_after_s, expire_after_s, stripe_account_id, "
        "charges_enabled, payouts_enabled, details_submitted) "
        "VALUES (%s, %s, 'active', 'US', 'individual', 'USD', 'test', 86400, 864000, %s, true, true, true)",
        (str(uuid.uuid4()), seller_id, account_id),
    )


@dataclass(frozen=True)
class PaidOrder:
    order: OrderRecord
    charge_id: str
    payment_intent_id: str

    @property
    def order_id(self) -> str:
        return self.order.order_id


def paid_order(
    cloud: LocalCloud,
    pg_url: str,
    buyer_id: str,
    seller_id: str,
    *,
    checkout_id: str,
    n: int = 0,
    payment_method: str = "pm_card_visa",
) -> PaidOrder:
    """An order as checkout leaves it: paid in Stripe, 'paid' with its payment and fee entries
    (``payment_method``: a stand-in test card, e.g. ``pm_card_pendingRefund``)."""
    client = stripe_client(cloud)
    draft = an_order(buyer_id, seller_id, checkout_id=checkout_id, n=n)
    intent = client.v1.payment_intents.create(
        {
            "amount": draft.gross.amount_minor,
            "currency": "usd",
            "payment_method": payment_method,
            "confirm": True,
            "transfer_group": draft.checkout_id,
        }
    )
    charge_id = str(intent.latest_charge)
    from dataclasses import replace

    now = SystemClock().now()  # the local cloud's clock, as the handlers'
    order = replace(draft, payment_intent_id=str(intent.id), created_at=now, updated_at=now)
    with psycopg.connect(pg_url, row_factory=dict_row) as conn, conn.transaction():
        add_user(conn, buyer_id)
        add_user(conn, seller_id)
        PostgresOrders(conn).add(order)
        ledger = PostgresLedger(conn)
        ledger.post(entries.payment_captured(order.amounts(), charge_id))
        ledger.post(entries.fee_recognized(order.amounts()))
    return PaidOrder(order, charge_id, str(intent.id))


def order_paid_detail(paid: PaidOrder) -> dict[str, Any]:
    o = paid.order
    return {
        "order_id": o.order_id,
        "checkout_id": o.checkout_id,
        "buyer_id": o.buyer_id,
        "seller_id": o.seller_id,
        "payment_intent_id": paid.payment_intent_id,
        "charge_id": paid.charge_id,
        "currency": o.currency,
        "gross": o.gross.amount_minor,
        "fee": o.fee_total.amount_minor,
        "net": o.seller_net.amount_minor,
        "paid_at": SystemClock().now().isoformat(),  # the local cloud's clock, as the handlers'
    }


def announce_paid(cloud: LocalCloud, paid: PaidOrder) -> None:
    """Checkout's OrderPaid on the domain bus, then its deliveries settled (they are asynchronous)."""
    aws, provisioned = cloud.started()
    result = aws.client("events").put_events(
        Entries=[
            {
                "EventBusName": provisioned.names[("bus", "domain")],
                "Source": "resale.checkout",
                "DetailType": "OrderPaid",
                "Detail": json.dumps(order_paid_detail(paid)),
            }
        ]
    )
    assert not result.get("FailedEntryCount"), result
    cloud.settle()
