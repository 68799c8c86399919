"""A refund Stripe answers pending, followed to its end through the local cloud: cancel before
shipment (the API), Stripe settles the refund later (the stand-in's test-only control), its
events reach ``payouts-stripe-refunds`` on the stripe bus, and the ledger says what happened,
once, whatever the order or number of the events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from local.providers.stripe import eventbridge_entry
from tests.api.accounts_support import call
from tests.integration.payouts_support import paid_order, stripe_client
from workflows.ledger.invariants import OrderTotals, order_is_settled_correctly

if TYPE_CHECKING:
    from local.runtime import LocalCloud

ADMIN = "admin@resale.local"
CONSUMER = "payouts-stripe-refunds"


@pytest.fixture
def parties(make_user, pg_clean):
    return make_user(), make_user(groups=("buyer", "seller"))


def kinds(pg_url: str, order_id: str) -> list[str]:
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        rows = conn.execute(
            "SELECT kind FROM journal_entries WHERE order_id = %s ORDER BY posted_seq", (order_id,)
        ).fetchall()
    return [r["kind"] for r in rows]


def books_say(pg_url: str, order_id: str) -> OrderTotals:
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        entries = PostgresLedger(conn).entries_for_order(order_id)
    assert order_is_settled_correctly(entries)
    return OrderTotals.of(entries)


def cancelled_with_refund(cloud: LocalCloud, pg_url: str, buyer, seller, payment_method: str):
    paid = paid_order(
        cloud,
        pg_url,
        buyer.user_id,
        seller.user_id,
        checkout_id=f"co-{uuid.uuid4().hex[:10]}",
        payment_method=payment_method,
    )
    response = call(cloud, "POST", f"/orders/{paid.order_id}/cancel", token=buyer.id_token, json={})
    assert response.status_code == 200, response.text
    (refund,) = stripe_client(cloud).v1.refunds.list({"payment_intent": paid.payment_intent_id}).data
    return paid, refund


def settle(cloud: LocalCloud, refund_id: str, **params: Any) -> None:
    """Stripe settles the refund "some time later" (the stand-in's test-only control)."""
    stripe_client(cloud).raw_request("post", f"/v1/test_helpers/refunds/{refund_id}/settle", **params)


def refund_events(cloud: LocalCloud, refund_id: str) -> list[dict[str, Any]]:
    assert cloud.stripe is not None
    return [
        e
        for e in cloud.stripe.events()
        if e["type"].startswith(("refund.", "charge.refund.")) and e["data"]["object"]["id"] == refund_id
    ]


def consumer_calls(cloud: LocalCloud) -> int:
    return len(cloud.aws.functions.calls(cloud.provisioned.names[("function", CONSUMER)]))


def redeliver(cloud: LocalCloud, events: list[dict[str, Any]]) -> None:
    """Put Stripe events on the stripe bus (again), and wait until the consumer has seen them all."""
    wanted = consumer_calls(cloud) + sum(e["type"] != "refund.created" for e in events)
    bus = cloud.provisioned.names[("bus", "stripe")]
    for event in events:
        entry = eventbridge_entry(event, bus_name=bus, source="aws.partner/stripe.com/ed_local")
        assert not cloud.aws.client("events").put_events(Entries=[entry]).get("FailedEntryCount")
    cloud.wait_until(lambda: consumer_calls(cloud) >= wanted, what="the refund events' deliveries")


def admin_emails(cloud: LocalCloud, refund_id: str) -> list[Any]:
    return [m for m in cloud.outbox.list(to=ADMIN, channel="email") if refund_id in (m.subject or "")]


def test_given_a_pending_refund_when_stripe_settles_it_then_refund_paid_is_posted_exactly_once(
    cloud: LocalCloud, parties, pg_url: str
) -> None:
    # Given an order cancelled before shipment whose refund Stripe answered pending
    buyer, seller = parties
    paid, refund = cancelled_with_refund(cloud, pg_url, buyer, seller, "pm_card_pendingRefund")
    assert refund.status == "pending"
    assert kinds(pg_url, paid.order_id) == ["payment", "fee", "refund"]
    # When Stripe settles it as succeeded (refund.updated + charge.refund.updated on the bus)
    settle(cloud, refund.id, status="succeeded")
    # Then refund_paid is posted
    cloud.wait_until(
        lambda: kinds(pg_url, paid.order_id) == ["payment", "fee", "refund", "refund_paid"],
        what="refund_paid",
    )
    # When every event comes again, in reverse order, plus a stale "pending" one under a new id
    events = refund_events(cloud, refund.id)
    stale = {**events[0], "id": f"evt_stale{uuid.uuid4().hex[:12]}", "type": "refund.updated"}
    redeliver(cloud, [*reversed(events), stale])
    # Then nothing changes: one refund_paid, the books balanced, the refund fully paid out
    assert kinds(pg_url, paid.order_id) == ["payment", "fee", "refund", "refund_paid"]
    totals = books_say(pg_url, paid.order_id)
    assert (totals.refunds, totals.seller_net, totals.fees) == (paid.order.gross.amount_minor, 0, 0)
    assert admin_emails(cloud, refund.id) == []


def test_given_a_pending_refund_when_it_fails_then_reversed_reported_once_and_the_order_flagged(
    cloud: LocalCloud, parties, pg_url: str
) -> None:
    buyer, seller = parties
    paid, refund = cancelled_with_refund(cloud, pg_url, buyer, seller, "pm_card_pendingRefund")
    # When Stripe fails the refund (refund.failed, refund.updated, charge.refund.updated)
    settle(cloud, refund.id, status="failed", failure_reason="expired_or_canceled_card")
    # Then the granted refund is reversed: the books say the buyer was not refunded
    cloud.wait_until(
        lambda: kinds(pg_url, paid.order_id) == ["payment", "fee", "refund", "refund_failed"],
        what="refund_failed",
    )
    totals = books_say(pg_url, paid.order_id)
    assert totals.refunds == 0
    assert (totals.seller_net, totals.fees) == (
        paid.order.seller_net.amount_minor,
        paid.order.fee_total.amount_minor,
    )
    # ... the admins are emailed once (the failure reason, the order) through the pipeline
    cloud.wait_until(lambda: admin_emails(cloud, refund.id), what="the admins' email")
    (email,) = admin_emails(cloud, refund.id)
    assert paid.order_id in email.body and "expired_or_canceled_card" in email.body
    # ... and the order stays cancelled, flagged by the refund_failed entry on the admin ledger
    order = call(cloud, "GET", f"/orders/{paid.order_id}", token=buyer.id_token)
    assert order.status_code == 200 and order.json()["status"] == "cancelled"
    # ... and the seller's sales report counts no refund: the buyer did not get the money back
    now = datetime.now(UTC)
    window = {"from": (now - timedelta(days=30)).isoformat(), "to": (now + timedelta(days=30)).isoformat()}
    report = call(cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params=window)
    assert report.status_code == 200, report.text
    [totals_row] = report.json()["totals"]
    assert totals_row["refunds"]["amount"] == 0, totals_row
    assert totals_row["net"]["amount"] == paid.order.seller_net.amount_minor, totals_row
    # When the events come again, and a stale "succeeded" one under a new id
    events = refund_events(cloud, refund.id)
    forged = {
        **events[-1],
        "id": f"evt_stale{uuid.uuid4().hex[:12]}",
        "data": {"object": {**events[-1]["data"]["object"], "status": "succeeded"}},
    }
    redeliver(cloud, [*events, forged])
    # Then nothing changes (Stripe says failed, whatever the payload says) and no second email
    assert kinds(pg_url, paid.order_id) == ["payment", "fee", "refund", "refund_failed"]
    assert len(admin_emails(cloud, refund.id)) == 1


def test_given_a_refund_stripe_paid_when_it_fails_later_then_the_money_is_back_and_reversed(
    cloud: LocalCloud, parties, pg_url: str
) -> None:
    # Given a refund that succeeded at once (refund_paid posted by the cancellation)
    buyer, seller = parties
    paid, refund = cancelled_with_refund(cloud, pg_url, buyer, seller, "pm_card_visa")
    assert kinds(pg_url, paid.order_id) == ["payment", "fee", "refund", "refund_paid"]
    # When it fails afterwards (as Stripe's card 4000 0000 0000 5126 does)
    settle(cloud, refund.id, status="failed")
    # Then the money is back in the Stripe balance and the refund reversed, balanced
    cloud.wait_until(
        lambda: (
            kinds(pg_url, paid.order_id)
            == ["payment", "fee", "refund", "refund_paid", "refund_failed", "refund_returned"]
        ),
        what="refund_failed and refund_returned",
    )
    assert books_say(pg_url, paid.order_id).refunds == 0
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(p.amount), 0) AS total FROM ledger_postings p "
            "JOIN journal_entries e USING (entry_id) WHERE e.order_id = %s AND p.account_code = %s",
            (paid.order_id, "stripe_balance"),
        ).fetchone()
    assert row is not None and row["total"] == paid.order.gross.amount_minor
    cloud.wait_until(lambda: admin_emails(cloud, refund.id), what="the admins' email")
