"""POST /webhooks/stripe through the local gateway: a signed Stripe event moves the waiting
checkout on, through the same consumers as Stripe's EventBridge events and deduplicated with
them on the event id; a bad, missing or stale signature, or a body that is not a Stripe event,
is a 400 with a stable code and changes nothing."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import pytest
import requests
import stripe

from local.providers.stripe import eventbridge_entry
from local.runtime import STRIPE_EVENT_SOURCE, STRIPE_WEBHOOK_SECRETS
from tests.e2e.checkout_support import (
    T,
    add_address,
    confirm_payment,
    get_checkout,
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
    from tests.fixtures.users import TestUser

ACCOUNT_SECRET = STRIPE_WEBHOOK_SECRETS[0]


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: TestUser) -> dict[str, Any]:
    return make_category(cloud, admin)


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    seed_launch_schedule(pg_conn)


@contextlib.contextmanager
def stripe_events_off_the_bus(cloud: LocalCloud) -> Iterator[None]:
    """Stripe's events are not put on the Stripe bus meanwhile (as for an account that uses
    webhooks only); the session's cloud is put back as it was."""
    cloud.deliver_stripe_events(eventbridge=False, webhooks=False)
    try:
        yield
    finally:
        cloud.deliver_stripe_events(eventbridge=True, webhooks=False)


