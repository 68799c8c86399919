"""The notification pipeline as deployed: consumers on both queues, grants, secrets, DLQ alarms."""

from __future__ import annotations

import json

import pytest

from tests.infra.synth import function_id, function_named, resources, synthesize


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize(tmp_path_factory.mktemp("cdk.out"), stage="dev")


def _policy_text(template, function_logical_id: str) -> str:
    """Every IAM statement attached to the function's role, as text."""
    role = template.to_json()["Resources"][function_logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        p
        for p in resources(template, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
    ]
    return json.dumps([p["Properties"]["PolicyDocument"]["Statement"] for p in policies])


@pytest.mark.parametrize("name", ["notify-email", "notify-sms"])
def test_given_a_channel_consumer_then_its_queue_feeds_it_in_batches_with_partial_failures(
    synth, name
) -> None:
    template = synth.stateless
    fn_id = function_id(template, f"resale-dev-{name}")
    mappings = [
        m["Properties"]
        for m in resources(template, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": fn_id}
    ]
    assert len(mappings) == 1
    assert mappings[0]["BatchSize"] == 10
    assert mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_given_the_email_consumer_then_it_may_send_with_ses_and_read_the_sendgrid_secret_only(synth) -> None:
    template = synth.stateless
    fn = function_named(template, "resale-dev-notify-email")
    assert "SENDGRID_SECRET_ARN" in fn["Properties"]["Environment"]["Variables"]
    policy = _policy_text(template, function_id(template, "resale-dev-notify-email"))
    assert "ses:SendEmail" in policy and "secretsmanager:GetSecretValue" in policy
    assert "SecretsSendgrid" in policy
    assert "SecretsTwilio" not in policy and "SecretsStripe" not in policy


def test_given_the_sms_consumer_then_it_reads_the_twilio_secret_and_cannot_send_email(synth) -> None:
    template = synth.stateless
    fn = function_named(template, "resale-dev-notify-sms")
    assert "TWILIO_SECRET_ARN" in fn["Properties"]["Environment"]["Variables"]
    policy = _policy_text(template, function_id(template, "resale-dev-notify-sms"))
    assert "secretsmanager:GetSecretValue" in policy and "SecretsTwilio" in policy
    assert "SecretsSendgrid" not in policy and "ses:" not in policy


def test_given_the_queues_then_visibility_is_six_times_the_consumer_timeout(synth) -> None:
    template = synth.stateless
    timeout = function_named(template, "resale-dev-notify-email")["Properties"]["Timeout"]
    queues = [
        q["Properties"]
        for q in resources(template, "AWS::SQS::Queue").values()
        if str(q["Properties"].get("QueueName", "")).startswith("resale-dev-notifications-")
        and not str(q["Properties"]["QueueName"]).endswith("-dlq")
    ]
    assert len(queues) == 2
    assert all(q["VisibilityTimeout"] >= 6 * timeout for q in queues)
