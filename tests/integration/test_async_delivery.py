"""Asynchronous invocations in the local cloud are as AWS delivers them: from a queue, at least
once, in no particular order, retried with back-off on the cloud's clock, then to the DLQ the
stack declares; and tests can make them arrive twice, late or out of order.

Each test moves the virtual clock instead of sleeping, and settles the deliveries (waits until
nothing due is queued or running) before it looks.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import stripe

from local.cloud.provision import substitute
from local.runtime import STRIPE_EVENT_SOURCE
from stacks.topology import ROOT, TOPOLOGY

if TYPE_CHECKING:
    from collections.abc import Iterator

    from local.cloud.aws import LocalAws
    from local.runtime import LocalCloud

AWAIT_PAYMENT = ROOT / "tests" / "workflows" / "statemachines" / "await_payment.json"


def _dlq_messages(aws: LocalAws, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while True:
        batch = aws.client("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], VisibilityTimeout=0
        )
        if not batch.get("Messages"):
            return messages
        for message in batch["Messages"]:
            aws.client("sqs").delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        messages += batch["Messages"]


def _failed_calls(cloud: LocalCloud, function: str, mark: int) -> list[Any]:
    aws, _ = cloud.started()
    return [r for r in aws.functions.since(mark, function) if r.error_type]


def test_given_a_stripe_event_its_consumer_fails_on_then_lambda_retries_it_on_the_clock_then_the_rules_dlq(
    cloud: LocalCloud, unique: str
) -> None:
    # Given the stripe-events rule as the stack declares it (Lambda retries twice, then the DLQ)
    aws, provisioned = cloud.started()
    rule = next(r for r in TOPOLOGY.rules if r.name == "stripe-events")
    assert rule.targets[0].function_retry_attempts == 2
    function = provisioned.names[("function", "stripe-events")]
    dlq = provisioned.queue_url(rule.dlq_name)
    _dlq_messages(aws, dlq)
    mark = aws.functions.mark()

    # When an event its consumer cannot take arrives on the Stripe bus
    event_id = f"evt_broken_{unique}"
    aws.client("events").put_events(
        Entries=[
            {
                "EventBusName": provisioned.names[("bus", "stripe")],
                "Source": STRIPE_EVENT_SOURCE,
                "DetailType": "account.updated",
                "Detail": json.dumps({"id": event_id, "type": "account.updated", "created": 1}),
            }
        ]
    )
    cloud.settle()

    # Then it fails once, and is tried again only when the clock has passed one minute, then two
    assert len(_failed_calls(cloud, function, mark)) == 1
    cloud.clock.advance(59)
    cloud.settle()
    assert len(_failed_calls(cloud, function, mark)) == 1
    cloud.clock.advance(1)
    cloud.settle()
    assert len(_failed_calls(cloud, function, mark)) == 2
    assert _dlq_messages(aws, dlq) == []
    cloud.clock.advance(120)
    cloud.settle()
    assert len(_failed_calls(cloud, function, mark)) == 3

    # And after its last attempt it is in the rule's DLQ, as Lambda's on-failure record
    (message,) = _dlq_messages(aws, dlq)
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail"]["id"] == event_id
    assert record["responseContext"]["functionError"] == "Unhandled"
    cloud.clock.advance(3600)
    cloud.settle()
    assert len(_failed_calls(cloud, function, mark)) == 3


def test_given_a_target_eventbridge_cannot_hand_the_event_to_then_its_retry_policy_then_its_dlq(
    cloud: LocalCloud, unique: str
) -> None:
    # Given a rule whose Lambda target does not exist, with a retry policy and a DLQ
    aws, _ = cloud.started()
    events, sqs = aws.client("events"), aws.client("sqs")
    bus = f"test-async-{unique}"
    events.create_event_bus(Name=bus)
    rule_arn = events.put_rule(
        Name=f"gone-{unique}", EventBusName=bus, EventPattern='{"source": ["test.async"]}'
    )["RuleArn"]
    dlq = sqs.create_queue(QueueName=f"test-async-dlq-{unique}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    target = f"arn:aws:lambda:{aws.region}:{aws.account_id}:function:gone-{unique}"
    events.put_targets(
        Rule=f"gone-{unique}",
        EventBusName=bus,
        Targets=[
            {
                "Id": "gone",
                "Arn": target,
                "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
                "DeadLetterConfig": {"Arn": dlq_arn},
            }
        ],
    )

    # When an event matches
    events.put_events(
        Entries=[{"EventBusName": bus, "Source": "test.async", "DetailType": "T", "Detail": "{}"}]
    )
    cloud.settle()
    assert _dlq_messages(aws, dlq) == []
    cloud.clock.advance(1)
    cloud.settle()
    assert _dlq_messages(aws, dlq) == []

    # Then after its retries (1 s, then 2 s of the clock) the event is in the target's DLQ
    cloud.clock.advance(2)
    cloud.settle()
    (message,) = _dlq_messages(aws, dlq)
    assert json.loads(message["Body"])["source"] == "test.async"
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["RULE_ARN"] == rule_arn and attributes["TARGET_ARN"] == target
    assert attributes["ERROR_CODE"] == "RESOURCE_NOT_FOUND"


# ---- faults: duplicates, delays, reordering ------------------------------------------------


@pytest.fixture(scope="module")
def await_payment(cloud: LocalCloud) -> str:
    aws, provisioned = cloud.started()
    definition = substitute(
        AWAIT_PAYMENT.read_text(encoding="utf-8"),
        {"WaitForEventFunctionArn": provisioned.function_arn("wait-for-event")},
        source=AWAIT_PAYMENT.name,
    )
    return str(aws.create_state_machine("test-async-await-payment", definition))


@pytest.fixture(scope="module")
def stripe_client(cloud: LocalCloud) -> stripe.StripeClient:
    assert cloud.stripe is not None
    return stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})


def _waiting_for_payment(cloud: LocalCloud, machine: str, name: str, intent_id: str) -> str:
    aws, _ = cloud.started()
    sfn = aws.client("stepfunctions")
    arn = aws.start_execution(machine, name, {"payment_intent_id": intent_id})

    def parked() -> bool:
        return any(
            e["type"] == "TaskSubmitted" for e in sfn.get_execution_history(executionArn=arn)["events"]
        )

    cloud.wait_until(parked, what="the wait step to park its token")
    return arn


def _history_types(cloud: LocalCloud, arn: str) -> list[str]:
    aws, _ = cloud.started()
    events = aws.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    return [e["type"] for e in events]


def test_given_every_delivery_duplicated_when_a_payment_succeeds_then_its_event_is_acted_on_once(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    # Given a checkout-like execution waiting for its payment
    aws, provisioned = cloud.started()
    function = provisioned.names[("function", "stripe-events")]
    intent = stripe_client.v1.payment_intents.create(params={"amount": 4200, "currency": "usd"})
    arn = _waiting_for_payment(cloud, await_payment, f"dup-{unique}", intent.id)
    mark = aws.functions.mark()

    # When Stripe's event is delivered twice (at least once, as AWS may)
    with cloud.deliveries.inject(duplicate=True):
        stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
        cloud.settle()

    # Then the consumer ran twice without failing, and the workflow was resumed once
    calls = aws.functions.since(mark, function)
    assert len(calls) == 2 and not any(r.error_type for r in calls)
    described = aws.wait_for_execution(arn)
    assert described["status"] == "SUCCEEDED", described
    assert _history_types(cloud, arn).count("TaskSucceeded") == 1


def test_given_delayed_deliveries_then_the_event_arrives_only_once_the_clock_has_passed(
    cloud: LocalCloud, await_payment: str, stripe_client: stripe.StripeClient, unique: str
) -> None:
    # Given an execution waiting for its payment
    aws, _ = cloud.started()
    intent = stripe_client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    arn = _waiting_for_payment(cloud, await_payment, f"late-{unique}", intent.id)
    sfn = aws.client("stepfunctions")

    # When the payment succeeds but its event is delayed by five minutes
    with cloud.deliveries.inject(delay_s=300):
        stripe_client.v1.payment_intents.confirm(intent.id, params={"payment_method": "pm_card_visa"})
    cloud.settle()

    # Then nothing has moved until the clock passes the five minutes
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    cloud.clock.advance(299)
    cloud.settle()
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    cloud.clock.advance(2)
    cloud.settle()
    assert aws.wait_for_execution(arn)["status"] == "SUCCEEDED"


@pytest.fixture
def recorder(cloud: LocalCloud, unique: str) -> Iterator[tuple[str, list[Any]]]:
    aws, _ = cloud.started()
    seen: list[Any] = []

    def record(event: Any, context: Any) -> None:
        seen.append(event["n"])

    name = f"test-recorder-{unique}"
    aws.create_function(name, record)
    yield name, seen
    cloud.settle()


def _invoke_async(cloud: LocalCloud, name: str, count: int) -> None:
    aws, _ = cloud.started()
    for n in range(count):
        aws.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": n}))


def test_given_reordering_then_events_due_together_arrive_in_another_order(
    cloud: LocalCloud, recorder: tuple[str, list[Any]]
) -> None:
    # Given eight events, held back together and then released at once, with reordering on
    name, seen = recorder
    with cloud.deliveries.inject(delay_s=10, reorder=True, seed=7):
        _invoke_async(cloud, name, 8)
    cloud.settle()
    assert seen == []

    # When the clock releases them
    cloud.clock.advance(10)
    cloud.settle()

    # Then each arrives once, not in the order they were sent
    assert sorted(seen) == list(range(8))
    assert seen != list(range(8))


def test_given_duplicates_with_a_probability_and_a_seed_then_the_same_events_repeat(
    cloud: LocalCloud, recorder: tuple[str, list[Any]]
) -> None:
    name, seen = recorder
    runs = []
    for _ in range(2):
        seen.clear()
        with cloud.deliveries.inject(duplicate=0.5, seed=11):
            _invoke_async(cloud, name, 20)
            cloud.settle()
        runs.append(sorted(seen))
    # every event at least once, some twice, and the same ones for the same seed
    assert set(runs[0]) == set(range(20))
    assert 20 < len(runs[0]) < 40
    assert runs[0] == runs[1]
