"""The payout state machine on the local cloud, from statemachines/payout.json, end to end:

OrderPaid → payout-<order_id> → ship (API) → confirm delivery (API) or the auto-confirm window
(virtual clock) → the new seller's hold (a Wait state) → a Stripe transfer with
source_transaction → the ledger's transfer entry → the seller told. The ledger balances at every
step (read through GET /admin/orders/{id}/ledger). A cancellation before shipment stops it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from lambdas import wiring
from stacks.topology import TOPOLOGY
from tests.integration.payouts_support import (
    add_seller_account,
    announce_paid,
    onboarded_account,
    paid_order,
    stripe_client,
)

if TYPE_CHECKING:
    from local.runtime import LocalCloud

DAY = 86_400


@pytest.fixture
def admin(make_user):
    """An admin of the test's own: the session's may have outlived its token on the virtual clock."""
    return make_user(groups=("buyer", "admin"))


@pytest.fixture
def parties(cloud: LocalCloud, make_user, pg_conn, pg_url: str, unique: str):
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}")
    account = onboarded_account(stripe_client(cloud), seller.user_id)
    add_seller_account(pg_conn, seller.user_id, account)
    return buyer, seller, paid, account


class Answer:
    """An API answer from the handler itself (status and JSON body)."""

    def __init__(self, result: dict[str, Any]) -> None:
        self.status_code = int(result["statusCode"])
        self.text = result.get("body") or ""

    def json(self) -> Any:
        return json.loads(self.text)


def _pattern(path: str, group: str) -> str:
    return re.sub(r"\{[^}]+\}", group, path)


def api(cloud: LocalCloud, user, method: str, path: str, *, json_body: Any = None) -> Answer:
    """A request to the route's Lambda, as API Gateway passes it once it verified the caller.

    The routes' HTTP contract is tested in tests/api; here id tokens would not outlive the
    virtual clock's jumps (other tests' and this module's own).
    """
    aws, provisioned = cloud.started()
    route = next(
        r for r in TOPOLOGY.routes if r.method == method and re.fullmatch(_pattern(r.path, "[^/]+"), path)
    )
    names = re.findall(r"\{([^}]+)\}", route.path)
    found = re.fullmatch(_pattern(route.path, "([^/]+)"), path)
    assert found is not None
    event = {
        "resource": route.path,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json"},
        "multiValueHeaders": None,
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": dict(zip(names, found.groups(), strict=True)) or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": route.path,
            "httpMethod": method,
            "path": path,
            "stage": "local",
            "requestId": "test",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {
                "claims": {"sub": user.user_id, "email": user.email, "cognito:groups": ",".join(user.groups)}
            },
        },
        "body": json.dumps(json_body) if json_body is not None else None,
        "isBase64Encoded": False,
    }
    result = aws.functions.invoke(provisioned.names[("function", route.target.function)], event)
    assert result.error_type is None, result.error_message
    return Answer(result.payload)


def _execution_arn(cloud: LocalCloud, order_id: str) -> str:
    _, provisioned = cloud.started()
    machine = provisioned.state_machine_arn("payout")
    return machine.replace(":stateMachine:", ":execution:") + f":payout-{order_id}"


def _parked(cloud: LocalCloud, correlation_id: str) -> None:
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


def _ledger(cloud: LocalCloud, admin, order_id: str) -> dict[str, Any]:
    response = api(cloud, admin, "GET", f"/admin/orders/{order_id}/ledger")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["balanced"] and body["settled_correctly"], body
    return body


def _states(cloud: LocalCloud, arn: str) -> list[str]:
    aws, _ = cloud.started()
    events = aws.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def test_given_a_paid_order_when_shipped_and_confirmed_then_the_seller_is_paid_with_the_ledger_balanced(
    cloud: LocalCloud, parties, admin
) -> None:
    buyer, seller, paid, account = parties
    order_id = paid.order_id
    # Given checkout announced the order paid
    assert _ledger(cloud, admin, order_id)["totals"]["charged"] == paid.order.gross.amount_minor
    announce_paid(cloud, paid)
    arn = _execution_arn(cloud, order_id)
    _parked(cloud, f"shipment:{order_id}")
    # When the seller ships it
    shipped = api(
        cloud,
        seller,
        "POST",
        f"/orders/{order_id}/ship",
        json_body={"carrier": "USPS", "tracking_number": "9400 1000 0000"},
    )
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["status"] == "shipped"
    _ledger(cloud, admin, order_id)
    _parked(cloud, f"delivery:{order_id}")
    # And the buyer confirms the delivery
    confirmed = api(cloud, buyer, "POST", f"/orders/{order_id}/confirm-delivery")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["shipment"]["delivered_by"] == "buyer"
    # Then the execution holds the new seller's first sale (a Wait state), then pays out
    result = cloud.aws.wait_for_execution(arn)
    assert result["status"] == "SUCCEEDED", result
    states = _states(cloud, arn)
    assert "Hold Payout" in states and states[-1] == "Transfer To Seller"
    assert any(what == "Wait:Hold Payout" and seconds > 6 * DAY for what, seconds in cloud.clock.waits)
    output = json.loads(result["output"])
    assert output["transfer"]["amount"] == paid.order.seller_net.amount_minor
    transfer = stripe_client(cloud).v1.transfers.retrieve(output["transfer"]["transfer_id"])
    assert (transfer.destination, transfer.source_transaction, transfer.transfer_group) == (
        account,
        paid.charge_id,
        paid.order.checkout_id,
    )
    assert transfer.amount == paid.order.seller_net.amount_minor
    body = _ledger(cloud, admin, order_id)
    assert [e["kind"] for e in body["entries"]] == ["payment", "fee", "transfer"]
    assert body["totals"]["transferred"] == paid.order.seller_net.amount_minor
    # And the seller sees it paid out
    [balance] = api(cloud, seller, "GET", "/sellers/me/balance").json()["balances"]
    assert balance["paid_out"] == {"amount": paid.order.seller_net.amount_minor, "currency": "USD"}
    assert balance["pending"]["amount"] == balance["available"]["amount"] == 0


@pytest.fixture
def short_delivery_window(monkeypatch):
    """AUTO_CONFIRM_DAYS=0.001 (86.4 s): the session's id tokens live an hour on the virtual clock."""
    monkeypatch.setenv("AUTO_CONFIRM_DAYS", "0.001")
    wiring.reset()
    yield 86.4
    monkeypatch.undo()
    wiring.reset()


