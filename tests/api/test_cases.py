"""Buyers' cases through the HTTP API on the local cloud, the virtual clock moved (never slept):
each case path end to end, with the case_resolution execution, the payout it holds or stops,
Stripe's refunds and reversals, and the ledger balanced after each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.api.accounts_support import call
from tests.api.cases_support import (
    DAY,
    a_sale,
    act,
    case_arn,
    case_of,
    confirmed,
    delivered,
    finished,
    ledger,
    open_case,
    path,
    payout_arn,
    payout_row,
    reconciled,
    shipped,
    to_deadline,
    transitions,
    until_status,
    wait_parked,
)
from tests.integration.payouts_support import announce_paid, paid_order, stripe_client

if TYPE_CHECKING:
    from local.runtime import LocalCloud


@pytest.fixture
def admin(make_user):
    """An admin of the test's own (the session's token may not outlive the clock's jumps)."""
    return make_user(groups=("buyer", "admin"))


@pytest.fixture
def sale(cloud: LocalCloud, make_user, pg_url: str, pg_clean, unique: str):
    return a_sale(cloud, make_user, pg_url, unique)


def test_given_an_item_never_shipped_when_the_seller_refunds_then_money_back_and_the_payout_stopped(
    cloud: LocalCloud, sale, pg_url: str
) -> None:
    # Given a paid order the seller never ships, past its estimated delivery date
    wait_parked(cloud, f"shipment:{sale.order_id}")
    early = call(
        cloud,
        "POST",
        f"/orders/{sale.order_id}/cases",
        token=sale.buyer.id_token,
        json={"reason": "item_not_received", "description": "Nothing arrived at all."},
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "CASE_TOO_EARLY", early.text
    cloud.clock.advance(15 * DAY)
    # When the buyer opens a case: 201, the seller's deadline, the payout held at once
    case = open_case(cloud, sale, "item_not_received")
    assert case["status"] == "awaiting_seller" and case["respond_by"] == case["deadline_at"]
    assert (
        case["waiting_for"] == "seller"
        and case["order_total"]["amount"] == sale.paid.order.gross.amount_minor
    )
    assert payout_row(pg_url, sale.order_id)["status"] == "held"
    # And the seller refunds in full
    act(cloud, sale.seller, case["case_id"], "respond", {"action": "full_refund", "message": "Sorry!"})
    # Then the case closes refunded, through its machine
    output = finished(cloud, case_arn(cloud, case["case_id"]))
    assert output["closed"] == {"outcome": "refunded"}
    closed = case_of(cloud, sale.buyer, case["case_id"])
    assert (closed["status"], closed["outcome"]) == ("closed", "refunded")
    assert [e["action"] for e in closed["timeline"]] == ["opened", "full_refund", "refunded"]
    # ... the buyer has the money back at Stripe
    refund = stripe_client(cloud).v1.refunds.retrieve(closed["refund_id"])
    assert (refund.amount, refund.status) == (sale.paid.order.gross.amount_minor, "succeeded")
    # ... the payout stopped (its wait for shipment resumed by the refund) and nothing was sent
    assert path(cloud, payout_arn(cloud, sale.order_id))[-1] == "Stop Payout"
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "refund", "refund_paid"]
    assert (totals.refunds, totals.seller_net, totals.fees, totals.transferred) == (
        sale.paid.order.gross.amount_minor,
        0,
        0,
        0,
    )
    order = call(cloud, "GET", f"/orders/{sale.order_id}", token=sale.buyer.id_token).json()
    assert order["status"] == "refunded"
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case["case_id"])) == 11


