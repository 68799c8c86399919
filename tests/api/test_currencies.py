"""Currencies over HTTP: a listing is priced in a currency the fee schedule in effect covers, a cart
in several currencies is refused at POST /checkout, and a seller's money is told per currency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from adapters.postgres.orders import PostgresOrders
from adapters.postgres.payouts import PostgresPayouts
from tests.api.accounts_support import call
from tests.e2e.checkout_support import add_address, make_category, post_checkout, put_in_cart
from tests.fixtures.users import create_user
from tests.integration.payouts_support import add_user
from tests.unit.orders.builders import an_order
from tests.workflows.fees_support import seed_launch_schedule
from workflows.ledger import entries
from workflows.payouts.model import PayoutRecord
from workflows.shared.ids import derived_id

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser
    from workflows.orders.model import OrderRecord

T = 15
LAUNCH = ["EUR", "GBP", "USD"]  # the currencies of the launch fee schedule (migration 0030)


@pytest.fixture(autouse=True)
def launch_schedule(pg_url: str) -> None:
    """Given the launch fee schedule in effect (other tests' clean-ups truncate it)."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)


def listing_body(category: dict[str, Any], currency: str, *, amount: int = 2500) -> dict[str, Any]:
    return {
        "title": f"Priced in {currency}",
        "description": "For the currency tests",
        "category_id": category["id"],
        "condition": "used_good",
        "item_specifics": [],
        "price": {"amount": amount, "currency": currency},
        "quantity": 1,
        "shipping_options": [
            {"service": "Ground", "price": {"amount": 500, "currency": currency}, "estimated_days": 5}
        ],
        "format": "fixed_price",
    }


def post_listing(cloud: LocalCloud, seller: TestUser, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{cloud.api_url}/listings", json=body, headers=seller.headers, timeout=T)


# -- listings


@pytest.mark.parametrize("currency", ["JPY", "CAD"])
def test_given_a_currency_the_fee_schedule_does_not_cover_then_the_listing_is_refused_with_the_list(
    cloud: LocalCloud, admin: TestUser, make_user, currency: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    category = make_category(cloud, admin)
    refused = post_listing(cloud, seller, listing_body(category, currency))
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["code"] == "CURRENCY_NOT_SUPPORTED"
    assert error["details"] == {"currency": currency, "supported": LAUNCH}
    assert currency in error["message"]
    # nothing was listed
    mine = requests.get(f"{cloud.api_url}/sellers/{seller.user_id}/listings", timeout=T).json()
    assert mine["items"] == []


def test_given_a_listing_when_its_price_moves_to_an_uncovered_currency_then_the_change_is_refused(
    cloud: LocalCloud, admin: TestUser, make_user
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    created = post_listing(cloud, seller, listing_body(make_category(cloud, admin), "GBP"))
    assert created.status_code == 201, created.text
    url = f"{cloud.api_url}/listings/{created.json()['id']}"
    to_cad = {
        "price": {"amount": 4000, "currency": "CAD"},
        "shipping_options": [
            {"service": "Ground", "price": {"amount": 500, "currency": "CAD"}, "estimated_days": 5}
        ],
    }
    refused = requests.patch(url, json=to_cad, headers=seller.headers, timeout=T)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["code"] == "CURRENCY_NOT_SUPPORTED"
    assert refused.json()["error"]["details"]["supported"] == LAUNCH
    assert requests.get(url, timeout=T).json()["price"] == {"amount": 2500, "currency": "GBP"}
    # a covered currency is fine
    to_eur = {
        "price": {"amount": 4000, "currency": "EUR"},
        "shipping_options": [
            {"service": "Ground", "price": {"amount": 500, "currency": "EUR"}, "estimated_days": 5}
        ],
    }
    changed = requests.patch(url, json=to_eur, headers=seller.headers, timeout=T)
    assert changed.status_code == 200, changed.text
    assert changed.json()["price"] == {"amount": 4000, "currency": "EUR"}


def test_given_the_openapi_document_then_the_routes_name_the_currency_errors(
    cloud: LocalCloud,
) -> None:
    document = requests.get(f"{cloud.api_url}/openapi.json", timeout=T).json()
    for method in ("post", "patch"):
        path = "/listings" if method == "post" else "/listings/{listing_id}"
        described = document["paths"][path][method]["responses"]["400"]["description"]
        assert "CURRENCY_NOT_SUPPORTED" in described, (method, described)
    conflicts = document["paths"]["/checkout"]["post"]["responses"]["409"]["description"]
    assert "CART_MIXED_CURRENCIES" in conflicts


# -- checkout


def test_given_a_cart_in_two_currencies_then_checkout_is_refused_before_anything_starts(
    cloud: LocalCloud, admin: TestUser
) -> None:
    category = make_category(cloud, admin)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    in_usd = post_listing(cloud, seller, listing_body(category, "USD"))
    in_eur = post_listing(cloud, seller, listing_body(category, "EUR"))
    assert in_usd.status_code == in_eur.status_code == 201, (in_usd.text, in_eur.text)
    put_in_cart(cloud, buyer, in_usd.json()["id"])
    put_in_cart(cloud, buyer, in_eur.json()["id"])
    key = f"mixed-{uuid.uuid4().hex[:8]}"
    refused = post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)}, key=key)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "CART_MIXED_CURRENCIES"
    assert error["details"] == {
        "currencies": [
            {"currency": "EUR", "listing_ids": [in_eur.json()["id"]]},
            {"currency": "USD", "listing_ids": [in_usd.json()["id"]]},
        ]
    }
    # no checkout was recorded and no execution started
    checkout_id = derived_id("checkout", buyer.user_id, key)
    missing = requests.get(f"{cloud.api_url}/checkouts/{checkout_id}", headers=buyer.headers, timeout=T)
    assert missing.status_code == 404
    aws, provisioned = cloud.started()
    machine = provisioned.state_machine_arn("checkout")
    names = [
        e["name"]
        for page in aws.client("stepfunctions")
        .get_paginator("list_executions")
        .paginate(stateMachineArn=machine)
        for e in page["executions"]
    ]
    assert checkout_id not in names


# -- a seller's money


def _sale(
    pg_url: str, buyer_id: str, seller_id: str, currency: str, *, n: int, payout_status: str | None
) -> OrderRecord:
    """A paid order in ``currency`` with its payment and fee entries and its payout; "transferred"
    posts the transfer entry too."""
    order = an_order(
        buyer_id,
        seller_id,
        checkout_id=f"co-{uuid.uuid4().hex[:8]}",
        n=n,
        currency=currency,
        unit_price=1000 * (n + 1),
    )
    now = datetime.now(UTC)
    with psycopg.connect(pg_url, row_factory=dict_row) as conn, conn.transaction():
        add_user(conn, buyer_id)
        add_user(conn, seller_id)
        PostgresOrders(conn).add(order)
        ledger = PostgresLedger(conn)
        ledger.post(entries.payment_captured(order.amounts(), f"ch_{order.order_id[:8]}"))
        ledger.post(entries.fee_recognized(order.amounts()))
        payouts = PostgresPayouts(conn)
        payouts.add(
            PayoutRecord(
                order_id=order.order_id,
                seller_id=seller_id,
                checkout_id=order.checkout_id,
                charge_id=f"ch_{order.order_id[:8]}",
                amount=order.seller_net,
                paid_at=now + timedelta(seconds=n),
            )
        )
        if payout_status == "payable":
            payouts.set_status(order.order_id, "payable")
        elif payout_status == "transferred":
            transfer_id = f"tr_{order.order_id[:8]}"
            entry = entries.transfer(order.amounts(), transfer_id, order.seller_net)
            ledger.post(entry)
            payouts.add_transfer(transfer_id, order.order_id, entry.entry_id, order.seller_net)
            payouts.mark_transferred(order.order_id, transfer_id, at=now)
    return order


@pytest.fixture
def two_currencies(cloud: LocalCloud, make_user, pg_url: str, pg_clean: None):
    """A seller with GBP sales (one awaiting delivery, one paid out) and a USD sale (payable)."""
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    gbp_waiting = _sale(pg_url, buyer.user_id, seller.user_id, "GBP", n=0, payout_status=None)
    gbp_paid_out = _sale(pg_url, buyer.user_id, seller.user_id, "GBP", n=1, payout_status="transferred")
    usd_payable = _sale(pg_url, buyer.user_id, seller.user_id, "USD", n=2, payout_status="payable")
    return seller, (gbp_waiting, gbp_paid_out, usd_payable)


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def test_given_sales_in_two_currencies_then_the_balance_has_one_entry_per_currency(
    cloud: LocalCloud, two_currencies
) -> None:
    seller, (waiting, paid_out, payable) = two_currencies
    response = call(cloud, "GET", "/sellers/me/balance", token=seller.id_token)
    assert response.status_code == 200, response.text
    gbp = {
        "currency": "GBP",
        "pending": money(waiting.seller_net.amount_minor, "GBP"),
        "available": money(0, "GBP"),
        "paid_out": money(paid_out.seller_net.amount_minor, "GBP"),
    }
    usd = {
        "currency": "USD",
        "pending": money(0, "USD"),
        "available": money(payable.seller_net.amount_minor, "USD"),
        "paid_out": money(0, "USD"),
    }
    assert response.json() == {"balances": [gbp, usd]}
    only = call(cloud, "GET", "/sellers/me/balance", token=seller.id_token, params={"currency": "GBP"})
    assert only.json() == {"balances": [gbp]}
    none = call(cloud, "GET", "/sellers/me/balance", token=seller.id_token, params={"currency": "EUR"})
    assert none.json() == {"balances": []}
    unknown = call(cloud, "GET", "/sellers/me/balance", token=seller.id_token, params={"currency": "XXX"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "INVALID_CURRENCY"


def test_given_sales_in_two_currencies_then_the_report_adds_up_each_currency_apart(
    cloud: LocalCloud, two_currencies
) -> None:
    seller, (waiting, paid_out, payable) = two_currencies
    now = datetime.now(UTC)
    params = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}
    report = call(cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params=params)
    assert report.status_code == 200, report.text

    def totals(currency: str, *orders: OrderRecord) -> dict[str, Any]:
        gross = sum(o.gross.amount_minor for o in orders)
        fees = sum(o.fee_total.amount_minor for o in orders)
        return {
            "currency": currency,
            "orders": len(orders),
            "gross": money(gross, currency),
            "fees": money(fees, currency),
            "refunds": money(0, currency),
            "net": money(gross - fees, currency),
        }

    assert report.json()["totals"] == [totals("GBP", waiting, paid_out), totals("USD", payable)]
    usd = call(
        cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params={**params, "currency": "USD"}
    )
    assert usd.json()["totals"] == [totals("USD", payable)]


def test_given_payouts_in_two_currencies_then_each_carries_its_currency_and_the_list_filters(
    cloud: LocalCloud, two_currencies
) -> None:
    seller, (waiting, paid_out, payable) = two_currencies
    listed = call(cloud, "GET", "/sellers/me/payouts", token=seller.id_token).json()["items"]
    assert [(p["order_id"], p["amount"]) for p in listed] == [
        (o.order_id, money(o.seller_net.amount_minor, o.currency)) for o in (payable, paid_out, waiting)
    ]
    first = call(
        cloud, "GET", "/sellers/me/payouts", token=seller.id_token, params={"currency": "GBP", "limit": 1}
    ).json()
    assert [p["order_id"] for p in first["items"]] == [paid_out.order_id]
    second = call(
        cloud,
        "GET",
        "/sellers/me/payouts",
        token=seller.id_token,
        params={"currency": "GBP", "limit": 1, "cursor": first["next_cursor"]},
    ).json()
    assert [p["order_id"] for p in second["items"]] == [waiting.order_id]
    assert second["next_cursor"] is None
