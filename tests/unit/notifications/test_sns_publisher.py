"""The SNS adapter: one PublishBatch per notification, one entry per channel (botocore's Stubber
checks every request against the SNS model; no network)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from adapters.aws.sns import SnsNotificationPublisher
from workflows.notifications.model import Notification
from workflows.shared.errors import TransientError

TOPIC = "arn:aws:sns:us-east-1:123456789012:resale-notifications"


def notification(channels: tuple[str, ...]) -> Notification:
    return Notification(
        notification_id="n-1",
        type="orders.order_paid",
        category="orders",
        channels=channels,  # type: ignore[arg-type]
        user_id="u-1",
        data={"order_id": "R-1"},
    )


def entry(sent: Notification, channel: str) -> dict[str, Any]:
    body = sent.model_dump(mode="json")
    return {
        "Id": channel,
        "Message": json.dumps({**body, "channel": channel}),
        "MessageAttributes": {
            "channel": {"DataType": "String", "StringValue": channel},
            "category": {"DataType": "String", "StringValue": "orders"},
            "type": {"DataType": "String", "StringValue": "orders.order_paid"},
        },
    }


@pytest.fixture
def sns() -> Any:
    return boto3.client("sns", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_given_two_channels_then_one_batch_carries_both(sns: Any) -> None:
    both = notification(("email", "sms"))
    with Stubber(sns) as stub:
        stub.add_response(
            "publish_batch",
            {"Successful": [{"Id": "email", "MessageId": "m-1"}, {"Id": "sms", "MessageId": "m-2"}]},
            {"TopicArn": TOPIC, "PublishBatchRequestEntries": [entry(both, "email"), entry(both, "sms")]},
        )
        SnsNotificationPublisher(sns, TOPIC).publish(both)
        stub.assert_no_pending_responses()


def test_given_a_channel_twice_then_it_is_one_entry(sns: Any) -> None:
    twice = notification(("email", "email"))
    with Stubber(sns) as stub:
        stub.add_response(
            "publish_batch",
            {"Successful": [{"Id": "email", "MessageId": "m-1"}]},
            {"TopicArn": TOPIC, "PublishBatchRequestEntries": [entry(twice, "email")]},
        )
        SnsNotificationPublisher(sns, TOPIC).publish(twice)
        stub.assert_no_pending_responses()


def test_given_an_entry_refused_then_the_publish_is_transient(sns: Any) -> None:
    with Stubber(sns) as stub:
        stub.add_response(
            "publish_batch",
            {
                "Successful": [{"Id": "email", "MessageId": "m-1"}],
                "Failed": [
                    {"Id": "sms", "Code": "InternalError", "SenderFault": False, "Message": "try again"}
                ],
            },
        )
        with pytest.raises(TransientError, match="not published on sms: try again"):
            SnsNotificationPublisher(sns, TOPIC).publish(notification(("email", "sms")))


def test_given_sns_unreachable_then_the_publish_is_transient(sns: Any) -> None:
    with Stubber(sns) as stub:
        stub.add_client_error("publish_batch", service_error_code="InternalError", http_status_code=500)
        with pytest.raises(TransientError, match="n-1 not published"):
            SnsNotificationPublisher(sns, TOPIC).publish(notification(("email",)))


def test_given_no_channel_then_nothing_is_published(sns: Any) -> None:
    with Stubber(sns):  # any call would meet an empty stub and fail
        SnsNotificationPublisher(sns, TOPIC).publish(notification(()))