def test_given_not_as_described_when_the_return_is_shipped_and_received_then_the_buyer_is_refunded(
    cloud: LocalCloud, sale, pg_url: str
) -> None:
    # Given a shipped order and a case on it
    shipped(cloud, sale)
    case = open_case(cloud, sale, "not_as_described", image_ids=["img-1"])
    case_id = case["case_id"]
    # When the seller accepts a return, the buyer ships it back and the seller confirms receipt
    accepted = act(cloud, sale.seller, case_id, "respond", {"action": "accept_return"})
    assert accepted["status"] == "awaiting_return_shipment" and accepted["waiting_for"] == "buyer"
    wait_parked(cloud, f"case:{case_id}")
    ship = {"carrier": "UPS", "tracking_number": "1Z999AA1"}
    sent = act(cloud, sale.buyer, case_id, "return-shipment", ship)
    assert sent["return_shipment"]["tracking_number"] == "1Z999AA1"
    assert act(cloud, sale.buyer, case_id, "return-shipment", ship) == sent  # a retry: the same answer
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.seller, case_id, "confirm-return")
    # Then the buyer is refunded in full and the case closed
    finished(cloud, case_arn(cloud, case_id))
    closed = case_of(cloud, sale.seller, case_id)
    assert (closed["status"], closed["outcome"]) == ("closed", "refunded")
    assert [e["action"] for e in closed["timeline"]] == [
        "opened",
        "accept_return",
        "return_shipped",
        "return_received",
        "refunded",
    ]
    assert path(cloud, case_arn(cloud, case_id)) == [
        "Check Case",
        "Case Stage?",
        "Wait For Seller",
        "Check Case",
        "Case Stage?",
        "Wait For Return Shipment",
        "Check Case",
        "Case Stage?",
        "Wait For Return Receipt",
        "Check Case",
        "Case Stage?",
        "Refund Buyer",
        "Check Case",
        "Case Stage?",
        "Close Case",
        "Case Closed",
    ]
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "refund", "refund_paid"]
    assert totals.refunds == sale.paid.order.gross.amount_minor
    # ... and the payout, which waited for the delivery, stopped: nothing was sent
    assert finished(cloud, payout_arn(cloud, sale.order_id)) is not None
    assert path(cloud, payout_arn(cloud, sale.order_id))[-1] == "Stop Payout"
    assert payout_row(pg_url, sale.order_id)["status"] == "stopped"
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case_id)) == 17


def test_given_a_seller_silent_past_the_deadline_when_the_buyer_escalates_then_an_admin_refunds(
    cloud: LocalCloud, sale, pg_url: str, admin
) -> None:
    shipped(cloud, sale)
    case = open_case(cloud, sale, "damaged")
    case_id = case["case_id"]
    # escalating before the seller's deadline is not allowed
    act(cloud, sale.buyer, case_id, "escalate", {"message": "no answer"}, status=409)
    # When the seller's business days pass on the virtual clock
    to_deadline(cloud, case)
    silent = until_status(cloud, sale.buyer, case_id, "awaiting_escalation")
    assert silent["timeline"][-1]["action"] == "seller_did_not_respond"
    wait_parked(cloud, f"case:{case_id}")
    # And the buyer escalates: the case waits for an admin, listed for them
    escalated = act(cloud, sale.buyer, case_id, "escalate", {"message": "The seller never answered."})
    assert escalated["status"] == "escalated" and escalated["waiting_for"] == "admin"
    waiting = call(cloud, "GET", "/admin/cases", token=admin.id_token, params={"status": "escalated"})
    assert waiting.status_code == 200, waiting.text
    assert case_id in [c["case_id"] for c in waiting.json()["items"]]
    wait_parked(cloud, f"case:{case_id}")
    decision = call(
        cloud,
        "POST",
        f"/admin/cases/{case_id}/decision",
        token=admin.id_token,
        json={"outcome": "refund_buyer", "note": "Damaged in transit, photos attached."},
    )
    assert decision.status_code == 200, decision.text
    # Then the buyer is refunded in full
    finished(cloud, case_arn(cloud, case_id))
    closed = case_of(cloud, sale.buyer, case_id)
    assert closed["outcome"] == "refunded"
    assert [e["role"] for e in closed["timeline"]] == ["buyer", "system", "buyer", "admin", "system"]
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "refund", "refund_paid"]
    assert totals.seller_net == 0
    # the admins were told of the escalation
    cloud.wait_until(
        lambda: any(
            case_id in (m.subject or "") for m in cloud.outbox.list(to="admin@resale.local", channel="email")
        ),
        what="the admins' email",
    )
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case_id)) == 17


def test_given_a_decline_when_an_admin_closes_for_the_seller_then_the_payout_goes_ahead(
    cloud: LocalCloud, sale, pg_url: str, admin
) -> None:
    shipped(cloud, sale)
    case = open_case(cloud, sale, "wrong_item")
    case_id = case["case_id"]
    assert payout_row(pg_url, sale.order_id)["status"] == "held"
    declined = act(
        cloud, sale.seller, case_id, "respond", {"action": "decline", "message": "It is the listed item."}
    )
    assert declined["status"] == "awaiting_escalation"
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.buyer, case_id, "escalate")
    wait_parked(cloud, f"case:{case_id}")
    decision = call(
        cloud,
        "POST",
        f"/admin/cases/{case_id}/decision",
        token=admin.id_token,
        json={"outcome": "close_for_seller", "note": "The photos show the listed item."},
    )
    assert decision.status_code == 200, decision.text
    assert finished(cloud, case_arn(cloud, case_id))["closed"] == {"outcome": "closed_for_seller"}
    # When the delivery is confirmed, the payout's holds are looked at again: no open case now
    confirmed(cloud, sale)
    # Then the seller is paid out in full: no refund, the transfer in the ledger
    output = finished(cloud, payout_arn(cloud, sale.order_id))
    assert output["transfer"]["amount"] == sale.paid.order.seller_net.amount_minor
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "transfer"]
    assert totals.transferred == sale.paid.order.seller_net.amount_minor
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case_id)) == 14


