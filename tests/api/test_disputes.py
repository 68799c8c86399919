"""Stripe disputes (chargebacks) through the local cloud: the stand-in disputes a charge as
Stripe's test card does, its events reach ``disputes-stripe`` on the stripe bus duplicated and
shuffled, an admin sends evidence through the API (Stripe's test mode decides by it), and the
ledger records the withdrawal, the fee and the reinstatement or the loss, once."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.rows import dict_row

from local.providers.stripe import eventbridge_entry
from tests.api.accounts_support import call
from tests.api.cases_support import a_sale, delivered, finished, ledger, path, payout_arn, payout_row
from tests.integration.payouts_support import stripe_client

if TYPE_CHECKING:
    from local.runtime import LocalCloud

CONSUMER = "disputes-stripe"
FEE = 1500


@pytest.fixture
def admin(make_user):
    return make_user(groups=("buyer", "admin"))


def dispute_events(cloud: LocalCloud, dispute_id: str) -> list[dict[str, Any]]:
    assert cloud.stripe is not None
    return [
        e
        for e in cloud.stripe.events()
        if e["type"].startswith("charge.dispute.") and e["data"]["object"]["id"] == dispute_id
    ]


def consumer_calls(cloud: LocalCloud) -> int:
    return len(cloud.aws.functions.calls(cloud.provisioned.names[("function", CONSUMER)]))


def redeliver(cloud: LocalCloud, events: list[dict[str, Any]], *, times: int = 2) -> None:
    """Every event ``times`` over, shuffled, on the stripe bus; then until the consumer saw them all."""
    batch = [e for e in events for _ in range(times)]
    random.Random(len(batch)).shuffle(batch)
    wanted = consumer_calls(cloud) + len(batch)
    bus = cloud.provisioned.names[("bus", "stripe")]
    for event in batch:
        entry = eventbridge_entry(event, bus_name=bus, source="aws.partner/stripe.com/ed_local")
        assert not cloud.aws.client("events").put_events(Entries=[entry]).get("FailedEntryCount")
    cloud.wait_until(
        lambda: consumer_calls(cloud) >= wanted, timeout_s=20, what="the dispute events' deliveries"
    )
    cloud.settle()


def dispute_rows(pg_url: str, dispute_id: str) -> list[dict[str, Any]]:
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        return conn.execute("SELECT * FROM order_disputes WHERE dispute_id = %s", (dispute_id,)).fetchall()


def test_given_a_chargeback_when_the_evidence_wins_then_the_money_is_back_and_the_seller_paid(
    cloud: LocalCloud, make_user, pg_url: str, pg_clean, unique: str, admin
) -> None:
    # Given an order paid with Stripe's disputing test card: disputed as soon as it is charged
    sale = a_sale(cloud, make_user, pg_url, unique, payment_method="pm_card_createDispute")
    client = stripe_client(cloud)
    (dispute,) = client.v1.disputes.list({"payment_intent": sale.paid.payment_intent_id}).data
    events = dispute_events(cloud, dispute.id)
    assert [e["type"] for e in events] == ["charge.dispute.created", "charge.dispute.funds_withdrawn"]
    # When its events arrive, each twice and out of order
    redeliver(cloud, events)
    # Then the dispute is open, the payout held, and the withdrawal and the fee in the ledger once
    (row,) = dispute_rows(pg_url, dispute.id)
    assert (row["status"], row["stripe_status"], row["amount"]) == ("open", "needs_response", dispute.amount)
    assert payout_row(pg_url, sale.order_id)["status"] in ("held", "awaiting_delivery")
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "dispute_withdrawn", "dispute_fee"]
    seen = call(cloud, "GET", f"/admin/disputes/{dispute.id}", token=admin.id_token)
    assert seen.status_code == 200 and seen.json()["status"] == "open", seen.text
    cloud.wait_until(
        lambda: any(dispute.id in (m.body or "") for m in cloud.outbox.list(channel="email")),
        what="the seller's and the admins' emails",
    )
    # When an admin sends evidence Stripe's test mode wins with
    sent = call(
        cloud,
        "POST",
        f"/admin/disputes/{dispute.id}/evidence",
        token=admin.id_token,
        json={"uncategorized_text": "winning_evidence", "shipping_carrier": "USPS", "submit": True},
    )
    assert sent.status_code == 200, sent.text
    assert dispute_events(cloud, dispute.id)[-1]["type"] == "charge.dispute.closed"
    redeliver(cloud, dispute_events(cloud, dispute.id))
    # Then the dispute is won and its amount reinstated, once, whatever the events' order
    (row,) = dispute_rows(pg_url, dispute.id)
    assert (row["status"], row["stripe_status"]) == ("won", "won")
    assert row["evidence_submitted_at"] is not None
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "dispute_withdrawn", "dispute_fee", "dispute_reinstated"]
    assert (totals.refunds, totals.charged_back, totals.seller_net) == (
        0,
        0,
        sale.paid.order.seller_net.amount_minor,
    )
    again = call(
        cloud,
        "POST",
        f"/admin/disputes/{dispute.id}/evidence",
        token=admin.id_token,
        json={"uncategorized_text": "more"},
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "DISPUTE_NOT_OPEN"
    # And the seller is paid once the order is delivered: the hold ended with the dispute
    delivered(cloud, sale)
    assert (
        finished(cloud, payout_arn(cloud, sale.order_id))["transfer"]["amount"]
        == sale.paid.order.seller_net.amount_minor
    )
    # the platform bears Stripe's fee: the books say so
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        fee = conn.execute(
            "SELECT sum(p.amount) AS fee FROM ledger_postings p JOIN journal_entries e USING (entry_id) "
            "WHERE e.order_id = %s AND p.account_code = 'stripe_fees'",
            (sale.order_id,),
        ).fetchone()
    assert fee is not None and fee["fee"] == FEE


def test_given_a_chargeback_after_the_payout_when_it_is_lost_then_the_transfer_is_reversed(
    cloud: LocalCloud, make_user, pg_url: str, pg_clean, unique: str, admin
) -> None:
    # Given an order delivered and paid out to the seller
    sale = a_sale(cloud, make_user, pg_url, unique)
    delivered(cloud, sale)
    transfer_id = finished(cloud, payout_arn(cloud, sale.order_id))["transfer"]["transfer_id"]
    # When the buyer's bank disputes the charge weeks later (the stand-in's test-only control)
    client = stripe_client(cloud)
    client.raw_request("post", f"/v1/test_helpers/charges/{sale.paid.charge_id}/dispute")
    (dispute,) = client.v1.disputes.list({"charge": sale.paid.charge_id}).data
    dispute_id = str(dispute.id)
    redeliver(cloud, dispute_events(cloud, dispute_id))
    assert [r["status"] for r in dispute_rows(pg_url, dispute_id)] == ["open"]
    # And the admin accepts it can only lose (Stripe's test mode loses with this evidence)
    sent = call(
        cloud,
        "POST",
        f"/admin/disputes/{dispute_id}/evidence",
        token=admin.id_token,
        json={"uncategorized_text": "losing_evidence"},
    )
    assert sent.status_code == 200, sent.text
    redeliver(cloud, dispute_events(cloud, dispute_id), times=3)
    # Then the sale is undone: the seller's net taken back from their account, the order refunded
    (row,) = dispute_rows(pg_url, dispute_id)
    assert row["status"] == "lost"
    transfer = client.v1.transfers.retrieve(transfer_id)
    assert transfer.amount_reversed == sale.paid.order.seller_net.amount_minor
    cloud.settle()  # Stripe's transfer.reversed reaches the transfers' consumer too: nothing twice
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == [
        "payment",
        "fee",
        "transfer",
        "dispute_withdrawn",
        "dispute_fee",
        "reversal",
        "dispute_lost",
    ]
    assert (totals.charged_back, totals.seller_net, totals.fees, totals.transferred) == (
        sale.paid.order.gross.amount_minor,
        0,
        0,
        0,
    )
    order = call(cloud, "GET", f"/orders/{sale.order_id}", token=sale.buyer.id_token).json()
    assert order["status"] == "refunded"
    assert path(cloud, payout_arn(cloud, sale.order_id))[-1] == "Transfer To Seller"


def test_given_a_stranger_then_the_dispute_routes_are_the_admins(cloud: LocalCloud, make_user) -> None:
    user = make_user()
    assert call(cloud, "GET", "/admin/disputes/du_nothing", token=user.id_token).status_code == 403
    admin = make_user(groups=("admin",))
    missing = call(cloud, "GET", "/admin/disputes/du_nothing", token=admin.id_token)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "DISPUTE_NOT_FOUND"
    bad = call(cloud, "POST", "/admin/disputes/du_nothing/evidence", token=admin.id_token, json={"nope": 1})
    assert bad.status_code == 400
