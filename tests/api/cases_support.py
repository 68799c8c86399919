"""What the cases' API tests share: a paid order with its payout running, the case's execution,
the ledger as the admins read it, and the virtual clock moved to a case's deadline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from adapters.postgres.ledger import PostgresLedger
from tests.api.accounts_support import call
from tests.integration.payouts_support import (
    PaidOrder,
    add_seller_account,
    announce_paid,
    onboarded_account,
    paid_order,
    stripe_client,
)
from workflows.ledger.invariants import OrderTotals, order_is_settled_correctly

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

SHIP = {"carrier": "USPS", "tracking_number": "9400 1000 0000"}
DAY = 86_400


@dataclass
class Sale:
    buyer: TestUser
    seller: TestUser
    paid: PaidOrder
    account: str

    @property
    def order_id(self) -> str:
        return self.paid.order_id


def a_sale(
    cloud: LocalCloud,
    make_user: Any,
    pg_url: str,
    unique: str,
    *,
    announce: bool = True,
    payment_method: str = "pm_card_visa",
) -> Sale:
    """A paid order of a seller with a Connect account, its payout execution started."""
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    paid = paid_order(
        cloud,
        pg_url,
        buyer.user_id,
        seller.user_id,
        checkout_id=f"co-{unique}",
        payment_method=payment_method,
    )
    account = onboarded_account(stripe_client(cloud), seller.user_id)
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        add_seller_account(conn, seller.user_id, account)
    if announce:
        announce_paid(cloud, paid)
    return Sale(buyer, seller, paid, account)


def shipped(cloud: LocalCloud, sale: Sale) -> None:
    """The seller ships: the payout then waits for the delivery (a task token)."""
    wait_parked(cloud, f"shipment:{sale.order_id}")
    response = call(cloud, "POST", f"/orders/{sale.order_id}/ship", token=sale.seller.id_token, json=SHIP)
    assert response.status_code == 200, response.text
    wait_parked(cloud, f"delivery:{sale.order_id}")


def confirmed(cloud: LocalCloud, sale: Sale) -> None:
    """The buyer confirms the delivery. On the virtual clock a Wait state takes no time, so the
    payout's holds are served at once: with no open case the seller is paid right away."""
    response = call(cloud, "POST", f"/orders/{sale.order_id}/confirm-delivery", token=sale.buyer.id_token)
    assert response.status_code == 200, response.text


def delivered(cloud: LocalCloud, sale: Sale) -> None:
    shipped(cloud, sale)
    confirmed(cloud, sale)


def wait_parked(cloud: LocalCloud, correlation_id: str) -> None:
    aws, provisioned = cloud.started()
    table = provisioned.names[("table", "task-tokens")]

    def waiting() -> bool:
        item = (
            aws.client("dynamodb")
            .get_item(TableName=table, Key={"correlation_id": {"S": correlation_id}}, ConsistentRead=True)
            .get("Item")
        )
        return bool(item and "task_token" in item)

    cloud.wait_until(waiting, what=f"a task token parked under {correlation_id}")


def open_case(
    cloud: LocalCloud, sale: Sale, reason: str = "not_as_described", **extra: Any
) -> dict[str, Any]:
    body = {"reason": reason, "description": "It is not what the listing showed.", **extra}
    response = call(cloud, "POST", f"/orders/{sale.order_id}/cases", token=sale.buyer.id_token, json=body)
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    wait_parked(cloud, f"case:{case['case_id']}")
    return case


def act(
    cloud: LocalCloud, user: TestUser, case_id: str, action: str, body: Any = None, status: int = 200
) -> dict[str, Any]:
    """An action on a case; then, unless the case closed, until its machine waits again."""
    response = call(cloud, "POST", f"/cases/{case_id}/{action}", token=user.id_token, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


def case_of(cloud: LocalCloud, user: TestUser, case_id: str) -> dict[str, Any]:
    response = call(cloud, "GET", f"/cases/{case_id}", token=user.id_token)
    assert response.status_code == 200, response.text
    return dict(response.json())


def until_status(cloud: LocalCloud, user: TestUser, case_id: str, *statuses: str) -> dict[str, Any]:
    found: dict[str, Any] = {}

    def there() -> bool:
        found.update(case_of(cloud, user, case_id))
        return found["status"] in statuses

    cloud.wait_until(there, timeout_s=20, what=f"case {case_id} {statuses}")
    return found


def case_arn(cloud: LocalCloud, case_id: str) -> str:
    _, provisioned = cloud.started()
    return (
        provisioned.state_machine_arn("case_resolution").replace(":stateMachine:", ":execution:")
        + f":case-{case_id}"
    )


def payout_arn(cloud: LocalCloud, order_id: str) -> str:
    _, provisioned = cloud.started()
    return (
        provisioned.state_machine_arn("payout").replace(":stateMachine:", ":execution:")
        + f":payout-{order_id}"
    )


def history(cloud: LocalCloud, arn: str) -> list[dict[str, Any]]:
    aws, _ = cloud.started()
    sfn = aws.client("stepfunctions")
    return list(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])


def path(cloud: LocalCloud, arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in history(cloud, arn) if "stateEnteredEventDetails" in e
    ]


def transitions(cloud: LocalCloud, arn: str) -> int:
    """State transitions as Step Functions bills a Standard execution: the start and each state entered."""
    return len(path(cloud, arn)) + 1


def finished(cloud: LocalCloud, arn: str) -> dict[str, Any]:
    result = cloud.aws.wait_for_execution(arn)
    assert result["status"] == "SUCCEEDED", result
    return dict(json.loads(result["output"]))


def to_deadline(cloud: LocalCloud, case: dict[str, Any], extra_s: float = 60) -> None:
    """Move the virtual clock past the case's current deadline."""
    deadline = datetime.fromisoformat(case["deadline_at"].replace("Z", "+00:00")).timestamp()
    cloud.clock.advance(max(deadline - cloud.clock.now(), 0) + extra_s)


def ledger(pg_url: str, order_id: str) -> tuple[list[str], OrderTotals]:
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        found = PostgresLedger(conn).entries_for_order(order_id)
    assert order_is_settled_correctly(found), [(e.kind, e.postings) for e in found]
    return [e.kind for e in found], OrderTotals.of(found)


def payout_row(pg_url: str, order_id: str) -> dict[str, Any]:
    with psycopg.connect(pg_url, row_factory=dict_row) as conn:
        row = conn.execute("SELECT * FROM payouts WHERE order_id = %s", (order_id,)).fetchone()
    assert row is not None
    return dict(row)


def reconciled(cloud: LocalCloud, pg_url: str, *stripe_ids: str) -> list[Any]:
    """The ledger against Stripe around now: the differences that name any of ``stripe_ids``."""
    from datetime import UTC, timedelta

    from adapters.postgres.pool import make_pool
    from adapters.postgres.reconciliation import PostgresReconciliationSide
    from adapters.stripe.reconciliation import StripeReconciliationSide
    from workflows.payouts.reconciliation import Window, reconcile

    now = datetime.fromtimestamp(cloud.clock.now(), UTC)
    window = Window(now - timedelta(days=2), now + timedelta(hours=1))
    pool = make_pool(pg_url)
    try:
        report = reconcile(
            PostgresReconciliationSide(pool),
            StripeReconciliationSide(stripe_client(cloud)),
            window=window,
            now=now,
        )
    finally:
        pool.close()
    assert report.refunds_checked and report.reversals_checked, report.as_dict()
    return [d for d in report.differences if d.stripe_id in stripe_ids]