def test_given_a_seller_paid_out_when_the_buyer_is_refunded_then_the_transfer_is_reversed(
    cloud: LocalCloud, sale, pg_url: str
) -> None:
    # Given a delivered order whose payout went out (its holds served)
    delivered(cloud, sale)
    paid_out = finished(cloud, payout_arn(cloud, sale.order_id))
    transfer_id = paid_out["transfer"]["transfer_id"]
    # When the buyer opens a case and the seller refunds in full
    case = open_case(cloud, sale, "not_as_described")
    act(cloud, sale.seller, case["case_id"], "respond", {"action": "full_refund"})
    output = finished(cloud, case_arn(cloud, case["case_id"]))
    # Then the seller's net is taken back from their connected account
    net = sale.paid.order.seller_net.amount_minor
    assert (output["refund"]["reversed"], output["refund"]["debt"]) == (net, 0)
    transfer = stripe_client(cloud).v1.transfers.retrieve(transfer_id)
    assert transfer.amount_reversed == net
    cloud.settle()  # Stripe's transfer.reversed reaches the transfers' consumer: nothing twice
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "transfer", "reversal", "refund", "refund_paid"]
    assert (totals.transferred, totals.seller_net, totals.refunds) == (
        0,
        0,
        sale.paid.order.gross.amount_minor,
    )
    # ... and reconciliation finds the ledger and Stripe agreeing on the refund and the reversal
    (reversal,) = transfer.reversals.data
    assert reconciled(cloud, pg_url, output["refund"]["refund_id"], reversal.id, transfer_id) == []


def test_given_a_partial_refund_when_the_buyer_accepts_then_the_seller_is_paid_the_rest(
    cloud: LocalCloud, sale, pg_url: str
) -> None:
    shipped(cloud, sale)
    case = open_case(cloud, sale, "damaged")
    case_id = case["case_id"]
    gross = sale.paid.order.gross.amount_minor
    too_much = act(
        cloud,
        sale.seller,
        case_id,
        "respond",
        {"action": "partial_refund", "amount": {"amount": gross, "currency": "USD"}},
        status=400,
    )
    assert too_much["error"]["code"] == "CASE_INVALID_AMOUNT"
    offer = {
        "action": "partial_refund",
        "amount": {"amount": 500, "currency": "USD"},
        "message": "A scratch?",
    }
    offered = act(cloud, sale.seller, case_id, "respond", offer)
    assert offered["status"] == "awaiting_buyer" and offered["offer"] == {"amount": 500, "currency": "USD"}
    # the seller cannot answer the offer for the buyer
    act(cloud, sale.seller, case_id, "answer-offer", {"accept": True}, status=403)
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.buyer, case_id, "answer-offer", {"accept": True})
    output = finished(cloud, case_arn(cloud, case_id))
    assert output["closed"] == {"outcome": "partially_refunded"}
    assert output["refund"]["amount"] == 500
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "refund", "refund_paid"]
    assert totals.refunds == 500
    # Then, once delivered, the payout sends what is left of the seller's net
    confirmed(cloud, sale)
    paid_out = finished(cloud, payout_arn(cloud, sale.order_id))
    assert paid_out["transfer"]["amount"] == totals.seller_net < sale.paid.order.seller_net.amount_minor
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "refund", "refund_paid", "transfer"]
    assert totals.transferred == totals.seller_net
    order = call(cloud, "GET", f"/orders/{sale.order_id}", token=sale.buyer.id_token).json()
    assert order["status"] == "delivered"
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case_id)) == 14


