"""How a checkout execution ends: a business outcome (the catalog or the fee calculation refused the
items) ends the checkout cancelled and SUCCEEDS, so no alarm counts it; a system failure ends it
failed (the buyer told it is on our side) and FAILS, after the items were released. The real
checkout machine with the nested fee_calculation, through the HTTP API."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from adapters.mongo.catalog import MongoListings
from lambdas.wiring import catalog
from tests.e2e.checkout_support import (
    add_address,
    make_category,
    make_listing,
    post_checkout,
    put_in_cart,
    wait_for_status,
)
from tests.workflows.fees_support import failing_function, seed_launch_schedule
from workflows.shared.money import Money

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


def _execution(cloud: LocalCloud, checkout_id: str) -> dict[str, Any]:
    """The checkout's execution once it has ended."""
    aws, provisioned = cloud.started()
    machine = provisioned.state_machine_arn("checkout")
    arn = f"{machine.replace(':stateMachine:', ':execution:')}:{checkout_id}"
    client = aws.client("stepfunctions")
    seen: dict[str, Any] = {}

    def ended() -> bool:
        seen.update(client.describe_execution(executionArn=arn))
        return seen["status"] != "RUNNING"

    cloud.wait_until(ended, what=f"the execution of checkout {checkout_id} to end")
    return seen


def _holds(listing_id: str) -> list[Any]:
    doc = catalog.wiring().db["listings"].find_one({"_id": listing_id}, {"holds": 1})
    assert doc is not None
    return list(doc.get("holds") or [])


def _checkout(cloud: LocalCloud, buyer: TestUser, listing_id: str, key: str) -> str:
    address_id = add_address(cloud, buyer)
    put_in_cart(cloud, buyer, listing_id)
    response = post_checkout(cloud, buyer, {"address_id": address_id}, key=key)
    assert response.status_code == 202, response.text
    return str(response.json()["checkout_id"])


def test_given_items_the_fee_schedule_does_not_cover_then_cancelled_and_the_execution_succeeds(
    cloud: LocalCloud, make_user, category: dict[str, Any], unique: str
) -> None:
    # Given a listing priced in yen (stored directly: the API would refuse it), which the
    # schedule in effect has no fees for: only the nested fee calculation can refuse it
    seller, buyer = make_user(groups=("buyer", "seller")), make_user()
    listing = make_listing(cloud, seller, category)
    store = MongoListings(catalog.wiring().db)
    (stored,) = store.get_many([listing["id"]])
    yen = replace(stored, id=f"yen-{unique}", price=Money(2500, "JPY"), shipping_options=())
    assert store.add(yen)
    # When the buyer checks it out
    checkout_id = _checkout(cloud, buyer, yen.id, f"yen-{unique}")
    ended = wait_for_status(cloud, buyer, checkout_id, "cancelled", "awaiting_payment")
    # Then the checkout is cancelled with the fee calculation's code, the unit released
    assert ended["status"] == "cancelled", ended
    assert ended["error"]["code"] == "CURRENCY_NOT_SUPPORTED"
    assert "JPY" in ended["error"]["message"]
    assert _holds(yen.id) == []
    # And both executions SUCCEEDED: a business outcome, which no alarm counts
    execution = _execution(cloud, checkout_id)
    assert execution["status"] == "SUCCEEDED", execution
    aws, provisioned = cloud.started()
    fees = aws.client("stepfunctions").list_executions(
        stateMachineArn=provisioned.state_machine_arn("fee-calculation")
    )["executions"]
    assert [e["status"] for e in fees if e["name"] == f"{checkout_id}-fees"] == ["SUCCEEDED"]


def test_given_a_step_that_fails_for_good_then_failed_not_cancelled_and_the_execution_fails(
    cloud: LocalCloud, make_user, category: dict[str, Any], unique: str
) -> None:
    # Given a bug in Create Orders (after the unit is held)
    seller, buyer = make_user(groups=("buyer", "seller")), make_user()
    listing = make_listing(cloud, seller, category)
    with failing_function(cloud, "checkout-create-orders", KeyError("sellers")):
        checkout_id = _checkout(cloud, buyer, listing["id"], f"bug-{unique}")
        ended = wait_for_status(cloud, buyer, checkout_id, "failed", "cancelled", "awaiting_payment")
        execution = _execution(cloud, checkout_id)
    # Then the buyer is told it failed on our side (not that they cancelled), nothing is charged,
    # and the unit is for sale again
    assert ended["status"] == "failed", ended
    assert ended["error"]["code"] == "CHECKOUT_FAILED"
    assert "our side" in ended["error"]["message"]
    assert "sellers" not in ended["error"]["message"]  # never the step's own words
    assert _holds(listing["id"]) == []
    cloud.poller.drain()
    told = cloud.outbox.last(to=buyer.email)
    assert told is not None and told.subject == "We could not complete your checkout"
    assert "on our side, not yours" in told.body and "Nothing was charged" in told.body
    # And the execution FAILED: the failed-executions alarm counts it
    assert execution["status"] == "FAILED", execution
    assert execution["error"] == "CheckoutFailed"
