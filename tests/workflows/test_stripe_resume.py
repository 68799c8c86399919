"""A workflow waiting for a payment is resumed by Stripe's event, through the real path:

Stripe stand-in → EventBridge (the Stripe bus) → rule → stripe-events Lambda → waits table →
SendTaskSuccess — whatever the order, and however often the event arrives.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import stripe

from local.cloud.provision import substitute
from stacks.topology import ROOT

if TYPE_CHECKING:
    from local.runtime import LocalCloud

MACHINE = ROOT / "tests" / "workflows" / "statemachines" / "await_payment.json"


@pytest.fixture(scope="module")
def await_payment(cloud: LocalCloud) -> str:
    assert cloud.aws is not None and cloud.provisioned is not None
    definition = substitute(
        MACHINE.read_text(encoding="utf-8"),
        {"WaitForEventFunctionArn": cloud.provisioned.function_arn("wait-for-event")},
        source=MACHINE.name,
    )
    return cloud.aws.client("stepfunctions").create_state_machine(
        name="test-await-payment",
        definition=definition,
        roleArn="arn:aws:iam::123456789012:role/test",
        type="STANDARD",
    )["stateMachineArn"]


@pytest.fixture(scope="module")
def stripe_client(cloud: LocalCloud) -> stripe.StripeClient:
    assert cloud.stripe is not None
    return stripe.StripeClient(
        cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url, "connect": cloud.stripe.url}
    )


def _start(cloud: LocalCloud, machine: str, name: str, payment_intent_id: str) -> str:
    assert cloud.aws is not None
    return cloud.aws.client("stepfunctions").start_execution(
        stateMachineArn=machine, name=name, input=json.dumps({"payment_intent_id": payment_intent_id})
    )["executionArn"]


def _finished(cloud: LocalCloud, arn: str) -> dict[str, Any]:
    assert cloud.aws is not None
    sfn = cloud.aws.client("stepfunctions")
    cloud.wait_until(
        lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", what=f"{arn} to end"
    )
    return sfn.describe_execution(executionArn=arn)


def _waiting(cloud: LocalCloud, arn: str) -> None:
    """Until the execution has parked its token (the wait step has run)."""
    assert cloud.aws is not None
    sfn = cloud.aws.client("stepfunctions")

    def parked() -> bool:
        events = sfn.get_execution_history(executionArn=arn)["events"]
        return any(e["type"] == "TaskSubmitted" for e in events)

    cloud.wait_until(parked, what="the wait step to park its token")


def test_given_a_waiting_checkout_when_the_card_is_confirmed_then_the_execution_is_resumed_as_paid(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    # Given a PaymentIntent and an execution waiting for it
    intent = stripe_client.v1.payment_intents.create(params={"amount": 2599, "currency": "usd"})
    arn = _start(cloud, await_payment, f"paid-{unique}", intent.id)
    _waiting(cloud, arn)
    # When the buyer confirms with a good card
    stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    # Then the Stripe event resumes the execution, which sees the payment succeeded
    result = _finished(cloud, arn)
    assert result["status"] == "SUCCEEDED", result
    payment = json.loads(result["output"])["payment"]
    assert payment["event_type"] == "payment_intent.succeeded"
    assert payment["amount"] == 2599 and payment["currency"] == "USD"


def test_given_a_declined_card_then_the_execution_learns_the_payment_failed(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    intent = stripe_client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"})
    arn = _start(cloud, await_payment, f"declined-{unique}", intent.id)
    _waiting(cloud, arn)
    with pytest.raises(stripe.CardError):
        stripe_client.v1.payment_intents.confirm(
            intent.id, params={"payment_method": "pm_card_chargeDeclined"}
        )
    result = _finished(cloud, arn)
    assert result["status"] == "FAILED"
    assert result["error"] == "PaymentFailed"


def test_given_the_payment_event_before_the_wait_then_the_execution_resumes_at_once(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    # Given a payment that succeeded before anything waited for it (the event is parked)
    intent = stripe_client.v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    # When the workflow starts waiting
    arn = _start(cloud, await_payment, f"early-{unique}", intent.id)
    # Then it is resumed straight away
    assert _finished(cloud, arn)["status"] == "SUCCEEDED"


def test_given_the_same_event_delivered_twice_then_it_has_one_effect(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    assert cloud.aws is not None and cloud.provisioned is not None
    intent = stripe_client.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
    first = _start(cloud, await_payment, f"dup-a-{unique}", intent.id)
    _waiting(cloud, first)
    stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    assert _finished(cloud, first)["status"] == "SUCCEEDED"
    succeeded = next(
        e
        for e in stripe_client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 20}).data
        if e.data.object["id"] == intent.id
    )
    # When a second execution waits on the same key and the SAME event is delivered again
    second = _start(cloud, await_payment, f"dup-b-{unique}", intent.id)
    _waiting(cloud, second)
    from local.providers.stripe import eventbridge_entry

    entry = eventbridge_entry(
        succeeded.to_dict(),
        bus_name=cloud.provisioned.names[("bus", "stripe")],
        source="aws.partner/stripe.com/ed_local",
    )
    consumer = cloud.provisioned.names[("function", "stripe-events")]
    calls_before = len(cloud.aws.functions.calls(consumer))
    cloud.aws.client("events").put_events(Entries=[entry])
    cloud.settle()  # the rule invokes its target asynchronously
    # Then the consumer ran, but the duplicate was dropped (deduplicated on the event id):
    calls = cloud.aws.functions.calls(consumer)
    assert len(calls) == calls_before + 1 and calls[-1].error_type is None
    # the second execution still waits, its token still parked
    assert cloud.aws.client("stepfunctions").describe_execution(executionArn=second)["status"] == "RUNNING"
    item = cloud.aws.client("dynamodb").get_item(
        TableName=cloud.provisioned.names[("table", "task-tokens")],
        Key={"correlation_id": {"S": f"payment_intent:{intent.id}"}},
        ConsistentRead=True,
    )["Item"]
    assert "task_token" in item
    cloud.aws.client("stepfunctions").stop_execution(executionArn=second, error="TestCleanup")


def test_given_no_payment_when_the_wait_times_out_on_the_virtual_clock_then_the_checkout_expires(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    # Given an execution waiting for a payment that never comes
    intent = stripe_client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    arn = _start(cloud, await_payment, f"expiry-{unique}", intent.id)
    _waiting(cloud, arn)
    # When 30 minutes pass on the virtual clock
    cloud.clock.advance(1800)
    # Then the task times out and the machine takes its expiry path
    result = _finished(cloud, arn)
    assert result["status"] == "FAILED" and result["error"] == "PaymentExpired"