def test_given_a_stranger_then_404_on_every_case_route_and_the_other_party_403(
    cloud: LocalCloud, sale, make_user
) -> None:
    stranger = make_user(groups=("buyer", "seller"))
    shipped(cloud, sale)
    as_stranger = call(
        cloud,
        "POST",
        f"/orders/{sale.order_id}/cases",
        token=stranger.id_token,
        json={"reason": "damaged", "description": "Not my order at all."},
    )
    assert as_stranger.status_code == 404 and as_stranger.json()["error"]["code"] == "ORDER_NOT_FOUND"
    as_seller = call(
        cloud,
        "POST",
        f"/orders/{sale.order_id}/cases",
        token=sale.seller.id_token,
        json={"reason": "damaged", "description": "The seller opening a case."},
    )
    assert as_seller.status_code == 403 and as_seller.json()["error"]["code"] == "CASE_ONLY_THE_BUYER"
    case = open_case(cloud, sale, "damaged")
    case_id = case["case_id"]
    again = call(
        cloud,
        "POST",
        f"/orders/{sale.order_id}/cases",
        token=sale.buyer.id_token,
        json={"reason": "wrong_item", "description": "A second case on the order."},
    )
    assert again.status_code == 409 and again.json()["error"]["details"]["case_id"] == case_id
    routes = [
        ("GET", f"/cases/{case_id}", None),
        ("POST", f"/cases/{case_id}/respond", {"action": "full_refund"}),
        ("POST", f"/cases/{case_id}/answer-offer", {"accept": True}),
        ("POST", f"/cases/{case_id}/return-shipment", {"carrier": "UPS", "tracking_number": "1Z999"}),
        ("POST", f"/cases/{case_id}/confirm-return", None),
        ("POST", f"/cases/{case_id}/escalate", {}),
        ("POST", f"/cases/{case_id}/close", {}),
    ]
    for method, route, body in routes:
        response = call(cloud, method, route, token=stranger.id_token, json=body)
        assert response.status_code == 404, (route, response.text)
        assert response.json()["error"]["code"] == "CASE_NOT_FOUND"
    # the admins' routes are the admins'
    for method, route, body in (
        ("GET", "/admin/cases", None),
        ("POST", f"/admin/cases/{case_id}/decision", {"outcome": "close_for_seller", "note": "mine"}),
        ("GET", f"/admin/sellers/{sale.seller.user_id}/cases", None),
    ):
        assert call(cloud, method, route, token=sale.buyer.id_token, json=body).status_code == 403
    # the other party is refused the other's actions
    assert (
        call(
            cloud, "POST", f"/cases/{case_id}/respond", token=sale.buyer.id_token, json={"action": "decline"}
        ).status_code
        == 403
    )
    assert (
        call(cloud, "POST", f"/cases/{case_id}/close", token=sale.seller.id_token, json={}).status_code == 403
    )
    assert call(cloud, "GET", f"/cases/{case_id}").status_code == 401
    # the parties list it, each on their side
    mine = call(cloud, "GET", "/me/cases", token=sale.buyer.id_token).json()["items"]
    theirs = call(cloud, "GET", "/me/cases", token=sale.seller.id_token, params={"role": "seller"}).json()[
        "items"
    ]
    assert [c["case_id"] for c in mine] == [case_id] == [c["case_id"] for c in theirs]
    assert call(cloud, "GET", "/me/cases", token=stranger.id_token).json() == {
        "items": [],
        "next_cursor": None,
    }
    # and the buyer closes it: the seller's favour
    wait_parked(cloud, f"case:{case_id}")
    closed = act(cloud, sale.buyer, case_id, "close", {"message": "It turned up."})
    assert (closed["status"], closed["outcome"]) == ("closed", "closed_by_buyer")
    assert finished(cloud, case_arn(cloud, case_id))["closed"] == {"outcome": "closed_by_buyer"}
    # the Standard transitions this path is billed for (the start and each state entered)
    assert transitions(cloud, case_arn(cloud, case_id)) == 8


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "changed_my_mind", "description": "I do not want it any more."},
        {"reason": "damaged", "description": "short"},
        {"reason": "damaged", "description": "Long enough text.", "extra": 1},
        {"reason": "damaged", "description": "Long enough text.", "image_ids": ["a"] * 11},
    ],
)
def test_given_a_bad_case_then_400(cloud: LocalCloud, sale, body) -> None:
    response = call(cloud, "POST", f"/orders/{sale.order_id}/cases", token=sale.buyer.id_token, json=body)
    assert response.status_code == 400, response.text