def _paid_but_undelivered(
    cloud: LocalCloud, category: dict[str, Any]
) -> tuple[TestUser, dict[str, Any], dict[str, Any]]:
    """(buyer, the checkout awaiting_payment, its payment_intent.succeeded event): the payment
    succeeded at Stripe, but no event reached the consumers."""
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    listing = make_listing(cloud, seller, category, price=2500, shipping=500)
    put_in_cart(cloud, buyer, listing["id"])
    response = post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)})
    assert response.status_code == 202, response.text
    checkout_id = response.json()["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, checkout_id, "awaiting_payment", "cancelled")
    assert awaiting["status"] == "awaiting_payment", awaiting
    with stripe_events_off_the_bus(cloud):
        confirm_payment(cloud, awaiting)
    assert get_checkout(cloud, buyer, checkout_id)["status"] == "awaiting_payment"
    assert cloud.stripe is not None
    pi = awaiting["payment"]["payment_intent_id"]
    (succeeded,) = [
        e
        for e in cloud.stripe.events()
        if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == pi
    ]
    return buyer, awaiting, succeeded


def _post(cloud: LocalCloud, body: str | bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    data = body.encode() if isinstance(body, str) else body
    return requests.post(f"{cloud.api_url}/webhooks/stripe", data=data, headers=headers, timeout=T)


def _sign(cloud: LocalCloud, body: str, *, secret: str = ACCOUNT_SECRET, age_s: int = 0) -> str:
    """The header Stripe sends, made by the official SDK, at the local cloud's time."""
    at = int(cloud.clock.now()) - age_s
    return str(stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at))


def _wait_item(cloud: LocalCloud, payment_intent_id: str) -> dict[str, Any]:
    """The waits table's item for the PaymentIntent: a parked task token and/or a parked event."""
    assert cloud.aws is not None and cloud.provisioned is not None
    item: dict[str, Any] = cloud.aws.client("dynamodb").get_item(
        TableName=cloud.provisioned.names[("table", "task-tokens")],
        Key={"correlation_id": {"S": f"payment_intent:{payment_intent_id}"}},
        ConsistentRead=True,
    )["Item"]
    return item


def _consumer_calls(cloud: LocalCloud) -> list[Any]:
    assert cloud.aws is not None and cloud.provisioned is not None
    return cloud.aws.functions.calls(cloud.provisioned.names[("function", "stripe-events")])


def test_given_a_payment_whose_event_came_by_webhook_only_then_the_checkout_is_paid_once(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    buyer, awaiting, event = _paid_but_undelivered(cloud, category)
    pi = awaiting["payment"]["payment_intent_id"]
    body = json.dumps(event, indent=2)  # as Stripe sends it
    # When Stripe's signed webhook arrives
    response = _post(cloud, body, _sign(cloud, body))
    # Then it is accepted and the waiting checkout moves on
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "event_id": event["id"], "event_type": event["type"]}
    paid = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid", "cancelled", "payment_failed")
    assert paid["status"] == "paid", paid
    assert "task_token" not in _wait_item(cloud, pi)

    # When the same event comes again, by webhook and through Stripe's EventBridge integration
    calls_before = len(_consumer_calls(cloud))
    assert _post(cloud, body, _sign(cloud, body)).status_code == 200
    assert cloud.aws is not None and cloud.provisioned is not None
    entry = eventbridge_entry(
        event, bus_name=cloud.provisioned.names[("bus", "stripe")], source=STRIPE_EVENT_SOURCE
    )
    assert cloud.aws.client("events").put_events(Entries=[entry])["FailedEntryCount"] == 0
    cloud.settle()
    # Then the consumer got both and acted on neither: nothing was parked for a later waiter
    # (an event handled a second time, with no token left to take, would be parked here)
    calls = _consumer_calls(cloud)[calls_before:]
    assert len(calls) == 2 and all(c.error_type is None for c in calls), calls
    assert "event" not in _wait_item(cloud, pi)
    assert get_checkout(cloud, buyer, awaiting["checkout_id"])["status"] == "paid"


def test_given_a_payment_paid_through_eventbridge_when_its_webhook_comes_too_then_it_counts_once(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    listing = make_listing(cloud, seller, category)
    put_in_cart(cloud, buyer, listing["id"])
    checkout_id = post_checkout(cloud, buyer, {"address_id": add_address(cloud, buyer)}).json()["checkout_id"]
    awaiting = wait_for_status(cloud, buyer, checkout_id, "awaiting_payment")
    confirm_payment(cloud, awaiting)  # its event goes through the Stripe bus, as by default
    assert wait_for_status(cloud, buyer, checkout_id, "paid", "payment_failed")["status"] == "paid"
    pi = awaiting["payment"]["payment_intent_id"]
    assert cloud.stripe is not None
    (event,) = [
        e
        for e in cloud.stripe.events()
        if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == pi
    ]
    # When Stripe's webhook of the same event arrives afterwards
    body = json.dumps(event)
    calls_before = len(_consumer_calls(cloud))
    response = _post(cloud, body, _sign(cloud, body))
    cloud.settle()
    # Then it is accepted, reaches the same consumer, and is dropped as a duplicate
    assert response.status_code == 200, response.text
    calls = _consumer_calls(cloud)[calls_before:]
    assert len(calls) == 1 and calls[0].error_type is None, calls
    assert "event" not in _wait_item(cloud, pi)


def test_given_a_waiting_checkout_when_a_webhook_is_not_genuine_then_400_and_nothing_changes(
    cloud: LocalCloud, category: dict[str, Any]
) -> None:
    buyer, awaiting, event = _paid_but_undelivered(cloud, category)
    pi = awaiting["payment"]["payment_intent_id"]
    body = json.dumps(event)
    tampered = json.dumps(event | {"type": "payment_intent.payment_failed"})
    not_json = "this is not JSON"
    not_an_event = json.dumps({"id": event["id"], "hello": "world"})
    cases: list[tuple[str, str | bytes, str | None, str]] = [
        ("missing header", body, None, "WEBHOOK_SIGNATURE_INVALID"),
        ("garbage header", body, "nonsense", "WEBHOOK_SIGNATURE_INVALID"),
        ("bad signature", body, f"t={int(cloud.clock.now())},v1={'0' * 64}", "WEBHOOK_SIGNATURE_INVALID"),
        ("wrong secret", body, _sign(cloud, body, secret="whsec_not_ours"), "WEBHOOK_SIGNATURE_INVALID"),
        ("body changed after signing", tampered, _sign(cloud, body), "WEBHOOK_SIGNATURE_INVALID"),
        ("stale timestamp", body, _sign(cloud, body, age_s=301), "WEBHOOK_SIGNATURE_INVALID"),
        ("not UTF-8", b"\xff\xfe" + body.encode(), _sign(cloud, body), "WEBHOOK_SIGNATURE_INVALID"),
        ("non-JSON body, signed", not_json, _sign(cloud, not_json), "WEBHOOK_EVENT_INVALID"),
        ("not an event, signed", not_an_event, _sign(cloud, not_an_event), "WEBHOOK_EVENT_INVALID"),
    ]
    calls_before = len(_consumer_calls(cloud))
    for name, payload, signature, code in cases:
        # When
        response = _post(cloud, payload, signature)
        # Then a 400 with the stable code and words for a developer
        assert response.status_code == 400, (name, response.text)
        error = response.json()["error"]
        assert error["code"] == code, (name, error)
        assert error["message"], name
    cloud.settle()
    # and nothing changed: no consumer ran, the checkout still waits with its token parked
    assert _consumer_calls(cloud)[calls_before:] == []
    assert get_checkout(cloud, buyer, awaiting["checkout_id"])["status"] == "awaiting_payment"
    item = _wait_item(cloud, pi)
    assert "task_token" in item and "event" not in item
    # (the genuine one still works: the refusals were about the requests, not the event)
    assert _post(cloud, body, _sign(cloud, body)).status_code == 200
    assert wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid")["status"] == "paid"


def test_given_the_webhook_route_then_it_needs_no_token_and_is_documented(cloud: LocalCloud) -> None:
    # a request without Authorization reaches the handler (its 400, not the gateway's 401)
    response = _post(cloud, "{}", None)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "WEBHOOK_SIGNATURE_INVALID"
    document = requests.get(f"{cloud.api_url}/openapi.json", timeout=T).json()
    operation = document["paths"]["/webhooks/stripe"]["post"]
    assert not operation.get("security")
    assert "WEBHOOK_SIGNATURE_INVALID" in json.dumps(operation["responses"]["400"])
