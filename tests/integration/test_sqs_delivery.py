"""SQS → Lambda as the event-source mapping does it: batches, partial failures, DLQ redrive."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from local.cloud.delivery import SqsPoller
from local.cloud.provision import Provisioned, _queues
from stacks.topology import TOPOLOGY, Consumer, Function, Queue, Topology
from tests.integration import sqs_consumer

if TYPE_CHECKING:
    from local.runtime import LocalCloud


@pytest.fixture
def mapped_queue(cloud: LocalCloud, unique: str):
    """A queue (with its DLQ, 3 receives) whose consumer is the test handler."""
    aws, _ = cloud.started()
    name = f"test-{unique}"
    consumer = Function(
        f"consumer-{unique}", handler="tests.integration.sqs_consumer.handler", description="test"
    )
    topology = Topology(
        functions=(consumer,),
        routes=(),
        state_machines=(),
        tables=(),
        queues=(
            Queue(
                name,
                visibility_timeout_s=60,
                max_receive_count=3,
                consumer=Consumer(consumer.name, batch_size=5),
            ),
        ),
        topics=(),
        subscriptions=(),
        buses=(),
        rules=(),
    )
    provisioned = Provisioned(stage="local", region=aws.region, account_id=aws.account_id)
    _queues(aws, topology, provisioned)
    physical = provisioned.physical_name(consumer.name)
    aws.create_function(physical, handler=consumer.handler)
    provisioned.names[("function", consumer.name)] = physical
    sqs_consumer.SEEN.clear()
    poller = SqsPoller(aws, topology, provisioned, fast_retry=True)
    return aws, provisioned, name, poller


def _send(aws, url: str, *ids: str) -> None:
    for message_id in ids:
        aws.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps({"id": message_id}))


def _count(aws, url: str) -> int:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def test_given_a_batch_with_one_bad_message_then_the_good_ones_are_deleted_and_the_bad_one_reaches_the_dlq(
    mapped_queue,
) -> None:
    aws, provisioned, name, poller = mapped_queue
    # Given four good messages and one that its consumer rejects
    _send(aws, provisioned.queue_url(name), "ok-1", "ok-2", "bad-1", "ok-3", "ok-4")
    # When the mapping delivers until the queue is empty
    poller.drain()
    # Then each good message was handled once, the bad one three times (maxReceiveCount), then dead-lettered
    assert sorted(m for m in sqs_consumer.SEEN if m.startswith("ok")) == ["ok-1", "ok-2", "ok-3", "ok-4"]
    assert sqs_consumer.SEEN.count("bad-1") == 3
    assert _count(aws, provisioned.queue_url(name)) == 0
    dead = aws.client("sqs").receive_message(
        QueueUrl=provisioned.queue_url(f"{name}-dlq"), MaxNumberOfMessages=10
    )
    assert [json.loads(m["Body"])["id"] for m in dead["Messages"]] == ["bad-1"]
    assert poller.stats.delivered == 4


def test_given_a_consumer_that_raises_then_the_whole_batch_is_retried(mapped_queue) -> None:
    aws, provisioned, name, poller = mapped_queue
    _send(aws, provisioned.queue_url(name), "crash-1")
    poller.drain()
    # a raising handler fails every message of its batch: retried to maxReceiveCount, then dead-lettered
    assert sqs_consumer.SEEN.count("crash-1") == 3
    dead = aws.client("sqs").receive_message(
        QueueUrl=provisioned.queue_url(f"{name}-dlq"), MaxNumberOfMessages=10
    )
    assert len(dead["Messages"]) == 1


def test_given_the_poller_thread_when_started_then_messages_are_delivered_without_draining(
    cloud: LocalCloud, mapped_queue
) -> None:
    aws, provisioned, name, poller = mapped_queue
    poller.start(interval_s=0.01)
    try:
        _send(aws, provisioned.queue_url(name), "ok-async")
        cloud.wait_until(lambda: "ok-async" in sqs_consumer.SEEN, what="the poller to deliver")
    finally:
        poller.stop()


def test_given_the_notification_topic_then_messages_reach_the_queue_of_their_channel_only(
    cloud: LocalCloud,
) -> None:
    # SNS → SQS with the topology's filter policies (raw delivery). The queues have consumers now:
    # hold the poller's lock so that its background thread cannot take the message first.
    aws, provisioned = cloud.started()
    assert cloud.poller is not None
    with cloud.poller._lock:
        topic = provisioned.arns[("topic", "notifications")]
        aws.client("sns").publish(
            TopicArn=topic,
            Message=json.dumps({"kind": "test-sms"}),
            MessageAttributes={"channel": {"DataType": "String", "StringValue": "sms"}},
        )
        sms = aws.client("sqs").receive_message(
            QueueUrl=provisioned.queue_url("notifications-sms"), WaitTimeSeconds=0
        )
        email = aws.client("sqs").receive_message(
            QueueUrl=provisioned.queue_url("notifications-email"), WaitTimeSeconds=0
        )
        assert [json.loads(m["Body"]) for m in sms.get("Messages", [])] == [{"kind": "test-sms"}]
        assert email.get("Messages", []) == []
        for message in sms["Messages"]:
            aws.client("sqs").delete_message(
                QueueUrl=provisioned.queue_url("notifications-sms"), ReceiptHandle=message["ReceiptHandle"]
            )


def test_given_the_topology_queues_then_each_has_its_dead_letter_queue_after_the_declared_receives(
    cloud: LocalCloud,
) -> None:
    aws, provisioned = cloud.started()
    for queue in TOPOLOGY.queues:
        attributes = aws.client("sqs").get_queue_attributes(
            QueueUrl=provisioned.queue_url(queue.name), AttributeNames=["RedrivePolicy"]
        )
        policy = json.loads(attributes["Attributes"]["RedrivePolicy"])
        assert policy["deadLetterTargetArn"] == provisioned.arns[("queue", queue.dlq_name)]
        assert int(policy["maxReceiveCount"]) == queue.max_receive_count