def test_given_a_seller_who_spent_the_payout_when_refunded_in_part_then_a_debt_repaid_by_the_next_sale(
    cloud: LocalCloud, sale, pg_url: str, unique: str
) -> None:
    # Given a seller paid out, who then paid their whole Stripe balance out to their bank
    delivered(cloud, sale)
    finished(cloud, payout_arn(cloud, sale.order_id))
    cloud.clock.advance(3 * DAY)  # the transfer's funds become available
    client = stripe_client(cloud)
    balance = client.v1.balance.retrieve(options={"stripe_account": sale.account})
    (usd,) = [b for b in balance.available if b.currency == "usd"]
    client.v1.payouts.create(
        {"amount": usd.amount, "currency": "usd"}, options={"stripe_account": sale.account}
    )
    # When a case ends with a partial refund the buyer accepts
    case = open_case(cloud, sale, "damaged")
    offer = {"action": "partial_refund", "amount": {"amount": 1000, "currency": "USD"}}
    act(cloud, sale.seller, case["case_id"], "respond", offer)
    wait_parked(cloud, f"case:{case['case_id']}")
    act(cloud, sale.buyer, case["case_id"], "answer-offer", {"accept": True})
    output = finished(cloud, case_arn(cloud, case["case_id"]))
    # Then the refunded share of the net could not be reversed: it is the seller's debt
    refund = output["refund"]
    assert refund["amount"] == 1000 and refund["reversed"] == 0 and 0 < refund["debt"] < 1000
    kinds, totals = ledger(pg_url, sale.order_id)
    assert kinds == ["payment", "fee", "transfer", "seller_debt", "refund", "refund_paid"]
    assert totals.transferred == totals.seller_net == sale.paid.order.seller_net.amount_minor - refund["debt"]
    # When the seller sells again
    again = paid_order(
        cloud, pg_url, sale.buyer.user_id, sale.seller.user_id, checkout_id=f"co2-{unique}", n=1
    )
    announce_paid(cloud, again)
    second = type(sale)(sale.buyer, sale.seller, again, sale.account)
    delivered(cloud, second)
    # Then that payout repays the debt first and sends the rest
    paid_out = finished(cloud, payout_arn(cloud, again.order_id))
    net = again.order.seller_net.amount_minor
    assert paid_out["transfer"]["amount"] == net - refund["debt"]
    kinds, totals = ledger(pg_url, again.order_id)
    assert kinds == ["payment", "fee", "debt_recovered", "transfer"]
    assert totals.transferred == net
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(amount), 0) AS owed FROM ledger_postings WHERE account_code = %s",
            (f"seller_receivable:{sale.seller.user_id}",),
        ).fetchone()
    assert row is not None and row["owed"] == 0  # nothing owed any more, nothing recovered twice


def test_given_a_buyer_with_many_cases_then_flagged_for_the_admins_and_the_seller_rate_shown(
    cloud: LocalCloud, sale, pg_url: str, unique: str, admin
) -> None:
    # Given one buyer and one seller with three shipped orders
    sales = [sale]
    for n in (1, 2):
        more = paid_order(
            cloud, pg_url, sale.buyer.user_id, sale.seller.user_id, checkout_id=f"co{n}-{unique}", n=n
        )
        announce_paid(cloud, more)
        sales.append(type(sale)(sale.buyer, sale.seller, more, sale.account))
    for one in sales:
        shipped(cloud, one)
    # When the buyer opens a case on each: the third reaches the limit (3 in 90 days)
    opened = [open_case(cloud, one, "damaged")["case_id"] for one in sales]
    listed = call(
        cloud, "GET", "/admin/cases", token=admin.id_token, params={"status": "awaiting_seller", "limit": 100}
    )
    assert listed.status_code == 200, listed.text
    flags = {c["case_id"]: c["buyer_flagged"] for c in listed.json()["items"] if c["case_id"] in opened}
    # Then the admins see the buyer flagged on the case that crossed it, and were emailed
    assert flags == {opened[0]: False, opened[1]: False, opened[2]: True}
    cloud.wait_until(
        lambda: any(
            opened[2] in (m.subject or "") and "buyer flagged" in (m.subject or "")
            for m in cloud.outbox.list(to="admin@resale.local", channel="email")
        ),
        what="the admins' email about the flagged buyer",
    )
    # And the seller's case rate: three cases on three paid orders
    rate = call(cloud, "GET", f"/admin/sellers/{sale.seller.user_id}/cases", token=admin.id_token)
    assert rate.status_code == 200, rate.text
    assert rate.json() == {
        "seller_id": sale.seller.user_id,
        "period_days": 90,
        "cases": 3,
        "orders": 3,
        "case_rate_percent": "100.0",
    }
