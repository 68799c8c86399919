"""The SDK clients of this process reach moto without a socket (``local/cloud/inprocess.py``);
other clients still reach moto's HTTP server; an idle queue is skipped without a receive."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
import requests

from local.cloud.delivery import SqsPoller

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def test_given_a_boto3_client_on_the_local_endpoint_then_its_calls_are_served_in_process(
    cloud: LocalCloud,
) -> None:
    aws, _ = cloud.started()
    assert aws.transport is not None
    client = boto3.client(
        "sqs",
        endpoint_url=aws.endpoint_url,
        region_name=aws.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    before = aws.transport.served
    url = client.create_queue(QueueName="inprocess-check")["QueueUrl"]
    client.send_message(QueueUrl=url, MessageBody="hello")
    got = client.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in got] == ["hello"]
    assert aws.transport.served - before == 3


def test_given_a_plain_http_client_then_the_server_still_answers(cloud: LocalCloud) -> None:
    aws, _ = cloud.started()
    credential = "Credential=local/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"
    response = requests.post(
        aws.endpoint_url,
        data={"Action": "ListQueues", "Version": "2012-11-05"},
        headers={"Authorization": f"AWS4-HMAC-SHA256 {credential}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert "ListQueues" in response.text


def test_given_an_empty_queue_then_the_poller_does_not_receive_and_a_message_makes_it(
    cloud: LocalCloud,
) -> None:
    aws, _ = cloud.started()
    assert cloud.poller is not None
    mapping = cloud.poller.mappings[0]
    cloud.settle()
    assert SqsPoller._may_have_messages(mapping) is False
    aws.client("sqs").send_message(QueueUrl=mapping.queue_url, MessageBody="{}")
    assert SqsPoller._may_have_messages(mapping) is True
