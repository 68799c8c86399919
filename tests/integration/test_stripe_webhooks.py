"""A whole payment through signed webhooks only: the Stripe stand-in POSTs its events, signed with
the endpoint's secret at the local cloud's time, to POST /webhooks/stripe, and nothing reaches
the Stripe bus; the checkout is paid all the same, through the stripe-webhooks bus's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.checkout_support import (
    add_address,
    confirm_payment,
    make_category,
    make_listing,
    post_checkout,
    put_in_cart,
    wait_for_status,
)
from tests.fixtures.users import create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.runtime import LocalCloud


@pytest.fixture
def webhooks_only(cloud: LocalCloud, pg_conn: Any) -> Iterator[None]:
    seed_launch_schedule(pg_conn)
    cloud.deliver_stripe_events(eventbridge=False, webhooks=True)
    try:
        yield
    finally:
        cloud.deliver_stripe_events(eventbridge=True, webhooks=False)


def test_given_stripe_events_by_webhook_only_when_a_buyer_pays_then_the_checkout_is_paid(
    cloud: LocalCloud, admin: Any, webhooks_only: None
) -> None:
    assert cloud.stripe is not None and cloud.aws is not None and cloud.provisioned is not None
    config = cloud.describe()["stripe"]["webhooks"]
    assert config["delivered"] is True
    assert config["url"] == f"{cloud.api_url}/webhooks/stripe"
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    listing = make_listing(cloud, seller, make_category(cloud, admin))
    put_in_cart(cloud, buyer, listing["id"])
    response = post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)})
    assert response.status_code == 202, response.text
    checkout_id = response.json()["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, checkout_id, "awaiting_payment", "cancelled")
    assert awaiting["status"] == "awaiting_payment", awaiting
    webhook_function = cloud.provisioned.names[("function", "api-webhooks")]
    webhook_calls = len(cloud.aws.functions.calls(webhook_function))

    # When the buyer pays, and Stripe's webhooks are delivered
    confirm_payment(cloud, awaiting)
    assert cloud.stripe.flush_webhooks()
    paid = wait_for_status(cloud, buyer, checkout_id, "paid", "payment_failed", "cancelled")

    # Then the checkout is paid, through the webhook route
    assert paid["status"] == "paid", paid
    pi = awaiting["payment"]["payment_intent_id"]
    (succeeded,) = [
        e
        for e in cloud.stripe.events()
        if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == pi
    ]
    deliveries = [d for d in cloud.stripe.webhook_deliveries if d.event_id == succeeded["id"]]
    assert [d.status for d in deliveries] == [200], deliveries
    assert (
        len(cloud.aws.functions.calls(cloud.provisioned.names[("function", "api-webhooks")])) > webhook_calls
    )


def test_given_the_default_local_cloud_then_no_webhook_is_delivered(cloud: LocalCloud) -> None:
    # off by default: Stripe's events go onto the Stripe bus only
    assert cloud.config.stripe_webhooks is False
    assert cloud.describe()["stripe"]["webhooks"]["delivered"] is False
