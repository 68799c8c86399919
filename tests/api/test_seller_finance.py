"""GET /sellers/me/balance, /sellers/me/payouts, /sellers/me/reports/sales and the admin ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from tests.api.accounts_support import call
from tests.integration.payouts_support import PaidOrder, paid_order
from workflows.payouts.model import PayoutRecord
from workflows.shared.money import Money

if TYPE_CHECKING:
    from local.runtime import LocalCloud


@pytest.fixture
def sales(cloud: LocalCloud, make_user, pg_url: str, pg_conn, unique: str):
    """Three paid orders of one seller: one transferred, one payable, one awaiting delivery."""
    from adapters.postgres.payouts import books_factory
    from adapters.postgres.pool import make_pool
    from workflows.ledger import entries

    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    orders: list[PaidOrder] = [
        paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}", n=n)
        for n in range(3)
    ]
    pool = make_pool(pg_url)
    try:
        with books_factory(pool)() as books:
            for n, paid in enumerate(orders):
                books.payouts.add(
                    PayoutRecord(
                        order_id=paid.order_id,
                        seller_id=seller.user_id,
                        checkout_id=paid.order.checkout_id,
                        charge_id=paid.charge_id,
                        amount=paid.order.seller_net,
                        paid_at=datetime.now(UTC) + timedelta(seconds=n),
                    )
                )
            books.payouts.set_status(orders[1].order_id, "payable")
            entry = entries.transfer(orders[0].order.amounts(), "tr_test0", orders[0].order.seller_net)
            books.ledger.post(entry)
            books.payouts.add_transfer(
                "tr_test0", orders[0].order_id, entry.entry_id, orders[0].order.seller_net
            )
            books.payouts.mark_transferred(orders[0].order_id, "tr_test0", at=datetime.now(UTC))
    finally:
        pool.close()
    return buyer, seller, orders


def test_given_paid_orders_then_the_balance_splits_pending_available_and_paid_out(
    cloud: LocalCloud, sales
) -> None:
    buyer, seller, orders = sales
    net = orders[0].order.seller_net.amount_minor
    response = call(cloud, "GET", "/sellers/me/balance", token=seller.id_token)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "balances": [
            {
                "currency": "USD",
                "pending": {"amount": net, "currency": "USD"},
                "available": {"amount": net, "currency": "USD"},
                "paid_out": {"amount": net, "currency": "USD"},
            }
        ]
    }
    # a buyer who is not a seller may not ask
    assert call(cloud, "GET", "/sellers/me/balance", token=buyer.id_token).status_code == 403


def test_given_payouts_then_pages_newest_first(cloud: LocalCloud, sales) -> None:
    _, seller, orders = sales
    first = call(cloud, "GET", "/sellers/me/payouts", token=seller.id_token, params={"limit": 2}).json()
    assert [p["order_id"] for p in first["items"]] == [orders[2].order_id, orders[1].order_id]
    assert [p["status"] for p in first["items"]] == ["awaiting_delivery", "payable"]
    second = call(
        cloud,
        "GET",
        "/sellers/me/payouts",
        token=seller.id_token,
        params={"limit": 2, "cursor": first["next_cursor"]},
    ).json()
    assert [(p["order_id"], p["transfer_id"]) for p in second["items"]] == [(orders[0].order_id, "tr_test0")]
    assert second["next_cursor"] is None
    bad = call(cloud, "GET", "/sellers/me/payouts", token=seller.id_token, params={"cursor": "bm9wZQ"})
    assert bad.status_code == 400


def test_given_a_period_then_the_sales_report_adds_up(cloud: LocalCloud, sales) -> None:
    _, seller, orders = sales
    now = datetime.now(UTC)
    params = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}
    report = call(cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params=params)
    assert report.status_code == 200, report.text
    body = report.json()
    gross = sum(o.order.gross.amount_minor for o in orders)
    fees = sum(o.order.fee_total.amount_minor for o in orders)
    [usd] = body["totals"]
    assert (usd["currency"], usd["orders"]) == ("USD", 3)
    assert (usd["gross"]["amount"], usd["fees"]["amount"], usd["refunds"]["amount"]) == (gross, fees, 0)
    assert usd["net"] == {"amount": gross - fees, "currency": "USD"}
    empty = {"from": (now - timedelta(days=3)).isoformat(), "to": (now - timedelta(days=2)).isoformat()}
    assert (
        call(cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params=empty).json()["totals"]
        == []
    )
    backwards = {"from": params["to"], "to": params["from"]}
    bad = call(cloud, "GET", "/sellers/me/reports/sales", token=seller.id_token, params=backwards)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_REPORT_RANGE"


def test_given_an_order_then_only_admins_read_its_ledger(cloud: LocalCloud, sales, admin) -> None:
    _, seller, orders = sales
    path = f"/admin/orders/{orders[0].order_id}/ledger"
    assert call(cloud, "GET", path, token=seller.id_token).status_code == 403
    body = call(cloud, "GET", path, token=admin.id_token).json()
    assert body["balanced"] is True and body["settled_correctly"] is True
    assert [e["kind"] for e in body["entries"]] == ["payment", "fee", "transfer"]
    assert body["totals"]["transferred"] == orders[0].order.seller_net.amount_minor
    assert call(cloud, "GET", "/admin/orders/no-such-order/ledger", token=admin.id_token).status_code == 404
    assert Money(body["totals"]["charged"], "USD") == orders[0].order.gross