def test_given_a_shipped_order_when_the_delivery_window_passes_then_it_is_auto_confirmed_and_paid(
    cloud: LocalCloud, parties, admin, pg_conn, short_delivery_window: float
) -> None:
    _, seller, paid, _ = parties
    order_id = paid.order_id
    announce_paid(cloud, paid)
    _parked(cloud, f"shipment:{order_id}")
    shipped = api(
        cloud,
        seller,
        "POST",
        f"/orders/{order_id}/ship",
        json_body={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert shipped.status_code == 200, shipped.text
    _parked(cloud, f"delivery:{order_id}")
    arn = _execution_arn(cloud, order_id)
    # When nobody confirms, and the auto-confirm window passes on the virtual clock
    cloud.clock.advance(short_delivery_window - 20)
    assert cloud.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    cloud.clock.advance(25)
    # Then delivery is confirmed automatically, and the payout goes out after the hold
    result = cloud.aws.wait_for_execution(arn)
    assert result["status"] == "SUCCEEDED", result
    assert "Auto Confirm Delivery" in _states(cloud, arn)
    row = pg_conn.execute(
        "SELECT o.status, s.delivered_by FROM orders o JOIN shipments s USING (order_id) WHERE order_id = %s",
        (order_id,),
    ).fetchone()
    assert (row["status"], row["delivered_by"]) == ("delivered", "auto")
    assert [e["kind"] for e in _ledger(cloud, admin, order_id)["entries"]] == ["payment", "fee", "transfer"]


def test_given_a_paid_order_when_the_buyer_cancels_before_shipment_then_refund_and_no_payout(
    cloud: LocalCloud, parties, admin
) -> None:
    buyer, seller, paid, _ = parties
    order_id = paid.order_id
    announce_paid(cloud, paid)
    _parked(cloud, f"shipment:{order_id}")
    cancelled = api(cloud, buyer, "POST", f"/orders/{order_id}/cancel", json_body={"reason": "too late"})
    assert cancelled.status_code == 200, cancelled.text
    refund_id = cancelled.json()["cancellation"]["refund_id"]
    # Then the payout stops, Stripe refunded the whole order, and nothing was transferred
    result = cloud.aws.wait_for_execution(_execution_arn(cloud, order_id))
    assert result["status"] == "SUCCEEDED"
    assert _states(cloud, _execution_arn(cloud, order_id))[-1] == "Stop Payout"
    refund = stripe_client(cloud).v1.refunds.retrieve(refund_id)
    assert (refund.amount, refund.status) == (paid.order.gross.amount_minor, "succeeded")
    body = _ledger(cloud, admin, order_id)
    assert [e["kind"] for e in body["entries"]] == ["payment", "fee", "refund", "refund_paid"]
    assert body["totals"]["transferred"] == 0
    # And shipping it now is a conflict
    ship = api(
        cloud,
        seller,
        "POST",
        f"/orders/{order_id}/ship",
        json_body={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert ship.status_code == 409, ship.text
